// The sites pages' model, pure: one row per site from the registry, discovery, accounting and
// the monitor, with what is stale, the worst state per service, and the A/R months.
import type { AccountingSite, ArRow, Check, DiscoveryRow, RegistrySite } from './api.js';

/** Accounting older than this is flagged (sites publish daily). */
export const ACCOUNTING_STALE_MS = 7 * 86_400_000;
/** The OLA's thresholds, as the A/R report applies them. */
export const OLA = { availability: 80, reliability: 85 } as const;

const SEVERITY: Record<string, number> = { OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3 };

/** The worst of some check states. */
export function worst(states: readonly string[]): string {
  return states.reduce((w, s) => ((SEVERITY[s] ?? 2) > (SEVERITY[w] ?? 2) ? s : w), 'OK');
}

/** One site as the sites page shows it. */
export interface SiteRow {
  readonly name: string;
  readonly registry?: RegistrySite;
  readonly services: readonly { serviceType: string; status: string; checks: number }[];
  readonly accountingAt: string | null;
  readonly isAccountingStale: boolean;
  readonly discoveryAt: string | null;
  readonly discoveryState: string | null;
  readonly isDiscoveryStale: boolean;
  /** The latest month's A/R, if any. */
  readonly ar?: ArRow;
}

export function siteRows(
  input: {
    registry: readonly RegistrySite[];
    accounting: readonly AccountingSite[];
    discovery: readonly DiscoveryRow[];
    checks: readonly Check[];
    ar: readonly ArRow[];
  },
  now: number,
): SiteRow[] {
  const names = new Set<string>([
    ...input.registry.map((s) => s.shortName),
    ...input.discovery.map((d) => d.site),
    ...input.accounting.map((a) => a.site),
  ]);
  return [...names].sort().map((name) => {
    const registry = input.registry.find((s) => s.shortName === name);
    const acc = input.accounting.find((a) => a.site === name);
    const disc = input.discovery.find((d) => d.site === name);
    const byService = new Map<string, string[]>();
    for (const c of input.checks.filter((c) => c.site === name))
      byService.set(c.serviceType, [...(byService.get(c.serviceType) ?? []), c.status]);
    const ar = input.ar
      .filter((r) => r.site === name)
      .sort((a, b) => a.period.localeCompare(b.period))
      .at(-1);
    const accountingAt = acc?.lastReceivedAt ?? null;
    return {
      name,
      ...(registry ? { registry } : {}),
      services: [...byService.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([serviceType, states]) => ({ serviceType, status: worst(states), checks: states.length })),
      accountingAt,
      isAccountingStale: !accountingAt || now - Date.parse(accountingAt) > ACCOUNTING_STALE_MS,
      discoveryAt: disc?.published_at ?? null,
      discoveryState: disc?.state ?? null,
      isDiscoveryStale: !disc || disc.expired || disc.state.toUpperCase() !== 'OK',
      ...(ar ? { ar } : {}),
    };
  });
}

/** `YYYY-MM-DD` of the first day of the month `monthsBack` months before `now`'s, and of `now`. */
export function arRange(now: Date, monthsBack = 11): { from: string; to: string } {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsBack, 1));
  return { from: first.toISOString().slice(0, 10), to: now.toISOString().slice(0, 10) };
}

/** `YYYY-MM` of an A/R period (`2026-11` or `2026-11-01`). */
export const periodMonth = (period: string): string => period.slice(0, 7);
