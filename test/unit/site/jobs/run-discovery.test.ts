import { describe, expect, it } from 'vitest';
import { runDiscovery } from '../../../../src/site/jobs/index.js';
import { startStub } from '../../../helpers/stub-server.js';
import {
  NOW_MS,
  PASSWORD_ENV,
  contextOf,
  emptyOpenStackPerTest,
  siteConfig,
} from '../../../helpers/job-fixtures.js';

const stubSite = emptyOpenStackPerTest();

describe('runDiscovery', () => {
  it('builds the document at the injected clock and measures the run with it', async () => {
    const stub = await stubSite();
    const { config } = siteConfig(`${stub.url}/v3`);
    const outcome = await runDiscovery(contextOf(config), { gocdbUrl: false, validitySeconds: 3600 });
    expect(outcome).toMatchObject({ site: 'JOB-SITE', file: config.file, durationMs: 0 });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('ok');
    expect(outcome.shares).toEqual([{ vo: 'vo.example.org', state: 'ok' }]);
    expect(outcome.document!.CloudComputingService[0]!.CreationTime).toBe(new Date(NOW_MS).toISOString());
  });

  it('publishes the document to the hub and reports an AMS publish that cannot work in publishError', async () => {
    const stub = await stubSite();
    const hub = await startStub((_req, res) => res.writeHead(200).end('{}'));
    try {
      const { config } = siteConfig(`${stub.url}/v3`);
      const outcome = await runDiscovery(contextOf(config), {
        gocdbUrl: false,
        publish: { url: hub.url, tokenFor: () => 'hub-token' },
        ams: {
          target: { url: 'http://127.0.0.1:1', project: 'egi_cloud_info', token: 't', gzip: true },
          format: 'json',
        },
      });
      expect(outcome.published).toBe('document');
      // first the gocdb_id from the hub's registry (this stub has none: '{}' is no GOCDB XML), then the document
      expect(hub.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
        'GET /gocdbpi/public/',
        'PUT /v1/site/JOB-SITE/glue',
      ]);
      expect(hub.requests[1]!.headers['x-api-key']).toBe('hub-token');
      // without a GOCDB service id there is no legacy topic
      expect(outcome.publishError).toMatch(/GOCDB service id/);
    } finally {
      await hub.close();
    }
  });

  it('reports a site whose Keystone is unreachable as failed, without a document', async () => {
    const { config } = siteConfig('http://127.0.0.1:1/v3');
    const outcome = await runDiscovery(contextOf(config), { gocdbUrl: false });
    expect(outcome).toMatchObject({ site: 'JOB-SITE', status: 'failed' });
    expect(outcome.error).toMatch(/no share could be collected: vo.example.org: .*unreachable/);
    expect(outcome.document).toBeUndefined();
  });

  it('reports an aborted run as failed', async () => {
    const stub = await stubSite();
    const { config } = siteConfig(`${stub.url}/v3`);
    const outcome = await runDiscovery(contextOf(config, AbortSignal.abort()), { gocdbUrl: false });
    expect(outcome.status).toBe('failed');
    expect(outcome.document).toBeUndefined();
  });

  it('throws a secret that cannot be read before any request', async () => {
    const stub = await stubSite();
    const { config } = siteConfig(`${stub.url}/v3`);
    delete process.env[PASSWORD_ENV];
    await expect(runDiscovery(contextOf(config), { gocdbUrl: false })).rejects.toMatchObject({
      code: 'CONFIG_SECRET_MISSING',
    });
    expect(stub.requests).toEqual([]);
  });
});
