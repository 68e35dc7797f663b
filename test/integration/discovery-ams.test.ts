// Discovery publishing to AMS on the legacy topic, received through the hub's own AMS endpoint.
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub, type HubApp } from '../../src/hub/app.js';
import { generateHubToken } from '../../src/hub/auth/hub-token.js';
import { legacyAmsTopic } from '../../src/site/discovery/publish-to-ams.js';
import { accountingConfig } from '../helpers/accounting.js';
import { runCli } from '../helpers/cli.js';
import { openTestStore, type TestStore } from '../helpers/test-stores.js';

describe('discovery published to AMS', () => {
  let store: TestStore;
  let app: HubApp;
  let base: string;
  const admin = generateHubToken();
  const topic = legacyAmsTopic('TESTBED-SITE-A', '9999G0');

  async function ams(method: string, url: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${base}/v1/projects/egi_cloud_info${url}`, {
      method,
      headers: { 'x-api-key': admin, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  beforeAll(async () => {
    store = await openTestStore('sqlite');
    app = await buildHub({ store: store.store, adminToken: admin, ingest: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await ams('PUT', `/topics/${topic}`);
    await ams('PUT', '/subscriptions/info', { topic: `projects/egi_cloud_info/topics/${topic}` });
  });
  afterAll(async () => {
    await app.close();
    await store.dispose();
  });

  it('names the topic as cloud-info-provider did', () => {
    expect(legacyAmsTopic('IFCA-LCG2', '7513G0')).toBe('SITE_IFCA-LCG2_ENDPOINT_7513G0');
    expect(legacyAmsTopic('CESGA.CLOUD', '1G0')).toBe('SITE_CESGA-CLOUD_ENDPOINT_1G0');
  });

  it('publishes the gzipped document on the site’s legacy topic', async () => {
    const cfg = accountingConfig('site-a');
    writeFileSync(path.join(cfg.dir, 'ams.token'), `${admin}\n`);
    const output = path.join(cfg.dir, 'site.json');
    const { code, stderr } = await runCli([
      'site',
      'discovery',
      '--config',
      cfg.file,
      '--no-gocdb',
      '--gocdb-id',
      '9999G0',
      '--output',
      output,
      '--publish-ams',
      base,
      '--ams-token-file',
      path.join(cfg.dir, 'ams.token'),
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const pulled = await ams('POST', '/subscriptions/info:pull', {
      maxMessages: '1',
      returnImmediately: 'true',
    });
    const [received] = pulled.receivedMessages as { message: { data: string } }[];
    const document = JSON.parse(
      gunzipSync(Buffer.from(received!.message.data, 'base64')).toString('utf8'),
    ) as {
      CloudComputingService: { OtherInfo: { gocdb_id: string } }[];
    };
    expect(document.CloudComputingService[0]!.OtherInfo.gocdb_id).toBe('9999G0');
    expect(document).toEqual(JSON.parse(readFileSync(output, 'utf8')));
  });
});
