import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishGlueDocument, publishRunReport } from '../../../../src/site/discovery/index.js';
import { documentFor, openInfosysHarness, type InfosysHarness } from '../../../helpers/infosys-fixtures.js';

describe('publishing to the hub', () => {
  let h: InfosysHarness;
  let url: string;
  beforeAll(async () => {
    h = await openInfosysHarness('sqlite', ['SITE-A', 'SITE-B']);
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => h.dispose());

  it('puts the document where the hub serves it', async () => {
    await publishGlueDocument(
      { url, token: h.tokens['SITE-A']! },
      'SITE-A',
      JSON.stringify(documentFor('SITE-A')),
    );
    const sites = (await (await fetch(`${url}/v1/sites`)).json()) as { name: string }[];
    expect(sites.map((s) => s.name)).toEqual(['SITE-A']);
  });

  it("fails with the hub's status and code when the token belongs to another site", async () => {
    await expect(
      publishGlueDocument(
        { url: `${url}/`, token: h.tokens['SITE-B']! },
        'SITE-A',
        JSON.stringify(documentFor('SITE-A')),
      ),
    ).rejects.toMatchObject({
      code: 'DISCOVERY_PUBLISH_FAILED',
      message: expect.stringContaining(
        'HTTP 403 HUB_FORBIDDEN: this token publishes for site SITE-B, not for SITE-A',
      ),
    });
  });

  it('fails clearly when the hub cannot be reached', async () => {
    await expect(
      publishRunReport({ url: 'http://127.0.0.1:1', token: 't', timeoutMs: 2_000 }, 'SITE-A', {
        state: 'failed',
      }),
    ).rejects.toMatchObject({
      code: 'DISCOVERY_PUBLISH_FAILED',
      message: expect.stringContaining('reporting SITE-A to http://127.0.0.1:1'),
    });
  });

  it('sends a failed-run report the hub shows in its health list', async () => {
    await publishRunReport({ url, token: h.tokens['SITE-B']! }, 'SITE-B', {
      state: 'failed',
      error: 'Keystone refused',
    });
    const health = (await (await fetch(`${url}/v1/discovery`)).json()) as { site: string; state: string }[];
    expect(health.find((s) => s.site === 'SITE-B')).toMatchObject({
      state: 'failed',
      last_run: { error: 'Keystone refused' },
    });
  });
});
