// Image sync against the testbed Glance of site-a: a signed list served locally, upload, no-op rerun, held source, prune.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSmime } from '../../src/formats/smime/index.js';
import { silentLogger } from '../../src/log.js';
import {
  collectAll,
  deleteImage,
  listImageMembers,
  paginateImages,
  type Image,
} from '../../src/openstack/index.js';
import { runImageSync, type ImageSyncOutcome } from '../../src/site/jobs/index.js';
import { loadSiteConfig, type SiteConfig } from '../../src/site/site-config.js';
import { deleteAll } from '../helpers/cleanup.js';
import { createTestPki, type TestCredentials, type TestPki } from '../helpers/openssl-ca.js';
import { adminSession } from '../helpers/sessions.js';
import { writeTestbedSiteYaml } from '../helpers/testbed.js';

const RUN = `${process.pid}-${randomBytes(3).toString('hex')}`;
const TAG = `fedstack-it-${RUN}`;
const SOURCE = `it-images-${RUN}`;
const CA_DN = '/DC=org/DC=example/CN=Fedstack Images Test CA';
const SIGNER_DN = '/DC=org/DC=example/O=Hosts/CN=appdb.example.org';

interface ServedImage {
  readonly id: string;
  readonly title: string;
  readonly body: Buffer;
}

function listJson(images: readonly ServedImage[], base: string, version: string): string {
  return JSON.stringify({
    'hv:imagelist': {
      'dc:date:created': '2026-01-01T00:00:00Z',
      'dc:date:expires': '2499-12-31T22:00:00Z',
      'dc:description': 'Test list of the image sync integration test',
      'dc:identifier': `list-${RUN}`,
      'dc:source': 'https://appdb.example.org/',
      'dc:title': 'Image sync test list',
      'hv:endorser': { 'hv:x509': { 'dc:creator': 'Test', 'hv:ca': CA_DN, 'hv:dn': SIGNER_DN } },
      'hv:uri': `${base}/list`,
      'hv:version': version,
      'hv:images': images.map((image) => ({
        'hv:image': {
          'dc:identifier': image.id,
          'dc:title': image.title,
          'dc:description': `${image.title} for the test`,
          'ad:mpuri': `https://appdb.example.org/store/vm/image/${image.id}:1/`,
          'hv:format': 'raw',
          'hv:size': String(image.body.length),
          'hv:uri': `${base}/images/${image.id}.raw`,
          'hv:version': '1',
          'sl:arch': 'x86_64',
          'sl:checksum:sha512': createHash('sha512').update(image.body).digest('hex'),
          'sl:os': 'Linux',
          'sl:osname': 'TestOS',
          'sl:osversion': '1.0',
        },
      })),
    },
  });
}

describe('fedstack site images sync on the testbed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-images-it-'));
  const imageA: ServedImage = { id: `a-${RUN}`, title: 'Image A', body: randomBytes(2 * 2 ** 20) };
  const imageB: ServedImage = { id: `b-${RUN}`, title: 'Image B', body: randomBytes(2 ** 20) };
  const served = new Map<string, Buffer>();
  let listBody: { status: number; text: string } = { status: 503, text: 'not yet' };
  let server: Server;
  let base = '';
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
  const serveList = async (images: readonly ServedImage[], version: string): Promise<void> => {
    const text = await signSmime(listJson(images, base, version), {
      certificate: signer.certificate,
      privateKey: signer.privateKey,
    });
    listBody = { status: 200, text };
  };

  beforeAll(async () => {
    pki = createTestPki(CA_DN);
    signer = pki.issue('appdb', SIGNER_DN);
    mkdirSync(path.join(dir, 'cas'));
    copyFileSync(pki.ca.certificatePath, path.join(dir, 'cas', 'ca.pem'));
    served.set(`/images/${imageA.id}.raw`, imageA.body);
    served.set(`/images/${imageB.id}.raw`, imageB.body);
    server = createServer((req, res) => {
      if (req.url === '/list') return void res.writeHead(listBody.status).end(listBody.text);
      const body = served.get(req.url ?? '');
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

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
    await deleteAll(await ourImages().catch(() => []), (image) => deleteImage(session, image.id));
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
      image_hash: `sha512:${createHash('sha512').update(imageA.body).digest('hex')}`,
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

  it('uploads a new image and prunes the one the trusted list dropped', async () => {
    const [old] = await ourImages();
    await serveList([imageB], '2');
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
});
