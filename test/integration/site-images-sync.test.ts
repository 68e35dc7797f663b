// Image sync against the testbed Glance of site-a: a signed list served locally; upload, no-op rerun,
// metadata patch, refused lists, checksum mismatch, a new version replacing the old, prune.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import {
  collectAll,
  deleteImage,
  listImageMembers,
  paginateImages,
  patchImage,
  type Image,
} from '../../src/openstack/index.js';
import { runImageSync, type ImageSyncOutcome } from '../../src/site/jobs/index.js';
import { loadSiteConfig, type SiteConfig } from '../../src/site/site-config.js';
import { deleteAll } from '../helpers/cleanup.js';
import { sha512Of, signedTestList, type ListedImage, type TestListOptions } from '../helpers/image-lists.js';
import { createTestPki, type TestCredentials, type TestPki } from '../helpers/openssl-ca.js';
import { adminSession } from '../helpers/sessions.js';
import { writeTestbedSiteYaml } from '../helpers/testbed.js';

const RUN = `${process.pid}-${randomBytes(3).toString('hex')}`;
const TAG = `fedstack-it-${RUN}`;
const SOURCE = `it-images-${RUN}`;
const CA_DN = '/DC=org/DC=example/CN=Fedstack Images Test CA';
const SIGNER_DN = '/DC=org/DC=example/O=Hosts/CN=appdb.example.org';

describe('fedstack site images sync on the testbed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-images-it-'));
  const served = new Map<string, Buffer>();
  let base = '';
  const image = (id: string, title: string, body: Buffer): ListedImage => {
    served.set(`/images/${id}-${sha512Of(body).slice(0, 8)}.raw`, body);
    return { id, title, body, uri: `${base}/images/${id}-${sha512Of(body).slice(0, 8)}.raw` };
  };
  let imageA: ListedImage;
  let imageB: ListedImage;
  let listBody: { status: number; text: string } = { status: 503, text: 'not yet' };
  let server: Server;
  let pki: TestPki;
  let signer: TestCredentials;
  let config: SiteConfig;
  let projects: { vo: string; projectId: string }[];

  const sync = (): Promise<ImageSyncOutcome> =>
    runImageSync(
      { config, logger: silentLogger, signal: new AbortController().signal, clock: Date.now },
      { pollIntervalMs: 250, activeTimeoutMs: 120_000 },
    );
  const ourImages = async (): Promise<Image[]> =>
    (await collectAll(paginateImages(adminSession('site-a'), { tag: TAG }))).filter(
      (i) => i.status !== 'deleted',
    );
  const listOf = (images: readonly ListedImage[], version: string): TestListOptions => ({
    id: `list-${RUN}`,
    version,
    uri: `${base}/list`,
    endorser: { dn: SIGNER_DN, ca: CA_DN },
    images,
  });
  const serveList = async (
    images: readonly ListedImage[],
    version: string,
    by: TestCredentials = signer,
  ): Promise<void> => {
    listBody = { status: 200, text: await signedTestList(listOf(images, version), by) };
  };

  beforeAll(async () => {
    pki = createTestPki(CA_DN);
    signer = pki.issue('appdb', SIGNER_DN);
    mkdirSync(path.join(dir, 'cas'));
    copyFileSync(pki.ca.certificatePath, path.join(dir, 'cas', 'ca.pem'));
    server = createServer((req, res) => {
      if (req.url === '/list') return void res.writeHead(listBody.status).end(listBody.text);
      const body = served.get(req.url ?? '');
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    imageA = image(`a-${RUN}`, 'Image A', randomBytes(2 * 2 ** 20));
    imageB = image(`b-${RUN}`, 'Image B', randomBytes(2 ** 20));

    let file: string;
    ({ file, projects } = writeTestbedSiteYaml(dir, (vos) => ({
      images: {
        sync: true,
        formats: ['raw'],
        cache_dir: 'cache',
        visibility: 'shared',
        tag: TAG,
        ca_path: 'cas',
        sources: [
          {
            name: SOURCE,
            url: `${base}/list`,
            endorser: { dn: SIGNER_DN, ca: CA_DN },
            prefix: `IT ${RUN} `,
            vos: vos.map((p) => p.vo),
          },
        ],
      },
    })));
    config = loadSiteConfig(file);
  });

  afterAll(async () => {
    const session = adminSession('site-a');
    const left = await ourImages().catch(() => []);
    await deleteAll(left, async (image) => {
      // an image a test protected must lose that first
      await patchImage(session, image.id, [{ op: 'replace', path: '/protected', value: false }]);
      await deleteImage(session, image.id);
    });
    await new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
    });
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads a listed image into the owner project and shares it with the other VO project', async () => {
    await serveList([imageA], '1');
    const outcome = await sync();
    expect(outcome.failure).toBeUndefined();
    expect(outcome.errors).toEqual([]);
    expect(outcome.sources).toMatchObject([{ sourceId: SOURCE, trusted: true, status: 'synced' }]);
    expect(outcome.applied).toMatchObject({
      downloads: 1,
      uploads: 1,
      conversions: 0,
      deletions: 0,
      shares: 1,
    });
    const [image, ...others] = await ourImages();
    expect(others).toEqual([]);
    expect(image).toMatchObject({
      name: `IT ${RUN} Image A`,
      status: 'active',
      visibility: 'shared',
      diskFormat: 'raw',
      owner: projects[0]!.projectId,
      sizeBytes: imageA.body.length,
    });
    expect(image!.properties).toMatchObject({
      appdb_id: imageA.id,
      image_list: SOURCE,
      image_hash: `sha512:${sha512Of(imageA.body)}`,
      os_distro: 'TestOS',
      vmcatcher_event_ad_mpuri: `https://appdb.example.org/store/vm/image/${imageA.id}:1/`,
    });
    const members = await listImageMembers(adminSession('site-a'), image!.id);
    expect(members.map((m) => [m.memberId, m.status])).toEqual([[projects[1]!.projectId, 'accepted']]);
  });

  it('changes nothing on a second run with the same list', async () => {
    const before = await ourImages();
    const outcome = await sync();
    expect(outcome.errors).toEqual([]);
    expect(outcome.applied).toEqual({
      downloads: 0,
      uploads: 0,
      conversions: 0,
      patches: 0,
      shares: 0,
      unshares: 0,
      deletions: 0,
      deactivations: 0,
    });
    expect(outcome.plan!.steps.map((s) => s.kind)).toEqual(['keep']);
    expect((await ourImages()).map((i) => i.id)).toEqual(before.map((i) => i.id));
  });

  it('deletes nothing when the list cannot be fetched', async () => {
    const before = await ourImages();
    listBody = { status: 503, text: 'maintenance' };
    const outcome = await sync();
    expect(outcome.failure).toBeUndefined();
    expect(outcome.sources).toMatchObject([{ sourceId: SOURCE, trusted: false, status: 'held' }]);
    expect(outcome.applied).toMatchObject({ deletions: 0, uploads: 0 });
    expect((await ourImages()).map((i) => [i.id, i.status])).toEqual(before.map((i) => [i.id, 'active']));
  });

  it('patches the metadata of an image whose file is unchanged, without a download or upload', async () => {
    const [before] = await ourImages();
    await serveList([{ ...imageA, description: 'Image A, described anew', osVersion: '1.1' }], '2');
    const outcome = await sync();
    expect(outcome.errors).toEqual([]);
    expect(outcome.applied).toMatchObject({ downloads: 0, uploads: 0, conversions: 0, patches: 1 });
    const [after, ...others] = await ourImages();
    expect(others).toEqual([]);
    expect(after!.id).toBe(before!.id);
    expect(after!.properties).toMatchObject({
      os_version: '1.1',
      vmcatcher_event_dc_description: 'Image A, described anew',
    });
  });

  describe('refuses a list, deletes nothing and says why, when it is', () => {
    const listOfNothing = (version: string, expires?: string): TestListOptions => ({
      ...listOf([], version),
      ...(expires !== undefined ? { expires } : {}),
    });
    const cases: [string, () => Promise<string>, RegExp][] = [
      [
        'expired',
        () => signedTestList(listOfNothing('3', '2020-01-01T00:00:00Z'), signer),
        /expired at 2020-01-01/,
      ],
      [
        'tampered (one byte of the content changed)',
        async () => {
          const text = await signedTestList(listOfNothing('3'), signer);
          expect(text).toContain('Image sync test list');
          return text.replace('Image sync test list', 'Image sync test lisT');
        },
        /signature refused/,
      ],
      [
        'signed by a certificate of another CA with the same name',
        async () => {
          const rogue = createTestPki(CA_DN);
          try {
            return await signedTestList(listOfNothing('3'), rogue.issue('appdb', SIGNER_DN));
          } finally {
            rogue.remove();
          }
        },
        /signature refused/,
      ],
      [
        'signed by another DN than the endorser',
        () =>
          signedTestList(
            listOfNothing('3'),
            pki.issue('other', '/DC=org/DC=example/O=Hosts/CN=other.example.org'),
          ),
        /signed by \/DC=org\/DC=example\/O=Hosts\/CN=other\.example\.org/,
      ],
      [
        'of a lower hv:version than the one applied',
        () => signedTestList(listOfNothing('1'), signer),
        /lower than 2/,
      ],
    ];
    it.each(cases)('%s', async (_what, make, reason) => {
      const before = await ourImages();
      listBody = { status: 200, text: await make() };
      const outcome = await sync();
      expect(outcome.sources).toMatchObject([{ sourceId: SOURCE, trusted: false, status: 'held' }]);
      expect(outcome.sources[0]!.reasons.join(' ')).toMatch(reason);
      expect(outcome.applied).toMatchObject({ deletions: 0, deactivations: 0, uploads: 0, downloads: 0 });
      expect((await ourImages()).map((i) => [i.id, i.status])).toEqual(before.map((i) => [i.id, 'active']));
    });
  });

  it('never uploads a file whose checksum does not match the list, and keeps the old version', async () => {
    const [before] = await ourImages();
    const changed = image(imageA.id, 'Image A', randomBytes(2 ** 20));
    await serveList([{ ...changed, sha512: sha512Of(randomBytes(16)) }], '4');
    const outcome = await sync();
    expect(outcome.applied).toMatchObject({ downloads: 0, uploads: 0, deletions: 0 });
    expect(outcome.errors).toMatchObject([
      { kind: 'upload', message: expect.stringMatching(/checksum mismatch/) },
      {
        kind: 'retire',
        glanceImageId: before!.id,
        message: expect.stringMatching(/kept: its successor .* is not active/),
      },
    ]);
    expect((await ourImages()).map((i) => [i.id, i.status])).toEqual([[before!.id, 'active']]);
    expect(existsSync(path.join(dir, 'cache', 'partial'))).toBe(true);
    expect(readdirSync(path.join(dir, 'cache', 'partial'))).toEqual([]);
  });

  it('replaces an image with its new version only once the successor is active', async () => {
    const [old] = await ourImages();
    imageA = image(imageA.id, 'Image A', randomBytes(3 * 2 ** 20));
    await serveList([imageA], '5');
    const seen: [string, string][][] = [];
    let isSyncing = true;
    const watching = (async () => {
      while (isSyncing) {
        seen.push((await ourImages()).map((i) => [i.id, i.status]));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const outcome = await sync().finally(() => (isSyncing = false));
    await watching;
    expect(outcome.errors).toEqual([]);
    expect(outcome.applied).toMatchObject({ downloads: 1, uploads: 1, deletions: 1 });
    // at every moment Glance had an active copy of the image: the old one went only after the new one was active
    expect(seen.length).toBeGreaterThan(1);
    for (const snapshot of seen) expect(snapshot.filter(([, status]) => status === 'active')).not.toEqual([]);
    const [now, ...others] = await ourImages();
    expect(others).toEqual([]);
    expect(now!.id).not.toBe(old!.id);
    expect(now!.properties.image_hash).toBe(`sha512:${sha512Of(imageA.body)}`);
  });

  it('uploads a new image and prunes the one the trusted list dropped', async () => {
    const [old] = await ourImages();
    await serveList([imageB], '6');
    const outcome = await sync();
    expect(outcome.errors).toEqual([]);
    expect(outcome.applied).toMatchObject({ downloads: 1, uploads: 1, deletions: 1 });
    expect(outcome.plan!.steps.filter((s) => s.kind === 'prune').map((s) => s.glanceImageId)).toEqual([
      old!.id,
    ]);
    const now = await ourImages();
    expect(now.map((i) => [i.name, i.properties.appdb_id, i.status])).toEqual([
      [`IT ${RUN} Image B`, imageB.id, 'active'],
    ]);
  });

  it('deactivates and reports an image Glance refuses to delete (protected), and deletes nothing else', async () => {
    const [kept] = await ourImages();
    const session = adminSession('site-a');
    await patchImage(session, kept!.id, [{ op: 'replace', path: '/protected', value: true }]);
    await serveList([], '7');
    const outcome = await sync();
    expect(outcome.applied).toMatchObject({ deletions: 0, deactivations: 1 });
    expect(outcome.errors).toMatchObject([
      { kind: 'prune', glanceImageId: kept!.id, message: expect.stringMatching(/deactivated instead/) },
    ]);
    expect((await ourImages()).map((i) => [i.id, i.status])).toEqual([[kept!.id, 'deactivated']]);
    // the operator lifts the protection: the next run deletes it
    await patchImage(session, kept!.id, [{ op: 'replace', path: '/protected', value: false }]);
    const again = await sync();
    expect(again.applied).toMatchObject({ deletions: 1 });
    expect(await ourImages()).toEqual([]);
  });
});
