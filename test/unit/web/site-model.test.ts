// Unit tests of the sites pages' pure model: one row per site from the registry, discovery,
// accounting and the monitor; stale flags, the worst state per service, the latest A/R; arRange.
import { describe, expect, it } from 'vitest';
import type { AccountingSite, ArRow, Check, DiscoveryRow, RegistrySite } from '../../../web/src/api.js';
import { ACCOUNTING_STALE_MS, arRange, periodMonth, siteRows, worst } from '../../../web/src/site-model.js';

const NOW = Date.UTC(2026, 11, 8, 12);
const iso = (ms: number) => new Date(ms).toISOString();

function registrySite(shortName: string): RegistrySite {
  return { shortName, country: 'Spain', certificationStatus: 'Certified', productionStatus: 'Production' };
}

function accounting(site: string, lastReceivedAt: string | null): AccountingSite {
  return { site, lastReceivedAt, lastMeasurementTime: lastReceivedAt };
}

function discovery(site: string, state: string, expired = false): DiscoveryRow {
  return { site, state, expired, published_at: iso(NOW - 3_600_000), shares: [] };
}

function check(site: string, serviceType: string, status: string, metric = 'm'): Check {
  return { site, hostname: `${site}.example.org`, serviceType, metric, status, lastCheck: null, summary: '' };
}

function ar(site: string, period: string, availability: number): ArRow {
  return { period, site, availability, reliability: availability, unknown: 0 };
}

const none = { registry: [], accounting: [], discovery: [], checks: [], ar: [] };

describe('worst', () => {
  it('orders OK < WARNING < UNKNOWN < CRITICAL, an unknown word counting as UNKNOWN', () => {
    expect(worst([])).toBe('OK');
    expect(worst(['OK', 'OK'])).toBe('OK');
    expect(worst(['OK', 'WARNING'])).toBe('WARNING');
    expect(worst(['WARNING', 'UNKNOWN', 'OK'])).toBe('UNKNOWN');
    expect(worst(['CRITICAL', 'UNKNOWN', 'WARNING'])).toBe('CRITICAL');
    expect(worst(['WARNING', 'PENDING'])).toBe('PENDING');
    expect(worst(['PENDING', 'CRITICAL'])).toBe('CRITICAL');
  });
});

describe('siteRows', () => {
  it('has one row per site named by the registry, discovery or accounting, sorted by name', () => {
    const rows = siteRows(
      {
        ...none,
        registry: [registrySite('C-SITE'), registrySite('A-SITE')],
        discovery: [discovery('B-SITE', 'OK'), discovery('A-SITE', 'OK')],
        accounting: [accounting('D-SITE', iso(NOW)), accounting('C-SITE', iso(NOW))],
        // checks and A/R of a site nobody else names add no row
        checks: [check('E-SITE', 'org.openstack.nova', 'OK')],
        ar: [ar('F-SITE', '2026-12', 100)],
      },
      NOW,
    );
    expect(rows.map((r) => r.name)).toEqual(['A-SITE', 'B-SITE', 'C-SITE', 'D-SITE']);
    expect(rows.map((r) => r.registry?.shortName ?? null)).toEqual(['A-SITE', null, 'C-SITE', null]);
  });

  it('has no rows without sites', () => {
    expect(siteRows(none, NOW)).toEqual([]);
  });

  it(`flags accounting older than ${ACCOUNTING_STALE_MS / 86_400_000} days, or never received, as stale`, () => {
    expect(ACCOUNTING_STALE_MS).toBe(7 * 86_400_000);
    const rows = siteRows(
      {
        ...none,
        accounting: [
          accounting('FRESH', iso(NOW - 86_400_000)),
          accounting('EDGE', iso(NOW - ACCOUNTING_STALE_MS)),
          accounting('OLD', iso(NOW - ACCOUNTING_STALE_MS - 1000)),
          accounting('NEVER', null),
        ],
        discovery: [discovery('NO-ACCOUNTING', 'OK')],
      },
      NOW,
    );
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName.FRESH).toMatchObject({ accountingAt: iso(NOW - 86_400_000), isAccountingStale: false });
    expect(byName.EDGE!.isAccountingStale).toBe(false);
    expect(byName.OLD!.isAccountingStale).toBe(true);
    expect(byName.NEVER).toMatchObject({ accountingAt: null, isAccountingStale: true });
    expect(byName['NO-ACCOUNTING']).toMatchObject({ accountingAt: null, isAccountingStale: true });
  });

  it('flags discovery that is missing, expired or not OK as stale; the state is compared without case', () => {
    const rows = siteRows(
      {
        ...none,
        registry: [registrySite('MISSING')],
        discovery: [
          discovery('OK-UPPER', 'OK'),
          discovery('OK-LOWER', 'ok'),
          discovery('EXPIRED', 'OK', true),
          discovery('WARNING', 'WARNING'),
        ],
      },
      NOW,
    );
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName['OK-UPPER']).toMatchObject({
      discoveryAt: iso(NOW - 3_600_000),
      discoveryState: 'OK',
      isDiscoveryStale: false,
    });
    expect(byName['OK-LOWER']).toMatchObject({ discoveryState: 'ok', isDiscoveryStale: false });
    expect(byName.EXPIRED!.isDiscoveryStale).toBe(true);
    expect(byName.WARNING!.isDiscoveryStale).toBe(true);
    expect(byName.MISSING).toMatchObject({ discoveryAt: null, discoveryState: null, isDiscoveryStale: true });
  });

  it('gives each service its worst check state and number of checks, sorted by service type', () => {
    const [row] = siteRows(
      {
        ...none,
        registry: [registrySite('S')],
        checks: [
          check('S', 'org.openstack.swift', 'OK', 'a'),
          check('S', 'org.openstack.nova', 'OK', 'a'),
          check('S', 'org.openstack.nova', 'CRITICAL', 'b'),
          check('S', 'org.openstack.nova', 'WARNING', 'c'),
          check('S', 'eu.egi.cloud.accounting', 'UNKNOWN', 'a'),
          check('OTHER', 'org.openstack.nova', 'CRITICAL', 'a'),
        ],
      },
      NOW,
    );
    expect(row!.services).toEqual([
      { serviceType: 'eu.egi.cloud.accounting', status: 'UNKNOWN', checks: 1 },
      { serviceType: 'org.openstack.nova', status: 'CRITICAL', checks: 3 },
      { serviceType: 'org.openstack.swift', status: 'OK', checks: 1 },
    ]);
  });

  it("keeps the site's latest A/R month, whatever the order of the rows", () => {
    const [row, other, bare] = siteRows(
      {
        ...none,
        registry: [registrySite('S'), registrySite('T'), registrySite('U')],
        ar: [ar('S', '2026-10', 90), ar('S', '2026-12', 70), ar('S', '2026-11', 80), ar('T', '2026-09', 99)],
      },
      NOW,
    );
    expect(row!.ar).toEqual(ar('S', '2026-12', 70));
    expect(other!.ar).toEqual(ar('T', '2026-09', 99));
    expect(bare!.ar).toBeUndefined();
    expect('ar' in bare!).toBe(false);
  });
});

describe('arRange', () => {
  it('runs from the first day of the month 11 months back to today by default', () => {
    expect(arRange(new Date(NOW))).toEqual({ from: '2026-01-01', to: '2026-12-08' });
  });

  it('starts at the first of this month with 0 months back, and crosses year boundaries', () => {
    expect(arRange(new Date(NOW), 0)).toEqual({ from: '2026-12-01', to: '2026-12-08' });
    expect(arRange(new Date(Date.UTC(2026, 1, 15)), 3)).toEqual({ from: '2025-11-01', to: '2026-02-15' });
  });

  it('reads the month of an A/R period', () => {
    expect(periodMonth('2026-11')).toBe('2026-11');
    expect(periodMonth('2026-11-01')).toBe('2026-11');
  });
});
