// The accounting capability end to end over HTTP on every test backend: publish, ingest, repository, summaries.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseApelMessage, type CloudRecord } from '../../src/formats/apel/index.js';
import { cloudFields, cloudMessage, cloudRecord, readApelFixture } from '../helpers/apel-fixtures.js';
import { selfSignedCertificateArgs } from '../helpers/openssl-ca.js';
import { TEST_DIALECTS } from '../helpers/test-stores.js';
import { openTestHub } from '../helpers/test-hub.js';
import type { TestHub } from '../helpers/test-hub.js';

const TOPIC = '/v1/projects/accounting/topics/eu-egi-cloud-accounting:publish';
const t = (iso: string) => Date.parse(iso) / 1000;

/** Signs `text` as ssmsend does (`openssl smime -sign -text`) with a throwaway self-signed host cert. */
function smimeSign(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-ssm-'));
  try {
    const key = path.join(dir, 'hostkey.pem');
    const cert = path.join(dir, 'hostcert.pem');
    execFileSync('openssl', selfSignedCertificateArgs(key, cert, '/CN=cloud.site-a.example.org', 1), {
      stdio: 'ignore',
    });
    return execFileSync(
      'openssl',
      ['smime', '-sign', '-inkey', key, '-signer', cert, '-text', '-md', 'sha256'],
      { input: text },
    ).toString();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** VM "a" of SITE-A: started 10 Jan, running at the end of January, completed 5 Feb (cumulative counters). */
const A_JAN = cloudRecord({
  vmUuid: 'vm-a',
  cloudComputeService: 'nova-a',
  startTime: t('2024-01-10T00:00:00Z'),
  wallDuration: 1000,
  cpuDuration: 2000,
  cpuCount: 2,
  memory: 4096,
  disk: 20,
  imageId: 'img-1',
});
const A_FEB: CloudRecord = {
  ...A_JAN,
  status: 'completed',
  endTime: t('2024-02-05T00:00:00Z'),
  wallDuration: 2246400,
  cpuDuration: 4492800,
};
/** VM "b" of SITE-A: started 1 Feb, one hour so far, one vCPU. */
const B_FEB = cloudRecord({ vmUuid: 'vm-b', cloudComputeService: 'nova-a', imageId: 'img-1' });

describe.each(TEST_DIALECTS)('hub accounting on %s', (dialect) => {
  let h: TestHub;
  let base: string;
  let siteA: string;

  async function call(
    method: string,
    url: string,
    options: { token?: string; body?: unknown; accept?: string } = {},
  ) {
    const headers: Record<string, string> = { 'x-api-key': options.token ?? h.adminToken };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.accept) headers.accept = options.accept;
    const res = await fetch(base + url, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  /** Publishes each text as one message and waits until ingest has consumed everything. */
  async function publish(texts: string[], token = siteA) {
    const messages = texts.map((text) => ({
      attributes: { empaid: 'x' },
      data: Buffer.from(text).toString('base64'),
    }));
    const res = await call('POST', TOPIC, { token, body: { messages } });
    expect(res.status).toBe(200);
    return h.app.hub.ingest!.drain();
  }

  async function summaries(query = '') {
    const res = await call('GET', `/v1/accounting/summaries${query}`);
    expect(res.status).toBe(200);
    return JSON.parse(res.text) as { groupBy: string[]; summaries: Record<string, unknown>[] };
  }

  beforeEach(async () => {
    h = await openTestHub(dialect);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    siteA = await h.token('publisher', 'SITE-A');
  });
  afterEach(async () => h.dispose());

  it('summarises cumulative records into monthly deltas that match a hand computation', async () => {
    await publish([cloudMessage([A_JAN]), cloudMessage([A_FEB, B_FEB])]);
    const bySiteMonth = await summaries('?group_by=site,month');
    expect(bySiteMonth.summaries).toEqual([
      expect.objectContaining({
        site: 'SITE-A',
        month: '2024-01',
        wallDuration: 1000,
        cpuDuration: 2000,
        numberOfVms: 1,
      }),
      expect.objectContaining({
        site: 'SITE-A',
        month: '2024-02',
        wallDuration: 2245400 + 3600,
        cpuDuration: 4490800 + 3600,
        numberOfVms: 2,
        memory: 4096 + 2048,
        earliestStartTime: '2024-01-10T00:00:00.000Z',
        latestStartTime: '2024-02-01T00:00:00.000Z',
      }),
    ]);
    // APEL's own grouping keeps Status and CpuCount apart
    const full = await summaries('?from=2024-02&to=2024-02');
    expect(full.summaries.map((s) => [s.status, s.cpuCount, s.wallDuration, s.numberOfVms])).toEqual([
      ['completed', 2, 2245400, 1],
      ['started', 1, 3600, 1],
    ]);
    expect(full.summaries[0]).toMatchObject({
      site: 'SITE-A',
      service: 'nova-a',
      vo: 'vo1',
      voGroup: 'None',
      voRole: 'None',
      user: 'alice',
      imageId: 'img-1',
    });
  });

  it('keeps the record with the greatest MeasurementTime whatever the arrival order', async () => {
    const newer = { ...A_JAN, wallDuration: 5000, cpuDuration: 10000 };
    await publish([cloudMessage([newer])]);
    const totals = await publish([cloudMessage([A_JAN])]);
    expect(totals).toMatchObject({ records: 1, loaded: 0, superseded: 1, rejected: 0 });
    expect((await summaries('?group_by=month')).summaries).toEqual([
      expect.objectContaining({ month: '2024-01', wallDuration: 5000 }),
    ]);
  });

  it('keeps the newest version and refuses another site when both arrive in one batch', async () => {
    const newer = { ...A_JAN, wallDuration: 5000, cpuDuration: 10000 };
    const takeover = { ...A_JAN, siteName: 'SITE-B', wallDuration: 7000 };
    const totals = await publish([cloudMessage([newer]), cloudMessage([A_JAN, takeover])], h.adminToken);
    expect(totals).toMatchObject({ records: 3, loaded: 1, superseded: 1, rejected: 1 });
    const [reject] = JSON.parse((await call('GET', '/v1/accounting/rejects')).text).rejects;
    expect(reject).toMatchObject({
      code: 'HUB_RECORD_CONFLICT',
      messageId: '1',
      recordIndex: 1,
      recordSite: 'SITE-B',
    });
    expect((await summaries('?group_by=site')).summaries).toEqual([
      expect.objectContaining({ site: 'SITE-A', wallDuration: 5000 }),
    ]);
  });

  it('changes no summary when every message is sent twice more', async () => {
    const texts = [cloudMessage([A_JAN]), cloudMessage([A_FEB, B_FEB])];
    await publish(texts);
    const before = await summaries();
    await publish([...texts, ...texts].reverse());
    expect(await summaries()).toEqual(before);
  });

  it("rejects records of another site than the token's and still loads the others of the message", async () => {
    const foreign = { ...B_FEB, vmUuid: 'vm-x', siteName: 'SITE-B' };
    const totals = await publish([cloudMessage([A_JAN, foreign])]);
    expect(totals).toMatchObject({ records: 2, loaded: 1, rejected: 1 });
    const rejects = JSON.parse((await call('GET', '/v1/accounting/rejects')).text).rejects;
    expect(rejects).toEqual([
      expect.objectContaining({
        code: 'HUB_SITE_MISMATCH',
        messageId: '0',
        recordIndex: 1,
        recordKind: 'cloud',
        field: 'SiteName',
        publisherSite: 'SITE-A',
        recordSite: 'SITE-B',
      }),
    ]);
    expect((await summaries('?group_by=site')).summaries.map((s) => s.site)).toEqual(['SITE-A']);
  });

  it('never lets a record of another site replace a stored VM', async () => {
    await publish([cloudMessage([A_JAN])]);
    const takeover = { ...A_JAN, siteName: 'SITE-B', wallDuration: 9999 };
    const totals = await publish([cloudMessage([takeover])], h.adminToken);
    expect(totals).toMatchObject({ loaded: 0, rejected: 1 });
    const rejects = JSON.parse((await call('GET', '/v1/accounting/rejects?site=SITE-B')).text).rejects;
    expect(rejects[0]).toMatchObject({ code: 'HUB_RECORD_CONFLICT', recordIndex: 0, recordSite: 'SITE-B' });
    expect((await summaries('?group_by=site')).summaries).toEqual([
      expect.objectContaining({ site: 'SITE-A', wallDuration: 1000 }),
    ]);
  });

  it('lists an invalid record with its field and index while the valid ones load', async () => {
    const text = cloudMessage([A_JAN, cloudFields(B_FEB, { WallDuration: '1.5' })]);
    const totals = await publish([text]);
    expect(totals).toMatchObject({ records: 2, loaded: 1, rejected: 1 });
    const res = JSON.parse((await call('GET', '/v1/accounting/rejects')).text);
    expect(res.rejects[0]).toMatchObject({
      code: 'APEL_FIELD_INVALID',
      recordIndex: 1,
      field: 'WallDuration',
      messageId: '0',
    });
    expect(res.rejects[0].reason).toMatch(/WallDuration/);
  });

  it('records a message that is not APEL at all as one reject without a record index', async () => {
    await publish(['hello, world']);
    const [reject] = JSON.parse((await call('GET', '/v1/accounting/rejects')).text).rejects;
    expect(reject).toMatchObject({
      code: 'APEL_MESSAGE_INVALID',
      recordIndex: null,
      publisherSite: 'SITE-A',
    });
  });

  it('loads an S/MIME multipart/signed message as ssmsend publishes it', async () => {
    const signed = smimeSign(cloudMessage([A_JAN, B_FEB]));
    expect(signed).toContain('Content-Type: multipart/signed');
    expect(await publish([signed])).toMatchObject({ records: 2, loaded: 2, rejected: 0 });
  });

  it('exports the summaries as an APEL-cloud-summary-message v0.4 that reads back', async () => {
    await publish([cloudMessage([A_JAN]), cloudMessage([A_FEB, B_FEB])]);
    const res = await call('GET', '/v1/accounting/summaries?format=apel');
    expect(res.type).toMatch(/^text\/plain/);
    expect(res.text.startsWith('APEL-cloud-summary-message: v0.4\n')).toBe(true);
    const parsed = parseApelMessage(res.text);
    expect(parsed.kind).toBe('cloud-summary');
    expect(parsed.errors).toEqual([]);
    expect(parsed.records).toHaveLength(3);
    expect(parsed.records[0]).toMatchObject({
      siteName: 'SITE-A',
      month: 1,
      year: 2024,
      wallDuration: 1000,
      numberOfVms: 1,
    });
  });

  it('answers CSV when asked with Accept: text/csv', async () => {
    await publish([cloudMessage([A_JAN])]);
    const res = await call('GET', '/v1/accounting/summaries?group_by=site,vo,month', { accept: 'text/csv' });
    expect(res.type).toMatch(/^text\/csv/);
    expect(res.text.split('\r\n')[0]).toBe(
      'site,vo,month,wallDuration,cpuDuration,networkInbound,networkOutbound,memory,disk,numberOfVms,earliestStartTime,latestStartTime',
    );
    expect(res.text.split('\r\n')[1]).toMatch(/^SITE-A,vo1,2024-01,1000,2000,/);
  });

  it('reports per-site freshness: records, last receive time and last MeasurementTime', async () => {
    await publish([cloudMessage([A_JAN]), cloudMessage([A_FEB, B_FEB])]);
    const { sites } = JSON.parse((await call('GET', '/v1/accounting/sites')).text);
    expect(sites).toEqual([
      {
        site: 'SITE-A',
        cloudRecords: 3,
        recordsReceived: 3,
        recordsRejected: 0,
        lastReceivedAt: new Date(h.clock.now).toISOString(),
        lastMeasurementTime: '2024-02-05T00:00:00.000Z',
        measurementLagSeconds: h.clock.now / 1000 - t('2024-02-05T00:00:00Z'),
      },
    ]);
  });

  it('loads cASO public IP and accelerator messages into their monthly views', async () => {
    const testSite = await h.token('publisher', 'TEST-Site');
    const ip = readApelFixture('caso-public-ip-message-v0.2.json');
    const gpu = readApelFixture('caso-accelerator-message-v0.1.json');
    const totals = await publish([ip, gpu], testSite);
    expect(totals).toMatchObject({ records: 4, loaded: 4, rejected: 0 });
    const ipView = JSON.parse((await call('GET', '/v1/accounting/ip')).text).ip;
    expect(ipView).toEqual([
      expect.objectContaining({
        site: 'TEST-Site',
        month: '2023-05',
        vo: 'VO 1 FQAN',
        ipVersion: 4,
        ipCount: 10,
        users: 1,
      }),
      expect.objectContaining({
        site: 'TEST-Site',
        month: '2023-05',
        vo: 'VO 2 FQAN',
        ipVersion: 6,
        ipCount: 20,
        users: 1,
      }),
    ]);
    const gpuView = JSON.parse(
      (await call('GET', '/v1/accounting/accelerators?from=2022-01&to=2022-12')).text,
    ).accelerators;
    expect(
      (gpuView as Record<string, unknown>[]).map((g) => [g.month, g.type, g.count, g.availableDuration]),
    ).toEqual([
      ['2022-02', 'GPU', 30, 5000],
      ['2022-06', 'GPU', 3, 5000],
    ]);
  });

  it('limits a publisher token to its own site when reading accounting', async () => {
    const siteB = await h.token('publisher', 'SITE-B');
    await publish([cloudMessage([A_JAN])]);
    const own = await call('GET', '/v1/accounting/summaries?group_by=site', { token: siteB });
    expect(JSON.parse(own.text).summaries).toEqual([]);
    const other = await call('GET', '/v1/accounting/summaries?site=SITE-A', { token: siteB });
    expect(other.status).toBe(403);
    expect(JSON.parse(other.text).error.code).toBe('HUB_FORBIDDEN');
  });

  it('loads a published message by itself, without an explicit drain, when ingest runs in the background', async () => {
    const background = await openTestHub(dialect, { ingest: { pollIntervalMs: 100 } });
    try {
      const token = await background.token('publisher', 'SITE-A');
      const data = Buffer.from(cloudMessage([A_JAN])).toString('base64');
      const res = await background.app.inject({
        method: 'POST',
        url: TOPIC,
        headers: { 'x-api-key': token },
        payload: { messages: [{ data }] },
      });
      expect(res.statusCode).toBe(200);
      let sites: unknown[] = [];
      for (let i = 0; i < 50 && sites.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const answer = await background.app.inject({
          url: '/v1/accounting/sites',
          headers: { 'x-api-key': token },
        });
        sites = (answer.json() as { sites: unknown[] }).sites;
      }
      expect(sites).toEqual([expect.objectContaining({ site: 'SITE-A', cloudRecords: 1 })]);
    } finally {
      await background.dispose();
    }
  });
});
