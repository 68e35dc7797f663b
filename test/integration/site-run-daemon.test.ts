// `fedstack site run --config-dir` as a process against both testbed sites and a hub: accounting
// (extracted, then sent to the hub's AMS endpoint), discovery (published to the hub) and image
// sync (from the hub's signed VO list into site-a's Glance) on second-scale schedules, metrics,
// status files, site-b's Keystone going away (only site-b's jobs fail) and coming back (they
// recover without a restart), a broken file added while it runs, and a clean stop on SIGTERM.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub, type HubApp } from '../../src/hub/app.js';
import {
  collectAll,
  deleteImage,
  deleteServer,
  paginateImages,
  type Image,
} from '../../src/openstack/index.js';
import { deleteAll } from '../helpers/cleanup.js';
import { runCli } from '../helpers/cli.js';
import { get, runsOf, spawnDaemon, until, type DaemonProcess } from '../helpers/daemon.js';
import { sampleCatalogueEntry } from '../helpers/image-lists.js';
import { createTestPki, type TestPki } from '../helpers/openssl-ca.js';
import { adminInProject, adminSession } from '../helpers/sessions.js';
import { bootTestServers } from '../helpers/test-servers.js';
import { writeTestbedSiteYaml } from '../helpers/testbed.js';
import { addTestToken, openTestStore, type TestStore } from '../helpers/test-stores.js';

const PORT = 19_180 + (process.pid % 500);
const RUN = `${process.pid}-${randomBytes(3).toString('hex')}`;
const TAG = `fedstack-daemon-it-${RUN}`;
const VO = 'fedcloud.egi.eu';
const ENTRY_ID = `daemon-it-${RUN}`;

/**
 * A TCP forwarder to a Keystone: `down()` closes it and refuses connections (Keystone gone for
 * whoever uses this port), `up()` listens again on the same port.
 */
function keystoneForwarder(targetPort: number, port: number) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const up = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = createConnection(targetPort, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', resolve);
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
    });
  return { up, down };
}

describe('fedstack site run over a directory of both testbed sites, with a hub', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-daemon-it-'));
  const sites = path.join(dir, 'sites');
  const state = path.join(dir, 'state');
  const base = `http://127.0.0.1:${PORT}`;
  const image = randomBytes(256 * 1024);
  const admin = `daemon-it-admin-${RUN}`;
  let daemon: DaemonProcess | undefined;
  let pki: TestPki | undefined;
  let imageServer: HttpServer | undefined;
  let store: TestStore | undefined;
  let hub: HubApp | undefined;
  let hubBase = '';
  let server: string | undefined;
  const ourImages = async (): Promise<Image[]> =>
    (await collectAll(paginateImages(adminSession('site-a'), { tag: TAG }))).filter(
      (i) => i.status !== 'deleted',
    );

  const forwarder = keystoneForwarder(5020, PORT + 1);

  beforeAll(async () => {
    // the image the VO's list points to, and a hub that signs the list and takes accounting
    imageServer = createHttpServer((req, res) =>
      req.url === '/image.raw'
        ? res.writeHead(200, { 'content-length': image.length }).end(image)
        : res.writeHead(404).end(),
    );
    await new Promise<void>((resolve) => imageServer!.listen(0, '127.0.0.1', resolve));
    const imageUrl = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}/image.raw`;
    pki = createTestPki();
    const signer = pki.issue('hub', '/DC=org/DC=example/O=Hosts/CN=hub.example.org');
    store = await openTestStore('sqlite');
    hub = await buildHub({
      store: store.store,
      adminToken: admin,
      images: {
        signing: { certificatePem: signer.certificate, privateKeyPem: signer.privateKey },
        endorser: { email: 'hub@example.org' },
      },
    });
    await hub.listen({ host: '127.0.0.1', port: 0 });
    hubBase = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
    const manager = await addTestToken(store.store, `daemon-it-manager-${RUN}`, 'vo-manager', VO);
    const put = await fetch(`${hubBase}/v1/images/vo/${VO}/entries/${ENTRY_ID}`, {
      method: 'PUT',
      headers: { 'x-api-key': manager, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...sampleCatalogueEntry(),
        'dc:title': `Daemon IT image ${RUN}`,
        'ad:mpuri': `https://appdb.example.org/store/vm/image/${ENTRY_ID}:1/`,
        'hv:format': 'raw',
        'hv:size': String(image.length),
        'hv:uri': imageUrl,
        'hv:version': '1',
        'dc:date:expires': '2499-12-31T00:00:00Z',
        'sl:checksum:sha512': createHash('sha512').update(image).digest('hex'),
        'sl:osname': 'TestOS',
        'sl:osversion': '1.0',
      }),
    });
    expect(put.status, await put.clone().text()).toBe(200);
    mkdirSync(path.join(dir, 'cas'));
    copyFileSync(pki.ca.certificatePath, path.join(dir, 'cas', 'ca.pem'));
    // a VM at site-a, so that its accounting has records to send
    const s = await adminInProject('site-a', 'vo');
    [server] = await bootTestServers(s, [`daemon-it-${RUN}`]);
  }, 300_000);

  afterAll(async () => {
    await forwarder.down();
    daemon?.child.kill('SIGKILL');
    const session = adminSession('site-a');
    await deleteAll(await ourImages().catch(() => []), (i) => deleteImage(session, i.id));
    if (server) {
      const s = await adminInProject('site-a', 'vo');
      await deleteAll([server], (id) => deleteServer(s, id));
    }
    await hub?.close();
    await store?.dispose();
    imageServer?.closeAllConnections();
    imageServer?.close();
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every site’s jobs on schedule, shows them in /metrics and the status files, and stops on SIGTERM', async () => {
    mkdirSync(sites);
    await forwarder.up();
    for (const [site, gocdb, file] of [
      ['site-a', 'TESTBED-SITE-A', 'a.yaml'],
      ['site-b', 'TESTBED-SITE-B', 'b.yaml'],
    ] as const) {
      const token = await addTestToken(store!.store, `daemon-it-${site}-${RUN}`, 'publisher', gocdb);
      writeFileSync(path.join(sites, `${site}.token`), `${token}\n`);
      writeTestbedSiteYaml(
        sites,
        () => ({
          schedules: { accounting: '10s', discovery: '3s', images: '10s', jitter: '1s' },
          accounting: {
            state_dir: path.join(dir, `accounting-${site}`),
            ams: {
              url: hubBase,
              project: 'accounting',
              topic: 'eu-egi-cloud-accounting',
              token_file: `${site}.token`,
            },
          },
          hub: { url: hubBase, token_file: `${site}.token` },
          // site-b's Keystone through the forwarder, so that the test can take it away
          ...(site === 'site-b' ? { endpoint: `http://127.0.0.1:${PORT + 1}/v3/` } : {}),
          // site-a syncs the VO's image list from the hub (readable once its discovery is published)
          ...(site === 'site-a'
            ? {
                images: {
                  sync: true,
                  formats: ['raw'],
                  cache_dir: path.join(dir, 'image-cache'),
                  visibility: 'shared',
                  tag: TAG,
                  ca_path: path.join(dir, 'cas'),
                  sources: [
                    {
                      name: `hub-${RUN}`,
                      url: `${hubBase}/store/vo/${VO}/image.list`,
                      token_file: `${site}.token`,
                      prefix: `DAEMON IT ${RUN} `,
                    },
                  ],
                },
              }
            : {}),
        }),
        site,
        file,
      );
    }
    daemon = spawnDaemon(['--config-dir', sites, '--state-dir', state, '--listen', `127.0.0.1:${PORT}`]);

    // discovery every 3 s: at least two successful runs of each site
    const metrics = await until('two discovery runs of each site', async () => {
      const { text } = await get(`${base}/metrics`);
      const isDone = ['TESTBED-SITE-A', 'TESTBED-SITE-B'].every(
        (site) => runsOf(text, site, 'discovery', 'ok') >= 2,
      );
      return isDone ? text : undefined;
    });
    expect(metrics).toMatch(
      /fedstack_site_job_last_success_timestamp_seconds\{site="TESTBED-SITE-A",job="discovery"\} \d+/,
    );
    expect(metrics).toMatch(/fedstack_site_process_resident_memory_bytes \d+/);
    // accounting ran at start (no status file yet), succeeded at both sites and sent to the hub
    const jobs = await until('both accounting runs and site-a’s image sync', async () => {
      const { text } = await get(`${base}/status`);
      const all = (
        JSON.parse(text) as { jobs: { site: string; job: string; ok?: boolean; summary?: string }[] }
      ).jobs;
      const accounting = all.filter((j) => j.job === 'accounting' && j.ok === true);
      const images = all.find((j) => j.job === 'images' && j.ok === true);
      return accounting.length === 2 && images ? all : undefined;
    });
    expect(jobs.find((j) => j.job === 'accounting' && j.site === 'TESTBED-SITE-A')?.summary).toMatch(
      /^[1-9]\d* records of 2 projects extracted; [1-9]\d* messages sent$/,
    );
    await hub!.hub.ingest!.drain();
    const loaded = (await (
      await fetch(`${hubBase}/v1/accounting/sites`, { headers: { 'x-api-key': admin } })
    ).json()) as { sites: { site: string }[] };
    expect(loaded.sites.map((s) => s.site)).toContain('TESTBED-SITE-A');
    // the VO's image is in site-a's Glance, and the metrics show the image runs
    const [synced, ...others] = await ourImages();
    expect(others).toEqual([]);
    expect(synced).toMatchObject({ status: 'active', name: `DAEMON IT ${RUN} Daemon IT image ${RUN}` });
    const withImages = (await get(`${base}/metrics`)).text;
    expect(runsOf(withImages, 'TESTBED-SITE-A', 'images', 'ok')).toBeGreaterThanOrEqual(1);
    expect(withImages).toMatch(/fedstack_site_outbox_messages\{site="TESTBED-SITE-A"\} 0/);
    const status = JSON.parse(readFileSync(path.join(state, 'TESTBED-SITE-B', 'discovery.json'), 'utf8')) as {
      ok: boolean;
      schedule: string;
      lastSuccessAt: string;
      summary: string;
    };
    expect(status).toMatchObject({
      ok: true,
      schedule: '3s',
      summary: expect.stringMatching(/shares.*published/),
    });
    // beside the status, the last GLUE document of the site
    const glue = JSON.parse(readFileSync(path.join(state, 'TESTBED-SITE-B', 'glue.json'), 'utf8')) as {
      Share?: unknown[];
    };
    expect(glue.Share).toHaveLength(2);

    // site-b's Keystone goes away: only site-b's discovery fails, site-a keeps its schedule
    await forwarder.down();
    const outage = await get(`${base}/metrics`);
    const failedAtOutage = runsOf(outage.text, 'TESTBED-SITE-B', 'discovery', 'failed');
    const okA = runsOf(outage.text, 'TESTBED-SITE-A', 'discovery', 'ok');
    const failedA = runsOf(outage.text, 'TESTBED-SITE-A', 'discovery', 'failed');
    const during = await until('two failed runs at site-b', async () => {
      const { text } = await get(`${base}/metrics`);
      return runsOf(text, 'TESTBED-SITE-B', 'discovery', 'failed') >= failedAtOutage + 2 ? text : undefined;
    });
    expect(runsOf(during, 'TESTBED-SITE-A', 'discovery', 'ok')).toBeGreaterThan(okA);
    const statusA = (await get(`${base}/status`)).text;
    expect(runsOf(during, 'TESTBED-SITE-A', 'discovery', 'failed'), statusA).toBe(failedA);
    const failedB = JSON.parse(
      readFileSync(path.join(state, 'TESTBED-SITE-B', 'discovery.json'), 'utf8'),
    ) as {
      ok: boolean;
    };
    expect(failedB.ok).toBe(false);
    // and comes back: site-b recovers without a restart
    const okB = runsOf(during, 'TESTBED-SITE-B', 'discovery', 'ok');
    await forwarder.up();
    await until('site-b to succeed again', async () => {
      const { text } = await get(`${base}/metrics`);
      return runsOf(text, 'TESTBED-SITE-B', 'discovery', 'ok') > okB ? true : undefined;
    });

    // a broken file added while it runs: reported, the two sites go on
    writeFileSync(path.join(sites, 'broken.yaml'), 'gocdb: [not closed\n');
    const ready = await until(
      'the broken file to be reported',
      async () => {
        const { text } = await get(`${base}/readyz`);
        return text.includes('broken.yaml')
          ? (JSON.parse(text) as { status: string; sites: number })
          : undefined;
      },
      30_000,
    );
    expect(ready).toMatchObject({ status: 'ok', sites: 2 });

    // every job of both sites (site-b's accounting too) is back to ok without a restart
    await until('every job to be ok again', async () => {
      const all = (JSON.parse((await get(`${base}/status`)).text) as { jobs: { ok?: boolean }[] }).jobs;
      return all.every((j) => j.ok === true) ? true : undefined;
    });
    const printed = await runCli(['site', 'status', '--state-dir', state]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^SITE\s+JOB\s+LAST\s+LAST RUN/);
    expect(printed.stdout).toMatch(/TESTBED-SITE-A\s+accounting\s+ok/);
    expect(printed.stdout).toMatch(/TESTBED-SITE-B\s+discovery\s+ok/);

    const stopping = Date.now();
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(30_000);
    expect(daemon.log()).toMatch(/fedstack site run stopped/);
    expect(daemon.log()).not.toMatch(/"level":60/);
  }, 240_000);
});
