// One site's bad data never breaks the hub's accounting for everyone: exact StAR capacities, ingest
// that sets a failing message aside, reads that skip bad stored rows, strict queries, no token in logs.
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { CLOUD_RECORDS_VERSION } from '../../src/hub/accounting/summariser.js';
import { bumpState } from '../../src/hub/store/accounting-queries.js';
import type { CloudRecord } from '../../src/formats/apel/index.js';
import { cloudMessage, cloudRecord, readApelFixture } from '../helpers/apel-fixtures.js';
import { TEST_DIALECTS } from '../helpers/test-stores.js';
import { injectWithToken, openTestHub } from '../helpers/test-hub.js';
import type { TestHub } from '../helpers/test-hub.js';

const TOPIC = '/v1/projects/accounting/topics/eu-egi-cloud-accounting:publish';
/** 2^63 - 1, passed to the drivers as a bigint (a number cannot hold it). */
const INT64_MAX = 9223372036854775807n as unknown as number;

/** A cloud message of one record: the builder's VM as `vm` of `site`, `extra` fields set or replaced. */
function vmMessage(site: string, vm: string, extra: Partial<CloudRecord> = {}): string {
  return cloudMessage([cloudRecord({ siteName: site, vmUuid: vm, ...extra })]);
}

describe.each(TEST_DIALECTS)('hub hardening on %s', (dialect) => {
  let h: TestHub;
  let siteA: string;
  let siteB: string;
  let logLines: string[];

  async function call(method: 'GET' | 'POST', url: string, token = h.adminToken, body?: unknown) {
    const res = await injectWithToken(h, method, url, token, body);
    return { status: res.statusCode, json: () => res.json() as Record<string, unknown>, text: res.body };
  }

  async function publish(texts: string[], token: string) {
    const messages = texts.map((text) => ({ data: Buffer.from(text).toString('base64') }));
    const res = await call('POST', TOPIC, token, { messages });
    expect(res.status).toBe(200);
  }

  beforeEach(async () => {
    logLines = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    h = await openTestHub(dialect, { logger: createLogger({ level: 'info', destination: sink }) });
    siteA = await h.token('publisher', 'SITE-A');
    siteB = await h.token('publisher', 'TEST-Site');
  });
  afterEach(async () => h.dispose());

  it("loads cASO's StAR sample with its capacities above 2^64 exactly", async () => {
    await publish([readApelFixture('caso-storage-star-message.xml')], siteB);
    const totals = await h.app.hub.ingest!.drain();
    // both records of the sample share one RecordId: APEL keeps the later one
    expect(totals).toMatchObject({ records: 2, loaded: 1, superseded: 1, rejected: 0 });
    const { rows } = await sql<{
      c: string;
    }>`select cast(resource_capacity_used as text) as c from storage_records order by c`.execute(
      h.store.store.db,
    );
    expect(rows.map((r) => r.c)).toEqual(['131128086582054092800']);
  });

  it('sets aside a message whose statement fails and loads every later message of any site', async () => {
    // a real failing statement: the database refuses one value, as PostgreSQL refused the StAR sample
    const db = h.store.store.db;
    if (dialect === 'postgres') {
      await sql`create function refuse_4242() returns trigger language plpgsql as $$
        begin if new.wall_duration = 4242 then raise exception 'injected failure'; end if; return new; end $$`.execute(
        db,
      );
      await sql`create trigger refuse_4242 before insert or update on cloud_records
        for each row execute function refuse_4242()`.execute(db);
    } else {
      await sql`create trigger refuse_4242 before insert on cloud_records when new.wall_duration = 4242
        begin select raise(abort, 'injected failure'); end`.execute(db);
    }
    await publish(
      [
        vmMessage('SITE-A', 'vm-1'),
        vmMessage('SITE-A', 'vm-poison', { wallDuration: 4242, cpuDuration: 4242 }),
        vmMessage('SITE-A', 'vm-3'),
      ],
      siteA,
    );
    await publish([vmMessage('SITE-A', 'vm-4')], siteA);
    const totals = await h.app.hub.ingest!.drain();
    expect(totals).toMatchObject({ messages: 4, loaded: 3, rejected: 1 });
    const rejects = (await call('GET', '/v1/accounting/rejects')).json().rejects as Record<string, unknown>[];
    expect(rejects).toEqual([
      expect.objectContaining({ messageId: '1', code: 'HUB_INGEST_FAILED', recordIndex: null }),
    ]);
    expect(String(rejects[0]!.reason)).toContain('injected failure');
    // the cursor moved on: nothing is retried, and a later message loads at once
    await publish([vmMessage('SITE-A', 'vm-5')], siteA);
    expect(await h.app.hub.ingest!.drain()).toMatchObject({ messages: 1, loaded: 1, rejected: 0 });
    const summaries = (await call('GET', '/v1/accounting/summaries?group_by=site')).json();
    expect(summaries.summaries).toEqual([expect.objectContaining({ site: 'SITE-A', numberOfVms: 4 })]);
  });

  it('answers every read when stored rows hold values no sum or date can hold, and says they were skipped', async () => {
    await publish([vmMessage('SITE-A', 'vm-good')], siteA);
    await h.app.hub.ingest!.drain();
    // rows as older code or a manual edit could have stored them: overflowing counters, absurd times
    const db = h.store.store.db;
    const [good] = await db.selectFrom('cloud_records').selectAll().execute();
    await db
      .insertInto('cloud_records')
      .values([
        { ...good!, vm_id: 1001, start_time: 999999999999999, record_create_time: 999999999999999 },
        { ...good!, vm_id: 1002, wall_duration: 9007199254740991, cpu_duration: 9007199254740991 },
        // the largest 64-bit integer: any sum with it overflows
        { ...good!, vm_id: 1003, wall_duration: INT64_MAX, cpu_duration: INT64_MAX },
      ])
      .execute();
    await db.updateTable('accounting_sites').set({ last_measurement_time: 999999999999999 }).execute();
    await bumpState(db, CLOUD_RECORDS_VERSION);

    const summaries = await call('GET', '/v1/accounting/summaries?group_by=site');
    expect(summaries.status).toBe(200);
    expect(summaries.json().summaries).toEqual([
      expect.objectContaining({ site: 'SITE-A', numberOfVms: 1, wallDuration: 3600 }),
    ]);
    const sites = await call('GET', '/v1/accounting/sites');
    expect(sites.status).toBe(200);
    expect(sites.json().sites).toEqual([
      expect.objectContaining({ site: 'SITE-A', lastMeasurementTime: null }),
    ]);
    expect((await call('GET', '/v1/accounting/summaries?format=apel')).status).toBe(200);
    expect((await call('GET', '/v1/accounting/summaries?format=csv')).status).toBe(200);
    const outcome = await h.app.hub.summariser.refresh(true);
    expect(outcome.skipped).toBe(3);
    expect(logLines.join('')).toContain('left out of the summaries');
  });

  it('refuses unknown, repeated and prototype-named query parameters by name', async () => {
    const cases: [string, string][] = [
      ['/v1/accounting/summaries?group_by=constructor', 'group_by'],
      ['/v1/accounting/summaries?group_by=__proto__', 'group_by'],
      ['/v1/accounting/summaries?site=A&site=B', 'parameter "site" is given more than once'],
      ['/v1/accounting/summaries?sites=A', '"sites"'],
      ['/v1/accounting/summaries?__proto__=x', '"__proto__"'],
      ['/v1/accounting/summaries?constructor=x', '"constructor"'],
      ['/v1/accounting/ip?toString=1', '"toString"'],
      ['/v1/accounting/rejects?limit=1&limit=2', 'parameter "limit" is given more than once'],
    ];
    for (const [url, name] of cases) {
      const res = await call('GET', url);
      expect(res.status, url).toBe(400);
      const error = res.json().error as { code: string; message: string };
      expect(error.code, url).toBe('HUB_REQUEST_INVALID');
      expect(error.message, url).toContain(name);
    }
  });

  it('never writes a token to the log, however the query names it', async () => {
    const variants = ['key', 'k%65y', '%6B%65%79', 'KEY', 'Key'];
    for (const name of variants) {
      await h.app.inject({ method: 'GET', url: `/v1/accounting/sites?${name}=${siteA}` });
      await h.app.inject({ method: 'GET', url: `/v1/projects/accounting/topics?${name}=${siteA}` });
    }
    const log = logLines.join('');
    expect(log).toContain('/v1/accounting/sites');
    expect(log).not.toContain(siteA);
    expect(log).not.toContain(h.adminToken);
  });

  it('shows a publisher only the rejects of its own messages, and never names the site holding a key', async () => {
    const siteC = await h.token('publisher', 'SITE-C');
    await publish([vmMessage('SITE-A', 'vm-shared')], siteA);
    // site C names site A (refused: not its site) and reuses A's VM id for itself (a conflict)
    await publish([vmMessage('SITE-A', 'vm-c1'), vmMessage('SITE-C', 'vm-shared')], siteC);
    await h.app.hub.ingest!.drain();
    const own = (await call('GET', '/v1/accounting/rejects', siteA)).json().rejects as unknown[];
    expect(own).toEqual([]);
    const ofC = (await call('GET', '/v1/accounting/rejects', siteC)).json().rejects as Record<
      string,
      unknown
    >[];
    expect(ofC.map((r) => r.code).sort()).toEqual(['HUB_RECORD_CONFLICT', 'HUB_SITE_MISMATCH']);
    for (const r of ofC) expect(String(r.reason)).not.toContain('SITE-A is');
    const conflict = ofC.find((r) => r.code === 'HUB_RECORD_CONFLICT')!;
    expect(conflict.reason).toMatch(/^VMUUID vm-shared .*is already held by another site$/);
  });
});
