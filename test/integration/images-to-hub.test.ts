// End to end: a VO's image in the hub catalogue, synced into site-a's Glance from the hub's signed list, seen back at the hub through discovery.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub, type HubApp } from '../../src/hub/app.js';
import { silentLogger } from '../../src/log.js';
import { collectAll, deleteImage, paginateImages, type Image } from '../../src/openstack/index.js';
import { runDiscovery, runImageSync, type JobContext } from '../../src/site/jobs/index.js';
import { loadSiteConfig, type SiteConfig } from '../../src/site/site-config.js';
import { deleteAll } from '../helpers/cleanup.js';
import { sampleCatalogueEntry } from '../helpers/image-lists.js';
import { createTestPki, type TestCredentials, type TestPki } from '../helpers/openssl-ca.js';
import { adminSession } from '../helpers/sessions.js';
import { writeTestbedSiteYaml } from '../helpers/testbed.js';
import { addTestToken, openTestStore, type TestStore } from '../helpers/test-stores.js';

const RUN = `${process.pid}-${randomBytes(3).toString('hex')}`;
const TAG = `fedstack-hub-it-${RUN}`;
const SITE = 'TESTBED-SITE-A';
// site-a's second VO: the image is owned by the first VO's project and shared with this one
const VO = 'fedcloud.egi.eu';
const ENTRY_ID = `hub-it-${RUN}`;
const MPURI = `https://appdb.example.org/store/vm/image/${ENTRY_ID}:1/`;
const HUB_DN = '/DC=org/DC=example/O=Hosts/CN=hub.example.org';

describe('an image of the hub catalogue, synced at site-a and reported back by discovery', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-images-hub-it-'));
  const body = randomBytes(512 * 1024);
  const imageRequests: { url: string; headers: IncomingHttpHeaders }[] = [];
  let imageServer: Server;
  let imageBase = '';
  let pki: TestPki;
  let signer: TestCredentials;
  let store: TestStore;
  let app: HubApp;
  let hubBase = '';
  let manager = '';
  let publisher = '';
  let config: SiteConfig;
  const admin = `hub-it-admin-${RUN}`;

  const context = (): JobContext => ({
    config,
    logger: silentLogger,
    signal: new AbortController().signal,
    clock: Date.now,
  });
  const discover = () =>
    runDiscovery(context(), {
      gocdbId: '9999G0',
      gocdbUrl: false,
      publish: { url: hubBase, tokenFor: (site) => (site === SITE ? publisher : undefined) },
    });
  const ourImages = async (): Promise<Image[]> =>
    (await collectAll(paginateImages(adminSession('site-a'), { tag: TAG }))).filter(
      (i) => i.status !== 'deleted',
    );
  const hubGet = async (url: string, token: string): Promise<unknown> => {
    const res = await fetch(`${hubBase}${url}`, { headers: { 'x-api-key': token } });
    expect(res.status, url).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    pki = createTestPki();
    signer = pki.issue('hub', HUB_DN);
    imageServer = createServer((req, res) => {
      imageRequests.push({ url: req.url ?? '', headers: req.headers });
      if (req.url !== `/images/${ENTRY_ID}.raw`) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve));
    imageBase = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}`;

    store = await openTestStore('sqlite');
    manager = await addTestToken(store.store, `hub-it-manager-${RUN}`, 'vo-manager', VO);
    publisher = await addTestToken(store.store, `hub-it-publisher-${RUN}`, 'publisher', SITE);
    app = await buildHub({
      store: store.store,
      adminToken: admin,
      ingest: false,
      images: {
        signing: { certificatePem: signer.certificate, privateKeyPem: signer.privateKey },
        endorser: { email: 'hub@example.org' },
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    hubBase = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    mkdirSync(path.join(dir, 'cas'));
    copyFileSync(pki.ca.certificatePath, path.join(dir, 'cas', 'ca.pem'));
    writeFileSync(path.join(dir, 'hub-token'), `${publisher}\n`);
    const { file } = writeTestbedSiteYaml(dir, () => ({
      images: {
        sync: true,
        formats: ['raw'],
        cache_dir: 'cache',
        visibility: 'shared',
        tag: TAG,
        ca_path: 'cas',
        // no endorser: the list's own (the hub's certificate), checked against the signer
        sources: [
          {
            name: `hub-${RUN}`,
            url: `${hubBase}/store/vo/${VO}/image.list`,
            token_file: 'hub-token',
            prefix: `HUB IT ${RUN} `,
          },
        ],
      },
    }));
    config = loadSiteConfig(file);
  });

  afterAll(async () => {
    const session = adminSession('site-a');
    await deleteAll(await ourImages().catch(() => []), (image) => deleteImage(session, image.id));
    await app?.close();
    await store?.dispose();
    await new Promise<void>((resolve) => {
      if (!imageServer) return resolve();
      imageServer.closeAllConnections();
      imageServer.close(() => resolve());
    });
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes site-a first, so that its publisher token may read the VO’s list', async () => {
    const outcome = await discover();
    expect(outcome.error).toBeUndefined();
    expect(outcome.publishError).toBeUndefined();
    expect(outcome.published).toBe('document');
  });

  it('syncs the catalogue entry from the hub’s signed list into Glance', async () => {
    const put = await fetch(`${hubBase}/v1/images/vo/${VO}/entries/${ENTRY_ID}`, {
      method: 'PUT',
      headers: { 'x-api-key': manager, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...sampleCatalogueEntry(),
        'dc:title': `Hub IT image ${RUN}`,
        'ad:mpuri': MPURI,
        'hv:format': 'raw',
        'hv:size': String(body.length),
        'hv:uri': `${imageBase}/images/${ENTRY_ID}.raw`,
        'hv:version': '1',
        'dc:date:expires': '2499-12-31T00:00:00Z',
        'sl:checksum:sha512': createHash('sha512').update(body).digest('hex'),
        'sl:osname': 'TestOS',
        'sl:osversion': '1.0',
      }),
    });
    expect(put.status, await put.clone().text()).toBe(200);

    const outcome = await runImageSync(context(), { pollIntervalMs: 250, activeTimeoutMs: 120_000 });
    expect(outcome.failure).toBeUndefined();
    expect(outcome.errors).toEqual([]);
    expect(outcome.sources).toMatchObject([{ trusted: true, status: 'synced' }]);
    expect(outcome.applied).toMatchObject({ downloads: 1, uploads: 1, shares: 1 });
    const [image, ...others] = await ourImages();
    expect(others).toEqual([]);
    expect(image).toMatchObject({
      status: 'active',
      visibility: 'shared',
      name: `HUB IT ${RUN} Hub IT image ${RUN}`,
    });
    expect(image!.properties).toMatchObject({ appdb_id: ENTRY_ID, vmcatcher_event_ad_mpuri: MPURI });
    // the image is on another host than the list: the hub token is not sent there
    expect(imageRequests).toHaveLength(1);
    expect(imageRequests[0]!.headers.authorization).toBeUndefined();
  });

  it('shows the image at site-a in the hub catalogue once discovery has published it', async () => {
    const [image] = await ourImages();
    const outcome = await discover();
    expect(outcome.publishError).toBeUndefined();
    expect(outcome.published).toBe('document');
    const catalogue = (await hubGet(`/v1/images/catalogue?vo=${VO}`, manager)) as {
      vo: string;
      id: string;
      mpuri: string | null;
      sites: { site: string; image_id: string }[];
    }[];
    expect(catalogue.find((i) => i.id === ENTRY_ID)).toMatchObject({
      vo: VO,
      mpuri: MPURI,
      sites: [{ site: SITE, image_id: image!.id }],
    });
    // the information system's image view (cloud-info-api's shape) has it for the VO too; an AppDB
    // image has no EGI id there (cloud-info-api derives it for registry.egi.eu images only)
    const images = (await hubGet(`/v1/images?vo_name=${VO}&only_egi_images=false`, admin)) as {
      id: string;
      mpuri: string;
      vo: string;
    }[];
    expect(images).toContainEqual(expect.objectContaining({ id: image!.id, mpuri: MPURI, vo: VO }));
  });
});
