// The hub's image catalogue on SQLite and PostgreSQL: vo-manager edits, list versions, signed and JSON lists, readers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseImageList } from '../../src/formats/imagelist/index.js';
import { parseTrustedCas, requireVerified, verifySmime } from '../../src/formats/smime/index.js';
import { buildHub, type HubApp, type HubImageOptions } from '../../src/hub/app.js';
import type { HubDialect } from '../../src/hub/store/hub-store.js';
import { documentFor, T0 } from '../helpers/infosys-fixtures.js';
import { sampleCatalogueEntry } from '../helpers/image-lists.js';
import { createTestPki, type TestCredentials, type TestPki } from '../helpers/openssl-ca.js';
import { addTestToken, openTestStore, TEST_DIALECTS, type TestStore } from '../helpers/test-stores.js';

const VO = 'vo.access.egi.eu';
const OTHER_VO = 'biomed';
const DAY_MS = 24 * 3600 * 1000;
const ENTRY_ID = 'c0482bc2-bf41-5d49-aaaa-a750174a186b';
const OCI_ID = 'ubuntu-22-04';

/** The cloudkeeper sample entry, with an expiry after the tests' clock and without its id (the path names it). */
function sampleEntry(): Record<string, unknown> {
  return { ...sampleCatalogueEntry(), 'dc:date:expires': '2027-01-01T00:00:00Z' };
}

/** An entry for the registry.egi.eu image the sample GLUE document shows at its sites. */
function ociEntry(): Record<string, unknown> {
  return {
    ...sampleEntry(),
    'dc:title': 'EGI Ubuntu 22.04',
    'hv:uri': 'docker://registry.egi.eu/egi_vm_images/ubuntu:22.04',
    'ad:mpuri': 'https://appdb.example.org/store/vo/image/ubuntu-22-04:1/',
  };
}

interface ImageHub {
  readonly app: HubApp;
  readonly store: TestStore;
  readonly clock: { now: number };
  readonly tokens: Readonly<Record<'admin' | 'manager' | 'otherManager' | 'consumer' | 'siteA', string>>;
  dispose(): Promise<void>;
}

async function openImageHub(dialect: HubDialect, images: HubImageOptions): Promise<ImageHub> {
  const store = await openTestStore(dialect);
  const clock = { now: T0 };
  const tokens = {
    admin: 'images-admin-token',
    manager: await addTestToken(store.store, 'vo-manager-token', 'vo-manager', VO),
    otherManager: await addTestToken(store.store, 'other-vo-manager-token', 'vo-manager', OTHER_VO),
    consumer: await addTestToken(store.store, 'consumer-token', 'consumer'),
    siteA: await addTestToken(store.store, 'site-a-token', 'publisher', 'SITE-A'),
  };
  const app = await buildHub({
    store: store.store,
    adminToken: tokens.admin,
    clock: () => clock.now,
    ingest: false,
    images,
  });
  // SITE-A's document has shares for vo.access.egi.eu, fedcloud.egi.eu and ops, not biomed
  const glue = await app.inject({
    method: 'PUT',
    url: '/v1/site/SITE-A/glue',
    headers: { 'x-api-key': tokens.siteA },
    payload: JSON.stringify(documentFor('SITE-A', T0, 30 * 24 * 3600)),
  });
  expect(glue.statusCode).toBe(200);
  return {
    app,
    store,
    clock,
    tokens,
    dispose: async () => {
      await app.close();
      await store.dispose();
    },
  };
}

function basic(token: string): string {
  return `Basic ${Buffer.from(`${token}:x-oauth-basic`).toString('base64')}`;
}

for (const dialect of TEST_DIALECTS) {
  describe(`hub image catalogue on ${dialect}`, () => {
    let pki: TestPki;
    let signer: TestCredentials;
    let h: ImageHub | undefined;

    beforeAll(() => {
      pki = createTestPki();
      signer = pki.issue('hub', '/DC=org/DC=example/O=Hosts/CN=hub.example.org');
    });
    afterAll(() => pki.remove());
    afterEach(async () => {
      await h?.dispose();
      h = undefined;
    });

    const signedHub = () =>
      openImageHub(dialect, {
        signing: { certificatePem: signer.certificate, privateKeyPem: signer.privateKey },
        endorser: { email: 'hub@example.org' },
        publicUrl: 'https://hub.example.org/',
      });

    async function put(url: string, token: string, body: unknown) {
      const res = await h!.app.inject({
        method: 'PUT',
        url,
        headers: { 'x-api-key': token },
        payload: body as object,
      });
      return { status: res.statusCode, body: res.json() as Record<string, unknown> };
    }

    async function get(url: string, headers: Record<string, string>) {
      return h!.app.inject({ method: 'GET', url, headers });
    }

    it('lets a vo-manager edit only its own VO, and an admin any VO', async () => {
      h = await signedHub();
      const own = await put(`/v1/images/vo/${VO}/entries/${ENTRY_ID}`, h.tokens.manager, sampleEntry());
      expect(own).toEqual({
        status: 200,
        body: { vo: VO, id: ENTRY_ID, version: 1, changed: true, created: true },
      });
      const other = await put(
        `/v1/images/vo/${OTHER_VO}/entries/${ENTRY_ID}`,
        h.tokens.manager,
        sampleEntry(),
      );
      expect(other.status).toBe(403);
      expect(other.body).toEqual({
        error: { code: 'HUB_FORBIDDEN', message: expect.stringContaining(`not of ${OTHER_VO}`) },
      });
      const removal = await h.app.inject({
        method: 'DELETE',
        url: `/v1/images/vo/${VO}/entries/${ENTRY_ID}`,
        headers: { 'x-api-key': h.tokens.otherManager },
      });
      expect(removal.statusCode).toBe(403);
      expect((await put(`/v1/images/vo/${VO}/entries/x`, h.tokens.consumer, sampleEntry())).status).toBe(403);
      expect((await put(`/v1/images/vo/${VO}/entries/x`, h.tokens.siteA, sampleEntry())).status).toBe(403);
      const byAdmin = await put(
        `/v1/images/vo/${OTHER_VO}/entries/${ENTRY_ID}`,
        h.tokens.admin,
        sampleEntry(),
      );
      expect(byAdmin.body).toMatchObject({ vo: OTHER_VO, version: 1, created: true });
    });

    it('keeps vo-manager tokens out of the other hub areas', async () => {
      h = await signedHub();
      const res = await get('/v1/accounting/sites', { 'x-api-key': h.tokens.manager });
      expect(res.statusCode).toBe(403);
    });

    it('makes a new version on each change and none on a no-op', async () => {
      h = await signedHub();
      const url = `/v1/images/vo/${VO}/entries/${ENTRY_ID}`;
      expect((await put(url, h.tokens.manager, sampleEntry())).body.version).toBe(1);
      // the same entry again, with its keys in another order and wrapped as {"hv:image": ...}
      const reordered = Object.fromEntries(Object.entries(sampleEntry()).reverse());
      const again = await put(url, h.tokens.manager, { 'hv:image': reordered });
      expect(again.body).toEqual({ vo: VO, id: ENTRY_ID, version: 1, changed: false, created: false });
      const changed = await put(url, h.tokens.manager, { ...sampleEntry(), 'hv:version': '3.3.0-2' });
      expect(changed.body).toMatchObject({ version: 2, changed: true, created: false });
      expect(
        (await put(`/v1/images/vo/${VO}/entries/${OCI_ID}`, h.tokens.manager, ociEntry())).body.version,
      ).toBe(3);
      const del = await h.app.inject({ method: 'DELETE', url, headers: { 'x-api-key': h.tokens.manager } });
      expect(del.json()).toMatchObject({ version: 4, changed: true });
      const gone = await h.app.inject({ method: 'DELETE', url, headers: { 'x-api-key': h.tokens.manager } });
      expect(gone.statusCode).toBe(404);
      const entries = await get(`/v1/images/vo/${VO}/entries`, { 'x-api-key': h.tokens.manager });
      expect(entries.json()).toMatchObject({ vo: VO, version: 4, entries: [{ id: OCI_ID }] });
    });

    it('refuses an entry the image list codec refuses, naming the field, and changes nothing', async () => {
      h = await signedHub();
      const { 'sl:checksum:sha512': _sum, ...noChecksum } = sampleEntry();
      const res = await put(`/v1/images/vo/${VO}/entries/${ENTRY_ID}`, h.tokens.manager, noChecksum);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: { code: 'IMAGE_INVALID', message: expect.stringContaining('sl:checksum:sha512') },
      });
      const { 'ad:user:guid': _guid, ...noGuid } = sampleEntry();
      const atrope = await put(`/v1/images/vo/${VO}/entries/${ENTRY_ID}`, h.tokens.manager, noGuid);
      expect(atrope.body).toEqual({
        error: { code: 'IMAGE_INVALID', message: expect.stringContaining('ad:user:guid') },
      });
      const wrongId = await put(`/v1/images/vo/${VO}/entries/${ENTRY_ID}`, h.tokens.manager, {
        ...sampleEntry(),
        'dc:identifier': 'another',
      });
      expect(wrongId.body).toEqual({
        error: { code: 'HUB_REQUEST_INVALID', message: expect.stringContaining('dc:identifier') },
      });
      const list = await get(`/store/vo/${VO}/image.list.json`, { 'x-api-key': h.tokens.admin });
      expect(list.statusCode).toBe(404);
    });

    it('serves the signed list to a site supporting the VO with AppDB’s Basic x-oauth-basic form', async () => {
      h = await signedHub();
      await put(`/v1/images/vo/${VO}/entries/${ENTRY_ID}`, h.tokens.manager, sampleEntry());
      h.clock.now = T0 + 3_600_500;
      await put(`/v1/images/vo/${VO}/entries/${OCI_ID}`, h.tokens.manager, ociEntry());
      const res = await get(`/store/vo/${VO}/image.list`, { authorization: basic(h.tokens.siteA) });
      expect(res.statusCode).toBe(200);
      // the certificate is checked at the real time: the test PKI issued it just now
      const trustedCas = parseTrustedCas([{ name: 'ca.pem', text: pki.ca.certificate }]);
      const verified = requireVerified(
        await verifySmime(res.body, 'image.list', { trustedCas, now: new Date() }),
      );
      expect(verified.signer.subject.slash).toBe('/DC=org/DC=example/O=Hosts/CN=hub.example.org');
      const { list, problems, expiry } = parseImageList(verified.text, {
        source: 'image.list',
        now: new Date(h.clock.now),
      });
      expect(problems).toEqual([]);
      expect(expiry).toBe('current');
      expect(list.images.map((i) => i.id).sort()).toEqual([ENTRY_ID, OCI_ID].sort());
      expect(list.version).toBe('2');
      expect(list.vo).toBe(VO);
      expect(list.uri).toBe(`https://hub.example.org/store/vo/${VO}/image.list`);
      expect(list.endorser).toEqual({
        dn: '/DC=org/DC=example/O=Hosts/CN=hub.example.org',
        ca: verified.signer.issuer.slash,
        creator: 'Fedstack hub',
        email: 'hub@example.org',
      });
      const created = Math.floor((T0 + 3_600_500) / 1000) * 1000;
      expect(list.createdAt?.getTime()).toBe(created);
      expect(list.expiresAt.getTime()).toBe(created + 30 * DAY_MS);
      // the same version is the same document on every download
      const again = await get(`/store/vo/${VO}/image.list`, { 'x-api-key': h.tokens.consumer });
      expect(again.body).toBe(res.body);
    });

    it('refuses the list to a site without a share for the VO, and to a request without a token', async () => {
      h = await signedHub();
      await put(`/v1/images/vo/${OTHER_VO}/entries/${ENTRY_ID}`, h.tokens.otherManager, sampleEntry());
      const res = await get(`/store/vo/${OTHER_VO}/image.list`, { authorization: basic(h.tokens.siteA) });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        error: { code: 'HUB_FORBIDDEN', message: expect.stringContaining('no share for VO biomed') },
      });
      expect(
        (await get(`/store/vo/${OTHER_VO}/image.list.json`, { 'x-api-key': h.tokens.manager })).statusCode,
      ).toBe(403);
      expect((await get(`/store/vo/${OTHER_VO}/image.list`, {})).statusCode).toBe(401);
      const wrongPassword = `Basic ${Buffer.from(`${h.tokens.siteA}:secret`).toString('base64')}`;
      expect((await get(`/store/vo/${VO}/image.list`, { authorization: wrongPassword })).statusCode).toBe(
        401,
      );
    });

    it('serves the unsigned JSON list, and answers 503 for the signed one when no signing is configured', async () => {
      h = await openImageHub(dialect, {});
      await put(`/v1/images/vo/${VO}/entries/${ENTRY_ID}`, h.tokens.manager, sampleEntry());
      const json = await get(`/store/vo/${VO}/image.list.json`, {
        authorization: `Bearer ${h.tokens.siteA}`,
      });
      expect(json.statusCode).toBe(200);
      expect(json.headers['content-type']).toMatch(/^application\/json/);
      const { list } = parseImageList(json.body, { source: 'image.list.json' });
      expect(list.images.map((i) => i.id)).toEqual([ENTRY_ID]);
      expect(list.expiresAt.getTime()).toBe(T0 + 30 * DAY_MS);
      const signed = await get(`/store/vo/${VO}/image.list`, { 'x-api-key': h.tokens.siteA });
      expect(signed.statusCode).toBe(503);
      expect(signed.json()).toEqual({
        error: {
          code: 'HUB_IMAGE_LIST_UNSIGNED',
          message: expect.stringContaining('signing is not configured'),
        },
      });
    });

    it('re-issues a list as a new version when a read comes close to its expiry', async () => {
      h = await openImageHub(dialect, { expiryMs: 10 * DAY_MS });
      await put(`/v1/images/vo/${VO}/entries/${ENTRY_ID}`, h.tokens.manager, sampleEntry());
      h.clock.now = T0 + 4 * DAY_MS;
      const early = parseImageList(
        (await get(`/store/vo/${VO}/image.list.json`, { 'x-api-key': h.tokens.consumer })).body,
        { source: 'a' },
      );
      expect(early.list.version).toBe('1');
      h.clock.now = T0 + 6 * DAY_MS;
      const late = parseImageList(
        (await get(`/store/vo/${VO}/image.list.json`, { 'x-api-key': h.tokens.consumer })).body,
        { source: 'b' },
      );
      expect(late.list.version).toBe('2');
      expect(late.list.id).toBe(early.list.id);
      expect(late.list.expiresAt.getTime()).toBe(T0 + 16 * DAY_MS);
    });

    it('lists the catalogue’s images with the sites where discovery reports them', async () => {
      h = await signedHub();
      await put(`/v1/images/vo/${VO}/entries/${ENTRY_ID}`, h.tokens.manager, sampleEntry());
      await put(`/v1/images/vo/${VO}/entries/${OCI_ID}`, h.tokens.manager, ociEntry());
      await put(`/v1/images/vo/${OTHER_VO}/entries/${ENTRY_ID}`, h.tokens.otherManager, sampleEntry());
      const res = await get('/v1/images/catalogue', { 'x-api-key': h.tokens.siteA });
      expect(res.statusCode).toBe(200);
      const images = res.json() as { vo: string; id: string; sites: { site: string; image_id: string }[] }[];
      // the site's token sees only the VOs its site supports
      expect(images.map((i) => `${i.vo} ${i.id}`).sort()).toEqual(
        [`${VO} ${ENTRY_ID}`, `${VO} ${OCI_ID}`].sort(),
      );
      expect(images.find((i) => i.id === OCI_ID)!.sites).toEqual([
        {
          site: 'SITE-A',
          endpoint: 'https://site-a.example.org:5000/v3',
          image_id: '141027e7-276b-462b-b03d-8843ef2e3d24',
        },
      ]);
      expect(images.find((i) => i.id === ENTRY_ID)!.sites).toEqual([]);
      const all = await get('/v1/images/catalogue', { 'x-api-key': h.tokens.admin });
      expect((all.json() as unknown[]).length).toBe(3);
      // /v1/images keeps cloud-info-api's shape
      const infosys = await get('/v1/images', {});
      expect(Object.keys((infosys.json() as object[])[0]!).sort()).toEqual([
        'egi_id',
        'endpoint',
        'id',
        'mpuri',
        'name',
        'version',
        'vo',
      ]);
    });

    it('documents the catalogue routes in /openapi.json with their answers and errors', async () => {
      h = await signedHub();
      const paths = (await get('/openapi.json', {})).json() as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      };
      const documented = {
        '/v1/images/vo/{vo}/entries': ['get'],
        '/v1/images/vo/{vo}/entries/{id}': ['delete', 'put'],
        '/store/vo/{vo}/image.list': ['get'],
        '/store/vo/{vo}/image.list.json': ['get'],
        '/v1/images/catalogue': ['get'],
      };
      for (const [route, methods] of Object.entries(documented)) {
        expect(Object.keys(paths.paths[route] ?? {}).sort(), route).toEqual(methods);
        for (const method of methods)
          expect(Object.keys(paths.paths[route]![method]!.responses).sort(), route).toEqual([
            '200',
            '4XX',
            '5XX',
          ]);
      }
    });
  });
}
