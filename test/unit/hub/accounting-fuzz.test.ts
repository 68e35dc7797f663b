// Property tests of the hub's accounting input: generated query strings on every read route, and
// generated APEL messages through publish and ingest. Never a 5xx or a stuck ingest; a refused
// record is named by index and field while its valid neighbours load.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEB_1_2024, cloudFields, cloudMessage, cloudRecord } from '../../helpers/apel-fixtures.js';
import { fc } from '../../helpers/fuzz.js';
import { openTestHub } from '../../helpers/test-hub.js';
import type { TestHub } from '../../helpers/test-hub.js';

const TOPIC = '/v1/projects/accounting/topics/eu-egi-cloud-accounting:publish';
const ROUTES = ['/summaries', '/ip', '/accelerators', '/rejects', '/sites'];
const NAMES = ['site', 'vo', 'from', 'to', 'group_by', 'format', 'limit', 'before', 'message_id'];
const TRICKY = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'undefined',
  'null',
  '',
  '%00',
  'k%65y',
];

/** A query string of generated names and values: known, prototype names, repeats, encodings. */
const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...NAMES, ...TRICKY), fc.string({ maxLength: 12 })),
      fc.oneof(
        fc.constantFrom(...TRICKY, 'site', 'month,vo', '2024-01', '2024-13', 'csv', 'apel', '-1', '1e309'),
        fc.string({ maxLength: 20 }),
        fc.integer().map(String),
      ),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

/** A value no cloud record field may hold: negative, overflowing, absurd times, not a number. */
const badNumber = fc.constantFrom(
  '-1',
  '9007199254740991',
  '999999999999999',
  '1e400',
  'NaN',
  'Infinity',
  '0x10',
  '12abc',
  '-0.5',
  '18446744073709551616',
);
const NUMERIC_FIELDS = ['StartTime', 'WallDuration', 'CpuDuration', 'CpuCount', 'Memory', 'Disk'];

describe('accounting input, generated', () => {
  let h: TestHub;
  let siteA: string;

  beforeAll(async () => {
    h = await openTestHub('sqlite');
    siteA = await h.token('publisher', 'SITE-A');
  });
  afterAll(async () => h.dispose());

  it('answers every generated query of every read route without a 5xx, naming what it refuses', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), queryString, async (route, query) => {
        const res = await h.app.inject({
          method: 'GET',
          url: `/v1/accounting${route}?${query}`,
          headers: { 'x-api-key': h.adminToken },
        });
        expect(res.statusCode, `${route}?${query}`).toBeLessThan(500);
        if (res.statusCode === 400) {
          const error = (res.json() as { error: { code: string; message: string } }).error;
          expect(error.code).toBe('HUB_REQUEST_INVALID');
          expect(error.message).toMatch(/^query /);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('loads the valid records of a message and names each refused one by index and field', async () => {
    let vm = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.tuple(fc.constantFrom(...NUMERIC_FIELDS), badNumber), { nil: undefined }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (plan) => {
          // valid cloud records of SITE-A, each with a bad value in one field where the plan says
          const records = plan.map((bad) => {
            const i = vm++;
            return cloudFields(
              cloudRecord({ vmUuid: `vm-${i}`, startTime: FEB_1_2024 + i }),
              bad ? { [bad[0]]: bad[1] } : {},
            );
          });
          const published = await h.app.inject({
            method: 'POST',
            url: TOPIC,
            headers: { 'x-api-key': siteA, 'content-type': 'application/json' },
            payload: JSON.stringify({
              messages: [{ data: Buffer.from(cloudMessage(records)).toString('base64') }],
            }),
          });
          expect(published.statusCode).toBe(200);
          const { messageIds } = published.json() as { messageIds: string[] };
          const totals = await h.app.hub.ingest!.drain();
          const valid = plan.filter((bad) => bad === undefined).length;
          expect(totals).toMatchObject({ messages: 1, loaded: valid, rejected: plan.length - valid });
          const rejects = await h.app.inject({
            method: 'GET',
            url: `/v1/accounting/rejects?message_id=${messageIds[0]}`,
            headers: { 'x-api-key': h.adminToken },
          });
          const named = (rejects.json() as { rejects: { recordIndex: number; field: string }[] }).rejects
            .map((r) => [r.recordIndex, r.field])
            .sort((a, b) => Number(a[0]) - Number(b[0]));
          const expected = plan.flatMap((bad, i) => (bad ? [[i, bad[0]]] : []));
          expect(named).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
    const summaries = await h.app.inject({
      method: 'GET',
      url: '/v1/accounting/summaries?group_by=site',
      headers: { 'x-api-key': h.adminToken },
    });
    expect(summaries.statusCode).toBe(200);
  });

  it('never stalls on generated message bodies: every message is loaded or rejected, and the cursor moves on', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc
            .constant('APEL-cloud-message: v0.4\n')
            .chain((head) => fc.string({ maxLength: 300 }).map((rest) => head + rest)),
          fc.constantFrom('', '%%', '<sr:StorageUsageRecords/>', '{"Type":"APEL Public IP message"}', '{}'),
        ),
        async (text) => {
          const published = await h.app.inject({
            method: 'POST',
            url: TOPIC,
            headers: { 'x-api-key': siteA, 'content-type': 'application/json' },
            payload: JSON.stringify({ messages: [{ data: Buffer.from(text || ' ').toString('base64') }] }),
          });
          expect(published.statusCode).toBeLessThan(500);
          if (published.statusCode !== 200) return;
          const totals = await h.app.hub.ingest!.drain();
          expect(totals.messages).toBe(1);
          expect(await h.app.hub.ingest!.drain()).toMatchObject({ messages: 0 });
        },
      ),
      { numRuns: 60 },
    );
  });
});
