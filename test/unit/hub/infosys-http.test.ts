import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentFor, openInfosysHarness, T0, type InfosysHarness } from '../../helpers/infosys-fixtures.js';

// HTTP behaviour does not depend on the backend; SQLite keeps these fast.
describe('infosys HTTP API', () => {
  let h: InfosysHarness;
  beforeAll(async () => {
    h = await openInfosysHarness('sqlite', ['SITE-A', 'SITE-B', 'SITE-C']);
    for (const site of ['SITE-A', 'SITE-B']) {
      const r = await h.app.inject({
        method: 'PUT',
        url: `/v1/site/${site}/glue`,
        headers: { 'x-api-key': h.tokens[site]!, 'content-type': 'application/json' },
        payload: JSON.stringify(documentFor(site)),
      });
      expect(r.statusCode).toBe(200);
    }
  });
  afterAll(async () => h.dispose());

  const get = async (url: string) => {
    const r = await h.app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json() as unknown, type: r.headers['content-type'] };
  };

  it('lists sites with their projects at the unversioned path image-sync calls', async () => {
    const { status, body } = await get('/sites/?include_projects=true');
    expect(status).toBe(200);
    expect(body).toEqual([
      {
        id: 'SITE-A-G0',
        name: 'SITE-A',
        url: 'https://site-a.example.org:5000/v3',
        state: 'warning',
        hostname: 'site-a.example.org',
        projects: [
          { id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', name: 'vo.access.egi.eu' },
          { id: '0f9e8d7c6b5a49382716a5b4c3d2e1f0', name: 'fedcloud.egi.eu' },
          { id: '038db3eeca5c4960a443a89b92373cd2', name: 'ops' },
        ],
      },
      expect.objectContaining({ name: 'SITE-B' }),
    ]);
  });

  it('answers the same at /v1/sites, without projects unless asked', async () => {
    const { body } = await get('/v1/sites');
    expect(body).toHaveLength(2);
    expect((body as object[])[0]).not.toHaveProperty('projects');
  });

  it('filters sites by VO and by site name', async () => {
    expect(await get('/v1/sites?vo_name=ops')).toMatchObject({
      body: [{ name: 'SITE-A' }, { name: 'SITE-B' }],
    });
    expect(await get('/v1/sites?vo_name=no.such.vo')).toMatchObject({ body: [] });
    expect(await get('/sites/?site_name=SITE-B')).toMatchObject({ body: [{ name: 'SITE-B' }] });
  });

  it('shows one site and answers 404 with a detail for an unknown one', async () => {
    expect(await get('/site/SITE-A/')).toMatchObject({
      status: 200,
      body: { id: 'SITE-A-G0', name: 'SITE-A' },
    });
    expect(await get('/v1/site/NOPE')).toEqual({
      status: 404,
      type: expect.stringContaining('application/json'),
      body: {
        error: { code: 'HUB_NOT_FOUND', message: 'Site NOPE not found' },
        detail: 'Site NOPE not found',
      },
    });
  });

  it('gives the project of a VO at a site, and 404 for a VO the site does not support', async () => {
    expect(await get('/v1/site/SITE-A/fedcloud.egi.eu/project')).toMatchObject({
      status: 200,
      body: { id: '0f9e8d7c6b5a49382716a5b4c3d2e1f0', name: 'fedcloud.egi.eu' },
    });
    expect(await get('/site/SITE-A/biomed/project')).toMatchObject({
      status: 404,
      body: { detail: 'VO biomed not supported by Site SITE-A' },
    });
  });

  it('lists only EGI images by default and every image with only_egi_images=false', async () => {
    const egi = await get('/v1/site/SITE-A/images');
    expect(egi.body).toEqual([
      {
        egi_id: 'egi_vm_images/ubuntu:22.04',
        id: '141027e7-276b-462b-b03d-8843ef2e3d24',
        endpoint: 'https://site-a.example.org:5000/v3',
        mpuri: 'registry.egi.eu/egi_vm_images/ubuntu:22.04-sha256:4d06e117d590e0b6',
        name: 'registry.egi.eu egi_vm_images/ubuntu:22.04',
        version: '2025-09-04-4d7122d6',
        vo: 'vo.access.egi.eu',
      },
    ]);
    const all = await get('/site/SITE-A/images?only_egi_images=false');
    expect((all.body as unknown[]).length).toBe(3);
  });

  it('lists images of one VO across sites', async () => {
    const { body } = await get('/images/?vo_name=vo.access.egi.eu');
    expect((body as { endpoint: string }[]).map((i) => i.endpoint)).toEqual([
      'https://site-a.example.org:5000/v3',
      'https://site-b.example.org:5000/v3',
    ]);
  });

  it('lists the VOs supported somewhere, sorted', async () => {
    expect((await get('/vos/')).body).toEqual(['fedcloud.egi.eu', 'ops', 'vo.access.egi.eu']);
  });

  it('searches flavors across sites by GPU vendor and count', async () => {
    const { body } = await get('/v1/flavors?gpu_vendor=nvidia&min_gpus=1');
    expect(body).toEqual([
      {
        site: 'SITE-A',
        endpoint: 'https://site-a.example.org:5000/v3',
        id: 'g1',
        name: 'g1.a100',
        cpu: 8,
        ram_mb: 65536,
        disk_gb: 100,
        platform: 'amd64',
        accelerator: {
          type: 'GPU',
          number: 1,
          vendor: 'NVIDIA',
          model: 'Tesla A100',
          memory_mb: 40960,
          virtualization_type: 'pci-passthrough',
        },
        vos: ['vo.access.egi.eu'],
      },
      expect.objectContaining({ site: 'SITE-B', id: 'g1' }),
    ]);
  });

  it('searches flavors by VO, CPU and RAM, listing each flavor once with its VOs', async () => {
    const small = (await get('/v1/flavors?site=SITE-A')).body as { id: string; vos: string[] }[];
    expect(small.find((f) => f.id === '1')!.vos).toEqual(['vo.access.egi.eu', 'fedcloud.egi.eu']);
    const big = (await get('/v1/flavors?vo=vo.access.egi.eu&min_cpu=4&min_ram=8192')).body as {
      name: string;
    }[];
    expect(big.map((f) => f.name)).toEqual(['m1.large', 'g1.a100', 'm1.large', 'g1.a100']);
    expect((await get('/v1/flavors?vo=fedcloud.egi.eu&min_cpu=2')).body).toEqual([]);
  });

  it('sends large answers gzip-compressed to clients that accept it', async () => {
    const r = await h.app.inject({
      method: 'GET',
      url: '/v1/flavors',
      headers: { 'accept-encoding': 'gzip, deflate' },
    });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(r.rawPayload).toString('utf8'))).toEqual((await get('/v1/flavors')).body);
  });

  it('answers 304 when the client already has the current answer', async () => {
    const first = await h.app.inject({ method: 'GET', url: '/v1/vos' });
    const again = await h.app.inject({
      method: 'GET',
      url: '/v1/vos',
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('rejects a malformed query parameter and names it', async () => {
    expect(await get('/v1/flavors?min_cpu=many')).toMatchObject({
      status: 400,
      body: { error: { code: 'HUB_REQUEST_INVALID', message: expect.stringContaining('min_cpu') } },
    });
    expect(await get('/sites/?include_projects=perhaps')).toMatchObject({ status: 400 });
  });

  it('serves the published document as JSON and as LDIF', async () => {
    const json = await get('/v1/site/SITE-A/glue');
    expect(json.body).toEqual(documentFor('SITE-A'));
    const ldif = await h.app.inject({ method: 'GET', url: '/v1/site/SITE-A/glue?format=ldif' });
    expect(ldif.headers['content-type']).toContain('text/plain');
    expect(ldif.body).toMatch(/^dn: GLUE2ServiceID=https:\/\/site-a\.example\.org:5000\/v3_cloud\.compute,/);
  });

  it('lists per-site discovery health', async () => {
    const { body } = await get('/v1/discovery');
    expect(body).toEqual([
      expect.objectContaining({
        site: 'SITE-A',
        state: 'warning',
        expired: false,
        expires_at: '2026-03-01T01:00:00.000Z',
      }),
      expect.objectContaining({ site: 'SITE-B', state: 'warning' }),
    ]);
  });

  it('refuses to publish without a token, with an unknown token, or for another site', async () => {
    const put = (headers: Record<string, string>) =>
      h.app.inject({
        method: 'PUT',
        url: '/v1/site/SITE-C/glue',
        headers,
        payload: JSON.stringify(documentFor('SITE-C')),
      });
    expect((await put({})).statusCode).toBe(401);
    expect((await put({ 'x-api-key': 'nope' })).json()).toMatchObject({
      error: { code: 'HUB_UNAUTHENTICATED' },
    });
    const other = await put({ 'x-api-key': h.tokens['SITE-A']! });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: { code: 'HUB_FORBIDDEN' } });
    expect((await get('/v1/site/SITE-C')).status).toBe(404);
  });

  it('answers 400 naming the JSON path of an invalid document', async () => {
    const doc = documentFor('SITE-C') as unknown as { CloudComputingEndpoint: Record<string, unknown>[] };
    delete doc.CloudComputingEndpoint[0]!.URL;
    const r = await h.app.inject({
      method: 'POST',
      url: '/v1/site/SITE-C/glue',
      headers: { authorization: `Bearer ${h.tokens['SITE-C']!}` },
      payload: JSON.stringify(doc),
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({
      error: {
        code: 'GLUE_INVALID',
        message: 'field $.CloudComputingEndpoint[0].URL: expected a value (required)',
      },
    });
  });

  it('accepts a document sent with POST and any content type, and serves it at once', async () => {
    const r = await h.app.inject({
      method: 'POST',
      url: '/v1/site/SITE-C/glue',
      headers: { 'x-api-key': h.tokens['SITE-C']!, 'content-type': 'application/octet-stream' },
      payload: JSON.stringify(documentFor('SITE-C')),
    });
    expect(r.json()).toEqual({
      site: 'SITE-C',
      shares: 3,
      expires_at: '2026-03-01T01:00:00.000Z',
      state: 'warning',
    });
    expect((await get('/v1/sites')).body).toHaveLength(3);
    await h.app.inject({
      method: 'DELETE',
      url: '/v1/site/SITE-C',
      headers: { 'x-api-key': h.tokens.admin! },
    });
    expect((await get('/v1/sites')).body).toHaveLength(2);
  });

  it('records a failed run report from the site token', async () => {
    const r = await h.app.inject({
      method: 'PUT',
      url: '/v1/site/SITE-B/discovery',
      headers: { 'x-api-key': h.tokens['SITE-B']!, 'content-type': 'application/json' },
      payload: JSON.stringify({ state: 'failed', error: 'timeout after 120000 ms' }),
    });
    expect(r.statusCode).toBe(204);
    const health = (await get('/v1/discovery')).body as { site: string; state: string }[];
    expect(health.find((x) => x.site === 'SITE-B')!.state).toBe('failed');
  });

  it('marks sites expired at the unversioned path once their validity has passed', async () => {
    h.clock.now = T0 + 2 * 3600_000;
    expect(((await get('/sites/')).body as { state: string }[]).map((s) => s.state)).toEqual([
      'expired',
      'expired',
    ]);
    expect((await get('/v1/flavors')).body).toEqual([]);
    h.clock.now = T0;
  });
});
