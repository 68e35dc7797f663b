// The status history and the A/R reports on SQLite and PostgreSQL: the runs stored give the same
// timelines as every result would, and the report API gives the reference's worked example.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricTimeline, runsTimeline, type CheckResult } from '../../src/formats/availability/index.js';
import { ResultStore, type CheckStatus } from '../../src/hub/monitor/index.js';
import { TEST_DIALECTS } from '../helpers/test-stores.js';
import { injectWithToken, openTestHub, type TestHub } from '../helpers/test-hub.js';

const HOUR = 3_600_000;
const DAY0 = Date.UTC(2024, 1, 10);
const STATUSES: CheckStatus[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];

describe.each(TEST_DIALECTS)('status history and availability on %s', (dialect) => {
  let h: TestHub;
  beforeAll(async () => {
    h = await openTestHub(dialect, { ingest: false });
  });
  afterAll(async () => h.dispose());

  it('stores runs that give the timeline every result would give', async () => {
    const results = new ResultStore(h.store.store);
    const validFor = 20 * 60_000;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: 30 }), status: fc.constantFrom(...STATUSES) }), {
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 5 }),
        async (steps, batches) => {
          const seriesId = await results.seriesId({
            endpointKey: `P${n++}`,
            metric: 'm',
            siteName: 'S',
            serviceType: 'org.openstack.nova',
            hostname: 'h',
          });
          let at = DAY0;
          const all: CheckResult[] = steps.map((s) => ({ at: (at += s.gap * 60_000), status: s.status }));
          const per = Math.max(1, Math.ceil(all.length / batches));
          for (let i = 0; i < all.length; i += per) {
            const part = all.slice(i, i + per);
            await results.record(
              part.map((r) => ({
                seriesId,
                atMs: r.at,
                status: r.status,
                durationMs: 5,
                summary: r.status,
                perfdata: '',
                validForMs: validFor,
              })),
              [],
            );
          }
          const period = { start: DAY0, end: DAY0 + 24 * HOUR };
          const runs =
            (await new ResultStore(h.store.store).runs(period.start, period.end)).get(seriesId) ?? [];
          expect(runsTimeline(runs, period, validFor)).toEqual(metricTimeline(all, period, validFor));
          // and the runs are those of the results: one status in a row, each within the validity
          const expected: { firstAt: number; lastAt: number; status: string }[] = [];
          for (const r of all) {
            const last = expected[expected.length - 1];
            if (last && last.status === r.status && r.at - last.lastAt <= validFor) last.lastAt = r.at;
            else expected.push({ firstAt: r.at, lastAt: r.at, status: r.status });
          }
          expect(runs).toEqual(expected);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('reports the worked example per day (A 27.8 %, R 35.7 %) as JSON and CSV, with the monthly OLA verdict', async () => {
    const admin = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
      injectWithToken(h, method, url, h.adminToken, body);
    expect((await admin('PUT', '/v1/registry/sites/AR-SITE', {})).statusCode).toBe(201);
    const nova = await admin('POST', '/v1/registry/sites/AR-SITE/endpoints', {
      serviceType: 'org.openstack.nova',
      hostname: 'keystone.ar.example',
      url: 'https://keystone.ar.example:5000/v3',
    });
    const key = nova.json().primaryKey as string;
    const results = new ResultStore(h.store.store);
    // Keystone-TCP every 15 min: 5 h OK, 9 h CRITICAL, 6 h UNKNOWN, then 4 h OK under an OUTAGE downtime
    const series = await results.seriesId({
      endpointKey: key,
      metric: 'org.nagios.Keystone-TCP',
      siteName: 'AR-SITE',
      serviceType: 'org.openstack.nova',
      hostname: 'keystone.ar.example',
    });
    const plan: [CheckStatus, number][] = [
      ['OK', 5],
      ['CRITICAL', 9],
      ['UNKNOWN', 6],
      ['OK', 4],
    ];
    const rows = [];
    let at = DAY0;
    for (const [status, hours] of plan) {
      for (let i = 0; i < hours * 4; i++, at += 15 * 60_000)
        rows.push({
          seriesId: series,
          atMs: at,
          status,
          durationMs: 3,
          summary: status,
          perfdata: '',
          validForMs: (900 + 3 * 180) * 1000,
        });
    }
    await results.record(rows, []);
    // the InfoProvider metric of the profile is OK all day, so the endpoint is what Keystone-TCP says
    const info = await results.seriesId({
      endpointKey: key,
      metric: 'eu.egi.cloud.InfoProvider',
      siteName: 'AR-SITE',
      serviceType: 'org.openstack.nova',
      hostname: 'keystone.ar.example',
    });
    await results.record(
      Array.from({ length: 24 }, (_, i) => ({
        seriesId: info,
        atMs: DAY0 + i * HOUR,
        status: 'OK' as const,
        durationMs: 3,
        summary: 'OK',
        perfdata: '',
        validForMs: (3600 + 2 * 900) * 1000,
      })),
      [],
    );
    const downtime = await admin('POST', '/v1/registry/sites/AR-SITE/downtimes', {
      start: new Date(DAY0 + 20 * HOUR).toISOString(),
      end: new Date(DAY0 + 24 * HOUR).toISOString(),
    });
    expect(downtime.statusCode).toBe(201);
    // an at-risk (WARNING) downtime over the CRITICAL hours changes nothing
    await admin('POST', '/v1/registry/sites/AR-SITE/downtimes', {
      severity: 'WARNING',
      start: new Date(DAY0 + 5 * HOUR).toISOString(),
      end: new Date(DAY0 + 14 * HOUR).toISOString(),
    });

    const daily = await h.app.inject({
      method: 'GET',
      url: '/v1/monitoring/ar?from=2024-02-10&to=2024-02-11&granularity=daily&site=AR-SITE',
    });
    expect(daily.statusCode).toBe(200);
    expect(daily.json().rows).toEqual([
      {
        period: '2024-02-10',
        site: 'AR-SITE',
        availability: 27.8,
        reliability: 35.7,
        up: 20.8,
        unknown: 25,
        downtime: 16.7,
      },
      // the last result's validity runs into the next day, then nothing: MISSING, no figure
      expect.objectContaining({ period: '2024-02-11', availability: 100 }),
    ]);
    const endpoint = await h.app.inject({
      method: 'GET',
      url: '/v1/monitoring/ar?from=2024-02-10&to=2024-02-10&granularity=daily&level=endpoint&site=AR-SITE',
    });
    expect(endpoint.json().rows[0]).toMatchObject({
      endpoint: key,
      hostname: 'keystone.ar.example',
      serviceType: 'org.openstack.nova',
      availability: 27.8,
    });
    const monthly = await h.app.inject({
      method: 'GET',
      url: '/v1/monitoring/ar?from=2024-02-01&to=2024-02-29&site=AR-SITE',
    });
    expect(monthly.json().rows[0]).toMatchObject({
      period: '2024-02',
      ola: {
        isMet: false,
        failures: expect.arrayContaining([expect.stringMatching(/^availability .* < 80 %$/)]),
      },
    });
    const csv = await h.app.inject({
      method: 'GET',
      url: '/v1/monitoring/ar?from=2024-02-10&to=2024-02-10&granularity=daily&site=AR-SITE&format=csv',
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n').slice(0, 2)).toEqual([
      'period,site,serviceType,endpoint,hostname,availability,reliability,up,unknown,downtime,ola',
      '2024-02-10,AR-SITE,,,,27.8,35.7,20.8,25,16.7,',
    ]);
    const bad = await h.app.inject({ method: 'GET', url: '/v1/monitoring/ar?from=2024-02-31&to=2024-03-01' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('from: expected a day YYYY-MM-DD (found 2024-02-31)');
  });
});
