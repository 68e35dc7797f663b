// runImageSync against a local list and image server and an in-memory Glance: dry run, upload, no-op rerun, held sources, deactivation.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors.js';
import { signSmime } from '../../../../src/formats/smime/index.js';
import { silentLogger } from '../../../../src/log.js';
import { appdbAuthorization } from '../../../../src/site/images/index.js';
import { isImageSyncComplete, runImageSync, type ImageSyncOutcome } from '../../../../src/site/jobs/index.js';
import { validateSiteConfig, type SiteConfig } from '../../../../src/site/site-config.js';
import { PASSWORD_ENV, PROJECT } from '../../../helpers/job-fixtures.js';
import { createTestPki, type TestCredentials, type TestPki } from '../../../helpers/openssl-ca.js';
import { tokenBody, useStubServers } from '../../../helpers/stub-server.js';

const CA_DN = '/DC=org/DC=example/CN=Sync Unit CA';
const SIGNER_DN = '/DC=org/DC=example/O=Hosts/CN=lists.example.org';
const TOKEN_ENV = 'FEDSTACK_TEST_LIST_TOKEN';
const IMAGE = randomBytes(64 * 1024);
const IMAGE_ID = 'img-0001';

function listJson(
  base: string,
  images: readonly string[],
  version = '1',
  description = 'unit test list',
  imageBase = `${base}/images`,
): string {
  return JSON.stringify({
    'hv:imagelist': {
      'dc:date:created': '2026-01-01T00:00:00Z',
      'dc:date:expires': '2499-12-31T22:00:00Z',
      'dc:description': description,
      'dc:identifier': 'list-unit',
      'dc:source': 'https://lists.example.org/',
      'dc:title': 'Unit list',
      'hv:endorser': { 'hv:x509': { 'dc:creator': 'Test', 'hv:ca': CA_DN, 'hv:dn': SIGNER_DN } },
      'hv:uri': `${base}/list`,
      'hv:version': version,
      'hv:images': images.map((id) => ({
        'hv:image': {
          'dc:identifier': id,
          'dc:title': `Image ${id}`,
          'hv:format': 'raw',
          'hv:size': String(IMAGE.length),
          'hv:uri': `${imageBase}/${id}.raw`,
          'hv:version': '1',
          'sl:checksum:sha512': createHash('sha512').update(IMAGE).digest('hex'),
          'sl:osname': 'TestOS',
        },
      })),
    },
  });
}

/** An in-memory Glance v2 with Keystone tokens: images, file upload, members, deactivate. */
class FakeGlance {
  readonly images = new Map<string, Record<string, unknown>>();
  readonly writes: string[] = [];
  isDeleteRefused = false;
  base = '';

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (body: unknown, status = 200): void =>
      void res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const p = url.pathname;
      if (req.method === 'POST' && p === '/v3/auth/tokens')
        return void res.writeHead(201, { 'X-Subject-Token': 't' }).end(tokenBody(this.base));
      if (req.method !== 'GET') this.writes.push(`${req.method} ${p}`);
      const m =
        /^\/image\/v2\/images(?:\/([^/]+))?(\/file|\/members(?:\/([^/]+))?|\/actions\/deactivate)?$/.exec(p);
      if (!m) return json({ error: `no stub for ${req.method} ${p}` }, 404);
      const [, id, sub, member] = m;
      const image = id ? this.images.get(id) : undefined;
      if (!id && req.method === 'GET') {
        const tag = url.searchParams.get('tag');
        const images = [...this.images.values()].filter((i) => !tag || (i.tags as string[]).includes(tag));
        return json({ images: url.searchParams.has('marker') ? [] : images });
      }
      if (!id && req.method === 'POST') {
        const input = JSON.parse(body.toString()) as Record<string, unknown>;
        const now = new Date().toISOString();
        const created = {
          ...input,
          id: randomUUID(),
          status: 'queued',
          owner: PROJECT,
          created_at: now,
          updated_at: now,
          min_ram: 0,
          min_disk: 0,
        };
        this.images.set(created.id, created);
        return json(created, 201);
      }
      if (!image) return json({ error: 'not found' }, 404);
      if (sub === '/file' && req.method === 'PUT') {
        Object.assign(image, { status: 'active', size: body.length });
        return void res.writeHead(204).end();
      }
      if (sub === '/actions/deactivate') {
        image.status = 'deactivated';
        return void res.writeHead(204).end();
      }
      if (sub?.startsWith('/members')) {
        const members = (image.members ??= []) as { member_id: string; status: string }[];
        const out = (m: { member_id: string; status: string }) => ({ image_id: id, ...m });
        if (req.method === 'GET' && !member) return json({ members: members.map(out) });
        if (req.method === 'POST') {
          const added = {
            member_id: (JSON.parse(body.toString()) as { member: string }).member,
            status: 'pending',
          };
          members.push(added);
          return json(out(added));
        }
        const found = members.find((x) => x.member_id === member);
        if (!found) return json({ error: 'no member' }, 404);
        if (req.method === 'PUT') {
          found.status = (JSON.parse(body.toString()) as { status: string }).status;
          return json(out(found));
        }
      }
      if (!sub && req.method === 'GET') return json(image);
      if (!sub && req.method === 'DELETE') {
        if (this.isDeleteRefused) return json({ error: 'protected' }, 403);
        this.images.delete(id!);
        return void res.writeHead(204).end();
      }
      json({ error: `no stub for ${req.method} ${p}` }, 405);
    });
  };
}

describe('runImageSync', () => {
  const start = useStubServers();
  let pki: TestPki;
  let signer: TestCredentials;
  let dir: string;
  let glance: FakeGlance;
  let list: { status: number; text: string };
  let lists: Awaited<ReturnType<typeof start>>;
  // where the list server redirects /elsewhere/ image downloads to
  let redirectBase = '';
  // the fixed clock of the runs; read after the signer is issued, so that its certificate is valid then
  let now = 0;

  beforeAll(() => {
    pki = createTestPki(CA_DN);
    signer = pki.issue('lists', SIGNER_DN);
    now = Date.now();
  });
  afterAll(() => pki.remove());
  beforeEach(() => {
    process.env[PASSWORD_ENV] = 'pw';
    process.env[TOKEN_ENV] = 'list-token';
    dir = mkdtempSync(path.join(tmpdir(), 'fedstack-image-sync-'));
    mkdirSync(path.join(dir, 'cas'));
    copyFileSync(pki.ca.certificatePath, path.join(dir, 'cas', 'ca.pem'));
    glance = new FakeGlance();
  });
  afterEach(() => {
    delete process.env[PASSWORD_ENV];
    delete process.env[TOKEN_ENV];
    rmSync(dir, { recursive: true, force: true });
  });

  async function setUp(images: Record<string, unknown> = {}): Promise<SiteConfig> {
    const os = await start(glance.handle);
    glance.base = os.url;
    list = { status: 503, text: '' };
    lists = await start((req, res) => {
      if (req.url === '/list') return void res.writeHead(list.status).end(list.text);
      if (req.url === `/images/${IMAGE_ID}.raw`)
        return void res.writeHead(200, { 'content-length': IMAGE.length }).end(IMAGE);
      if (req.url === `/elsewhere/${IMAGE_ID}.raw`)
        return void res.writeHead(302, { location: `${redirectBase}/images/${IMAGE_ID}.raw` }).end();
      res.writeHead(404).end();
    });
    return validateSiteConfig(
      {
        gocdb: 'SYNC-SITE',
        endpoint: `${os.url}/v3`,
        vos: [{ name: 'vo.example.org', auth: { project_id: PROJECT } }],
        credentials: { type: 'password', username: 'fedstack', password_env: PASSWORD_ENV },
        timeout_seconds: 5,
        images: {
          sync: true,
          formats: ['raw'],
          cache_dir: 'cache',
          ca_path: 'cas',
          tag: 'fedstack-unit',
          sources: [{ name: 'unit', url: `${lists.url}/list`, token_env: TOKEN_ENV, vos: [], ...images }],
        },
      },
      path.join(dir, 'site.yaml'),
    );
  }
  const serve = async (
    images: readonly string[],
    version?: string,
    description?: string,
    imageBase?: string,
  ): Promise<void> => {
    list = {
      status: 200,
      text: await signSmime(listJson(lists.url, images, version, description, imageBase), {
        certificate: signer.certificate,
        privateKey: signer.privateKey,
      }),
    };
  };
  const sync = (config: SiteConfig, dryRun = false): Promise<ImageSyncOutcome> =>
    runImageSync(
      { config, logger: silentLogger, signal: new AbortController().signal, clock: () => now },
      { dryRun, pollIntervalMs: 10 },
    );

  it('plans an upload in a dry run without downloading or writing to Glance', async () => {
    const config = await setUp();
    await serve([IMAGE_ID]);
    const outcome = await sync(config, true);
    expect(outcome.isDryRun).toBe(true);
    expect(outcome.applied).toBeUndefined();
    expect(outcome.plan!.steps.map((s) => s.kind)).toEqual(['upload']);
    expect(outcome.sources).toMatchObject([{ sourceId: 'unit', trusted: true, status: 'synced' }]);
    expect(glance.writes).toEqual([]);
    expect(lists.requests.map((r) => r.url)).toEqual(['/list']);
    // the list is fetched with the source's token in AppDB's Basic form
    expect(lists.requests[0]!.headers.authorization).toBe(appdbAuthorization('list-token'));
  });

  it('uploads once, then a rerun downloads and uploads nothing', async () => {
    const config = await setUp();
    await serve([IMAGE_ID]);
    const first = await sync(config);
    expect(first.errors).toEqual([]);
    expect(first.applied).toMatchObject({ downloads: 1, uploads: 1, conversions: 0, deletions: 0 });
    const [image] = [...glance.images.values()];
    expect(image).toMatchObject({
      name: `Image ${IMAGE_ID}`,
      status: 'active',
      disk_format: 'raw',
      size: IMAGE.length,
      tags: ['fedstack-unit'],
      appdb_id: IMAGE_ID,
      image_list: 'unit',
    });
    const second = await sync(config);
    expect(second.applied).toMatchObject({ downloads: 0, uploads: 0, patches: 0, deletions: 0 });
    expect(second.plan!.steps.map((s) => s.kind)).toEqual(['keep']);
    expect(lists.requests.filter((r) => r.url !== '/list')).toHaveLength(1);
  });

  describe('sends the source token with an image download only to the list origin', () => {
    const serveImage = (req: IncomingMessage, res: ServerResponse): void =>
      req.url === `/images/${IMAGE_ID}.raw`
        ? void res.writeHead(200, { 'content-length': IMAGE.length }).end(IMAGE)
        : void res.writeHead(404).end();
    const imageRequests = (server: typeof lists) => server.requests.filter((r) => r.url !== '/list');

    it('on the origin of the list (AppDB serves both): with the token', async () => {
      const config = await setUp();
      await serve([IMAGE_ID]);
      expect((await sync(config)).applied).toMatchObject({ downloads: 1, uploads: 1 });
      expect(imageRequests(lists)).toMatchObject([
        { url: `/images/${IMAGE_ID}.raw`, headers: { authorization: appdbAuthorization('list-token') } },
      ]);
    });

    it('on another host: without it', async () => {
      const config = await setUp();
      const other = await start(serveImage);
      await serve([IMAGE_ID], '1', 'elsewhere', `${other.url}/images`);
      expect((await sync(config)).applied).toMatchObject({ downloads: 1, uploads: 1 });
      expect(imageRequests(lists)).toEqual([]);
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
    });

    it('redirected from the origin of the list to another host: the token is dropped', async () => {
      const config = await setUp();
      const other = await start(serveImage);
      redirectBase = other.url;
      await serve([IMAGE_ID], '1', 'redirected', `${lists.url}/elsewhere`);
      expect((await sync(config)).applied).toMatchObject({ downloads: 1, uploads: 1 });
      expect(imageRequests(lists)).toMatchObject([
        { url: `/elsewhere/${IMAGE_ID}.raw`, headers: { authorization: appdbAuthorization('list-token') } },
      ]);
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
    });
  });

  it('holds a source whose list cannot be fetched or is not signed: nothing is deleted', async () => {
    const config = await setUp();
    await serve([IMAGE_ID]);
    await sync(config);
    list = { status: 404, text: 'gone' };
    const failed = await sync(config);
    expect(failed.sources).toMatchObject([{ trusted: false, status: 'held' }]);
    expect(failed.sources[0]!.reasons.join(' ')).toMatch(/cannot read the list/);
    list = { status: 200, text: listJson(lists.url, []) };
    const unsigned = await sync(config);
    expect(unsigned.sources[0]!.reasons.join(' ')).toMatch(/not signed/);
    for (const o of [failed, unsigned]) expect(o.applied).toMatchObject({ deletions: 0, uploads: 0 });
    expect([...glance.images.values()].map((i) => i.status)).toEqual(['active']);
  });

  it('refuses a list signed by another endorser than the configured one', async () => {
    const config = await setUp({ endorser: { dn: '/DC=org/DC=example/CN=someone-else', ca: CA_DN } });
    await serve([IMAGE_ID]);
    const outcome = await sync(config);
    expect(outcome.sources).toMatchObject([{ trusted: false, status: 'held' }]);
    expect(outcome.applied).toMatchObject({ downloads: 0, uploads: 0 });
  });

  it('deactivates and reports an image whose delete Glance refuses', async () => {
    const config = await setUp();
    await serve([IMAGE_ID]);
    await sync(config);
    glance.isDeleteRefused = true;
    await serve([]);
    const outcome = await sync(config);
    expect(outcome.applied).toMatchObject({ deletions: 0, deactivations: 1 });
    expect(outcome.errors).toMatchObject([
      { kind: 'prune', message: expect.stringMatching(/deactivated instead/) },
    ]);
    expect([...glance.images.values()].map((i) => i.status)).toEqual(['deactivated']);
    // the next run retries the delete; refused again, it asks for a hand delete and does not fail
    const again = await sync(config);
    expect(again.plan!.steps).toMatchObject([
      { kind: 'prune', reason: expect.stringMatching(/deactivated by an earlier run/) },
    ]);
    expect(again.applied).toMatchObject({ deletions: 0, deactivations: 0 });
    expect(again.errors).toEqual([]);
    expect(again.notices).toMatchObject([
      { kind: 'prune', message: expect.stringMatching(/delete it by hand/) },
    ]);
    expect(again.sources[0]!.reasons.join(' ')).toMatch(/deactivated and Glance refuses its delete again/);
    expect(isImageSyncComplete(again)).toBe(true);
    // once Glance lets it go, the retried delete removes it
    glance.isDeleteRefused = false;
    const freed = await sync(config);
    expect(freed.applied).toMatchObject({ deletions: 1 });
    expect(freed.notices).toEqual([]);
    expect(glance.images.size).toBe(0);
  });

  it('refuses a list with a lower hv:version than the one applied last: held, nothing deleted', async () => {
    const config = await setUp();
    const stateFile = path.join(dir, 'cache', 'sync-SYNC-SITE.state.json');
    await serve([IMAGE_ID], '2');
    await sync(config, true);
    expect(existsSync(stateFile)).toBe(false); // a dry run stores nothing
    expect((await sync(config)).errors).toEqual([]);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({
      sources: {
        unit: { listId: 'list-unit', version: '2', contentDigest: expect.stringMatching(/^sha256:/) },
      },
    });
    // an older signed list, replayed: it would prune the image
    await serve([], '1');
    const replayed = await sync(config);
    expect(replayed.sources).toMatchObject([{ trusted: false, status: 'held', listVersion: '1' }]);
    expect(replayed.sources[0]!.reasons.join(' ')).toMatch(/hv:version 1 is lower than 2/);
    expect(replayed.applied).toMatchObject({ deletions: 0, deactivations: 0 });
    expect([...glance.images.values()].map((i) => i.status)).toEqual(['active']);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({
      sources: { unit: { version: '2' } },
    });
    // a higher version is applied, and remembered
    await serve([], '10');
    const newer = await sync(config);
    expect(newer.sources).toMatchObject([{ trusted: true, status: 'synced' }]);
    expect(newer.applied).toMatchObject({ deletions: 1 });
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({
      sources: { unit: { version: '10' } },
    });
  });

  it('warns about a list whose hv:version is unchanged but whose content changed', async () => {
    const config = await setUp();
    await serve([IMAGE_ID], '3');
    await sync(config);
    await serve([IMAGE_ID], '3');
    const same = await sync(config);
    expect(same.sources[0]!.reasons).toEqual([]);
    await serve([IMAGE_ID], '3', 'edited without a new version');
    const edited = await sync(config);
    expect(edited.sources).toMatchObject([{ trusted: true, status: 'synced' }]);
    expect(edited.sources[0]!.reasons.join(' ')).toMatch(/hv:version 3 is unchanged but the content changed/);
  });

  it('holds every source when the stored state is corrupt, and says which file to delete', async () => {
    const config = await setUp();
    await serve([IMAGE_ID]);
    mkdirSync(path.join(dir, 'cache'), { recursive: true });
    writeFileSync(path.join(dir, 'cache', 'sync-SYNC-SITE.state.json'), '{not json');
    const outcome = await sync(config);
    expect(outcome.failure?.message).toMatch(/sync-SYNC-SITE\.state\.json is corrupt.*delete it/);
    expect(outcome.sources).toMatchObject([{ sourceId: 'unit', status: 'held' }]);
    expect(glance.writes).toEqual([]);
  });

  it('refuses a site that has not opted in to image sync before contacting anything', async () => {
    const config = await setUp();
    const off = { ...config, images: { ...config.images!, isSyncEnabled: false } };
    await expect(sync(off)).rejects.toBeInstanceOf(ConfigError);
    expect(glance.writes).toEqual([]);
  });
});
