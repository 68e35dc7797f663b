// One site's bad data, or a stranger's odd query, must never break the information system for everyone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { infosysDb } from '../../../src/hub/infosys/index.js';
import { findSite } from '../../../src/hub/infosys/infosys-queries.js';
import { documentFor, openInfosysHarness, T0, type InfosysHarness } from '../../helpers/infosys-fixtures.js';

/** Text nested `depth` levels deep: `{"a":{"a":…1…}}`. */
function nestedObject(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Every read route of the information system for the given sites and VOs. */
function readUrls(sites: readonly string[], vos: readonly string[]): string[] {
  const urls = ['/v1/sites', '/v1/sites?include_projects=true', '/v1/images', '/v1/vos', '/v1/flavors'];
  urls.push('/v1/discovery', '/sites/', '/images/', '/vos/', '/flavors/');
  for (const raw of sites) {
    const site = encodeURIComponent(raw);
    urls.push(`/v1/site/${site}`, `/v1/site/${site}/projects`, `/v1/site/${site}/images`);
    urls.push(`/v1/site/${site}/glue`, `/v1/site/${site}/glue?format=ldif`, `/v1/flavors?site=${site}`);
    urls.push(`/v1/sites?site_name=${site}`);
    for (const vo of vos) {
      urls.push(`/v1/site/${site}/${encodeURIComponent(vo)}/project`);
      urls.push(`/v1/site/${site}/${encodeURIComponent(vo)}/images?only_egi_images=false`);
    }
  }
  return urls;
}

describe('infosys robustness', () => {
  let h: InfosysHarness;
  beforeEach(async () => {
    h = await openInfosysHarness('sqlite', ['SITE-A', 'SITE-B']);
    for (const site of ['SITE-A', 'SITE-B']) {
      const r = await put(site, JSON.stringify(documentFor(site)));
      expect(r.statusCode).toBe(200);
    }
  });
  afterEach(async () => h.dispose());

  const put = (site: string, payload: string, token?: string) =>
    h.app.inject({
      method: 'PUT',
      url: `/v1/site/${encodeURIComponent(site)}/glue`,
      headers: { 'x-api-key': token ?? h.tokens.admin! },
      payload,
    });
  const get = async (url: string) => {
    const r = await h.app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.body, etag: r.headers.etag };
  };
  const snapshot = async (urls: readonly string[]) => Promise.all(urls.map(get));
  const errorOf = (body: string) => (JSON.parse(body) as { error: { code: string; message: string } }).error;

  describe('a publish the hub could not serve later', () => {
    it('refuses a Validity that ends after year 9999, names the field, and stores nothing', async () => {
      const doc = documentFor('SITE-C');
      doc.CloudComputingService[0]!.Validity = 10_000_000_000_000;
      const r = await put('SITE-C', JSON.stringify(doc));
      expect(r.statusCode).toBe(400);
      expect(errorOf(r.body)).toMatchObject({
        code: 'GLUE_INVALID',
        message: expect.stringContaining('field $.CloudComputingService[0].Validity'),
      });
      expect(await findSite(infosysDb(h.store.store), 'SITE-C')).toBeUndefined();
      expect((await get('/v1/discovery')).status).toBe(200);
    });

    it('keeps the previous document of the site when its new one is refused', async () => {
      const urls = readUrls(['SITE-A', 'SITE-B'], ['ops']);
      const before = await snapshot(urls);
      const doc = documentFor('SITE-A', T0 + 60_000);
      doc.CloudComputingService[0]!.Validity = 10_000_000_000_000;
      expect((await put('SITE-A', JSON.stringify(doc))).statusCode).toBe(400);
      expect(await snapshot(urls)).toEqual(before);
    });

    it('refuses a document nested deeper than 64 levels with GLUE_INVALID and stores nothing', async () => {
      const text = JSON.stringify(documentFor('SITE-C'));
      const inShares = text.replace('"Share":[', `"Share":[${'['.repeat(5000)}${']'.repeat(5000)},`);
      const inOtherInfo = text.replace('"OtherInfo":{', `"OtherInfo":{"deep":${nestedObject(5000)},`);
      for (const payload of [inShares, inOtherInfo]) {
        const r = await put('SITE-C', payload);
        expect(r.statusCode).toBe(400);
        expect(errorOf(r.body)).toMatchObject({
          code: 'GLUE_INVALID',
          message: expect.stringContaining('nested at most 64 levels'),
        });
      }
      // unbalanced as well as deep: refused as text that is not JSON
      const unbalanced = await put('SITE-C', '['.repeat(100_000));
      expect(unbalanced.statusCode).toBe(400);
      expect(errorOf(unbalanced.body)).toMatchObject({ code: 'GLUE_INVALID' });
      expect(await findSite(infosysDb(h.store.store), 'SITE-C')).toBeUndefined();
    });

    it('accepts a document nested 64 levels deep', async () => {
      const text = JSON.stringify(documentFor('SITE-C'));
      // the service's OtherInfo is the 4th level: document, class list, entity, OtherInfo
      const r = await put(
        'SITE-C',
        text.replace('"OtherInfo":{', `"OtherInfo":{"deep":${nestedObject(60)},`),
      );
      expect(r.statusCode).toBe(200);
      expect((await get('/v1/site/SITE-C/glue?format=ldif')).status).toBe(200);
    });

    it.each([['-starts-with-a-dash'], ['has space'], ['semi;colon'], ['x'.repeat(100) + 'y']])(
      'refuses an admin publish under the site name %j that token create refuses',
      async (site) => {
        const r = await put(site, JSON.stringify(documentFor(site)));
        expect(r.statusCode).toBeGreaterThanOrEqual(400);
        expect(r.statusCode).toBeLessThan(500);
        expect(await findSite(infosysDb(h.store.store), site)).toBeUndefined();
      },
    );

    it('names the path parameter when refusing a site name', async () => {
      const r = await put('has space', JSON.stringify(documentFor('has space')));
      expect(r.statusCode).toBe(400);
      expect(errorOf(r.body)).toMatchObject({
        code: 'HUB_REQUEST_INVALID',
        message: expect.stringContaining('path parameter "name"'),
      });
      const report = await h.app.inject({
        method: 'PUT',
        url: '/v1/site/has%20space/discovery',
        headers: { 'x-api-key': h.tokens.admin! },
        payload: JSON.stringify({ state: 'failed', error: 'x' }),
      });
      expect(report.statusCode).toBe(400);
      expect(await findSite(infosysDb(h.store.store), 'has space')).toBeUndefined();
    });
  });

  describe('bad rows already in the store', () => {
    const badRows = () => {
      const hugeValidity = documentFor('BAD-VALIDITY');
      hugeValidity.CloudComputingService[0]!.Validity = 10_000_000_000_000;
      const deep = JSON.stringify(documentFor('BAD-DEEP')).replace(
        '"OtherInfo":{',
        `"OtherInfo":{"deep":${nestedObject(5000)},`,
      );
      return [
        { site_name: 'BAD-VALIDITY', document: JSON.stringify(hugeValidity), expires_at_ms: 1e16 },
        { site_name: 'BAD-JSON', document: '{"CloudComputingService": [' },
        { site_name: 'BAD-DEEP', document: deep },
        { site_name: 'BAD-OTHER-SITE', document: JSON.stringify(documentFor('SITE-A')) },
        { site_name: 'bad name', document: JSON.stringify(documentFor('bad name')) },
        { site_name: 'constructor', document: 'null', published_at_ms: 1e20, reported_at_ms: -1e20 },
      ];
    };

    beforeEach(async () => {
      const db = infosysDb(h.store.store);
      for (const row of badRows()) await db.insertInto('infosys_sites').values(row).execute();
      await db
        .updateTable('infosys_sites')
        .set({ published_at_ms: 1e20, report_state: 'ok' })
        .where('site_name', '=', 'SITE-B')
        .execute();
      await h.infosys.reload();
    });

    it('answers every read route without a server error', async () => {
      const sites = [...badRows().map((r) => r.site_name), 'SITE-A', 'SITE-B'];
      for (const url of readUrls(sites, ['ops', 'constructor'])) {
        const r = await get(url);
        expect({ url, status: r.status < 500 }).toEqual({ url, status: true });
      }
    });

    it('shows each bad site as invalid with the reason in the discovery health', async () => {
      const r = await get('/v1/discovery');
      expect(r.status).toBe(200);
      const health = JSON.parse(r.body) as { site: string; state: string; info?: string }[];
      const bySite = new Map(health.map((x) => [x.site, x]));
      expect(bySite.get('BAD-VALIDITY')).toMatchObject({
        state: 'invalid',
        info: expect.stringContaining('$.CloudComputingService[0].Validity'),
      });
      expect(bySite.get('BAD-JSON')).toMatchObject({
        state: 'invalid',
        info: expect.stringContaining('JSON'),
      });
      expect(bySite.get('BAD-DEEP')).toMatchObject({ state: 'invalid', info: expect.stringContaining('64') });
      expect(bySite.get('BAD-OTHER-SITE')).toMatchObject({
        state: 'invalid',
        info: expect.stringContaining('describes site SITE-A'),
      });
      expect(bySite.get('bad name')).toMatchObject({
        state: 'invalid',
        info: expect.stringContaining('site name'),
      });
      expect(bySite.get('constructor')).toMatchObject({ state: 'invalid' });
      expect(bySite.get('SITE-A')).toMatchObject({ state: 'warning' });
      // a stored time no Date can show is left out, the document still served
      expect(bySite.get('SITE-B')).toMatchObject({ state: 'warning' });
      expect(bySite.get('SITE-B')).not.toHaveProperty('published_at');
    });

    it('leaves the bad sites out of the lists and keeps serving the good ones', async () => {
      const sites = JSON.parse((await get('/v1/sites')).body) as { name: string }[];
      expect(sites.map((s) => s.name)).toEqual(['SITE-A', 'SITE-B']);
      expect((await get('/v1/site/BAD-VALIDITY')).status).toBe(404);
      expect((await get('/v1/site/BAD-JSON/glue')).status).toBe(404);
      expect((await get('/v1/site/BAD-DEEP/glue?format=ldif')).status).toBe(404);
      const flavors = JSON.parse((await get('/v1/flavors')).body) as { site: string }[];
      expect(new Set(flavors.map((f) => f.site))).toEqual(new Set(['SITE-A', 'SITE-B']));
    });

    it('serves a bad site again once it publishes a good document, and lets an admin delete any row', async () => {
      expect((await put('BAD-VALIDITY', JSON.stringify(documentFor('BAD-VALIDITY')))).statusCode).toBe(200);
      expect((await get('/v1/site/BAD-VALIDITY')).status).toBe(200);
      const removed = await h.app.inject({
        method: 'DELETE',
        url: '/v1/site/bad%20name',
        headers: { 'x-api-key': h.tokens.admin! },
      });
      expect(removed.statusCode).toBe(204);
    });
  });

  describe('queries', () => {
    it('does not let ?vo=undefined empty the plain flavor and site lists', async () => {
      expect((await get('/v1/flavors?vo=undefined')).body).toBe('[]');
      expect(JSON.parse((await get('/v1/flavors')).body)).not.toEqual([]);
      expect((await get('/v1/sites?vo_name=undefined')).body).toBe('[]');
      expect(JSON.parse((await get('/v1/sites')).body)).toHaveLength(2);
      expect((await get('/v1/images?vo_name=undefined')).body).toBe('[]');
      expect(JSON.parse((await get('/v1/images?only_egi_images=false')).body)).not.toEqual([]);
    });

    it('takes an empty value as no filter, as cloud-info-api clients send blank fields', async () => {
      const plain = await get('/v1/flavors');
      expect(await get('/v1/flavors?vo=&site=&gpu_vendor=')).toMatchObject({ status: 200, etag: plain.etag });
      expect((await get('/v1/sites?vo_name=')).etag).toBe((await get('/v1/sites')).etag);
    });

    it.each([
      ['/v1/flavors?vo=ops&vo=fedcloud.egi.eu', 'vo', 'more than once'],
      ['/v1/sites?vo_name=ops&vo_name=ops', 'vo_name', 'more than once'],
      ['/v1/site/SITE-A/glue?format=json&format=ldif', 'format', 'more than once'],
      ['/v1/flavors?zzz=1', 'zzz', 'not known'],
      ['/v1/flavors?__proto__=1', '__proto__', 'not known'],
      ['/v1/sites?constructor=x', 'constructor', 'not known'],
      ['/v1/vos?toString=1', 'toString', 'not known'],
      ['/v1/discovery?hasOwnProperty=1', 'hasOwnProperty', 'not known'],
      ['/v1/site/SITE-A/projects?x=1', 'x', 'not known'],
    ])('refuses %s with a 400 naming the parameter %s', async (url, name, why) => {
      const r = await get(url);
      expect(r.status).toBe(400);
      const error = errorOf(r.body);
      expect(error.code).toBe('HUB_REQUEST_INVALID');
      expect(error.message).toMatch(new RegExp(`^query parameter "?${name}"? .*${why}`));
    });

    it.each([
      '/v1/flavors?vo=constructor',
      '/v1/flavors?site=__proto__',
      '/v1/sites?vo_name=hasOwnProperty&site_name=toString',
      '/v1/images?vo_name=__proto__',
      '/v1/site/constructor',
      '/v1/site/__proto__/images',
      '/v1/site/hasOwnProperty/glue',
      '/v1/site/toString/projects',
      '/v1/site/SITE-A/constructor/project',
      '/v1/site/SITE-A/__proto__/images',
    ])('answers %s like any other unknown name, never with a server error', async (url) => {
      const r = await get(url);
      expect([200, 404]).toContain(r.status);
      if (r.status === 200) expect(r.body).toBe('[]');
    });

    it('refuses a report body with an unknown or prototype-named member by name', async () => {
      const report = (payload: string) =>
        h.app.inject({
          method: 'PUT',
          url: '/v1/site/SITE-A/discovery',
          headers: { 'x-api-key': h.tokens['SITE-A']! },
          payload,
        });
      const proto = await report('{"state":"failed","__proto__":{"x":1}}');
      expect(proto.statusCode).toBe(400);
      expect(errorOf(proto.body).message).toContain('__proto__');
      expect((await report('["failed"]')).statusCode).toBe(400);
      expect((await report('{"state":"failed","extra":1}')).statusCode).toBe(400);
      const health = JSON.parse((await get('/v1/discovery')).body) as { site: string; state: string }[];
      expect(health.find((x) => x.site === 'SITE-A')!.state).toBe('warning');
    });
  });
});
