// Image sync as a process: SIGKILL during a download and a resuming rerun on site-a, then central
// mode over a directory of site files (both testbed sites, a dead site, a broken file, a site
// without image sync) sharing one cache, with a status file per site.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectAll,
  deleteImage,
  listImageMembers,
  paginateImages,
  type Image,
} from '../../src/openstack/index.js';
import type { ImageSyncStatus } from '../../src/site/jobs/index.js';
import { deleteAll } from '../helpers/cleanup.js';
import { CLI, runCli } from '../helpers/cli.js';
import { startImageServer, type ImageServer } from '../helpers/image-server.js';
import { sha512Of, signedTestList, type ListedImage } from '../helpers/image-lists.js';
import { createTestPki, type TestCredentials, type TestPki } from '../helpers/openssl-ca.js';
import { adminSession } from '../helpers/sessions.js';
import { writeTestbedSiteYaml, type TestbedSiteName } from '../helpers/testbed.js';

const RUN = `${process.pid}-${randomBytes(3).toString('hex')}`;
const TAG = `fedstack-central-${RUN}`;
const CA_DN = '/DC=org/DC=example/CN=Fedstack Central Test CA';
const SIGNER_DN = '/DC=org/DC=example/O=Hosts/CN=appdb.example.org';
const MIB = 2 ** 20;

async function until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What must be equal between two sites after a sync: everything but ids and times. */
async function glanceStateOf(site: TestbedSiteName): Promise<unknown[]> {
  const session = adminSession(site);
  const images = (await collectAll(paginateImages(session, { tag: TAG }))).filter(
    (i) => i.status !== 'deleted',
  );
  return Promise.all(
    images.map(async (i: Image) => ({
      name: i.name,
      status: i.status,
      visibility: i.visibility,
      diskFormat: i.diskFormat,
      sizeBytes: i.sizeBytes,
      hash: i.properties.image_hash,
      appdbId: i.properties.appdb_id,
      mpuri: i.properties.vmcatcher_event_ad_mpuri,
      members: (await listImageMembers(session, i.id)).map((m) => m.status),
    })),
  );
}

describe('fedstack site images sync: a killed download resumes; central mode over a directory of sites', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-images-central-'));
  const sites = path.join(dir, 'sites');
  const cache = path.join(dir, 'cache');
  const status = path.join(dir, 'status');
  const body = randomBytes(6 * MIB);
  let images: ImageServer;
  let lists: Server;
  let blackHole: ReturnType<typeof createTcpServer>;
  const held: Socket[] = [];
  let listText = '';
  let pki: TestPki;
  let signer: TestCredentials;
  let siteAFile = '';

  beforeAll(async () => {
    pki = createTestPki(CA_DN);
    signer = pki.issue('appdb', SIGNER_DN);
    mkdirSync(path.join(dir, 'cas'));
    mkdirSync(sites);
    copyFileSync(pki.ca.certificatePath, path.join(dir, 'cas', 'ca.pem'));
    images = await startImageServer(body);
    lists = createHttpServer((_req, res) => res.writeHead(200).end(listText));
    await new Promise<void>((resolve) => lists.listen(0, '127.0.0.1', resolve));
    const listUrl = `http://127.0.0.1:${(lists.address() as AddressInfo).port}/list`;
    const image: ListedImage = { id: `c-${RUN}`, title: 'Central Image', body, uri: images.url };
    listText = await signedTestList(
      {
        id: `list-${RUN}`,
        version: '1',
        uri: listUrl,
        endorser: { dn: SIGNER_DN, ca: CA_DN },
        images: [image],
      },
      signer,
    );
    // a "site" that accepts connections and never answers
    blackHole = createTcpServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));

    const imagesSection = (vos: readonly { vo: string }[]) => ({
      images: {
        sync: true,
        formats: ['raw'],
        visibility: 'shared',
        tag: TAG,
        ca_path: path.join(dir, 'cas'),
        sources: [
          {
            name: `central-${RUN}`,
            url: listUrl,
            endorser: { dn: SIGNER_DN, ca: CA_DN },
            prefix: `IT ${RUN} `,
            vos: vos.map((p) => p.vo),
          },
        ],
      },
    });
    siteAFile = writeTestbedSiteYaml(sites, imagesSection, 'site-a', 'a.yaml').file;
    writeTestbedSiteYaml(sites, imagesSection, 'site-b', 'b.yaml');
    const deadPort = (blackHole.address() as AddressInfo).port;
    writeTestbedSiteYaml(
      sites,
      (vos) => ({
        ...imagesSection(vos),
        gocdb: 'TESTBED-DEAD',
        endpoint: `http://127.0.0.1:${deadPort}/v3/`,
      }),
      'site-a',
      'dead.yaml',
    );
    writeTestbedSiteYaml(sites, () => ({ gocdb: 'TESTBED-NO-IMAGES' }), 'site-b', 'no-images.yaml');
    writeFileSync(path.join(sites, 'broken.yaml'), 'gocdb: [not closed\n');
  });

  afterAll(async () => {
    for (const site of ['site-a', 'site-b'] as const) {
      const session = adminSession(site);
      const ours = await collectAll(paginateImages(session, { tag: TAG })).catch(() => []);
      await deleteAll(ours, (i) => deleteImage(session, i.id));
    }
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => (blackHole ? blackHole.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => {
      if (!lists) return resolve();
      lists.closeAllConnections();
      lists.close(() => resolve());
    });
    await images?.close();
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run killed during the download resumes it with Range on the next run, and ends in step', async () => {
    images.chunkDelayMs = 60; // 256 KiB every 60 ms: the download takes about 1.5 s
    const args = [
      'site',
      'images',
      'sync',
      '--config',
      siteAFile,
      '--cache-dir',
      cache,
      '--status-dir',
      status,
    ];
    const child = spawn(process.execPath, [CLI, ...args, '--log-level', 'info'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await until('a third of the image to be served', () => images.servedBytes >= 2 * MIB).catch(
      (error: Error) => {
        throw new Error(`${error.message}; the sync logged: ${log}`);
      },
    );
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const parts = readdirSync(path.join(cache, 'partial'));
    expect(parts).toHaveLength(1);
    const partBytes = statSync(path.join(cache, 'partial', parts[0]!)).size;
    expect(partBytes).toBeGreaterThan(0);
    expect(partBytes).toBeLessThan(body.length);
    expect(await glanceStateOf('site-a')).toEqual([]); // the upload comes only after the download

    images.chunkDelayMs = 0;
    const rerun = await runCli([...args, '--json']);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({
      ok: true,
      applied: { downloads: 1, uploads: 1, shares: 1 },
    });
    expect(images.requests.map((h) => h.range)).toEqual([
      undefined,
      expect.stringMatching(/^bytes=[1-9]\d*-$/),
    ]);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(images.requests[1]!.range!)![1]);
    expect(resumedAt).toBeGreaterThanOrEqual(partBytes); // never less than what the part held
    expect(images.servedBytes).toBeLessThan(2 * body.length);
    expect(readdirSync(path.join(cache, 'partial'))).toEqual([]);
    expect(await glanceStateOf('site-a')).toEqual([
      expect.objectContaining({
        status: 'active',
        sizeBytes: body.length,
        hash: `sha512:${sha512Of(body)}`,
        members: ['accepted'],
      }),
    ]);
  });

  it('central mode syncs every site of the directory from one cache; a dead site or a bad file stops no other', async () => {
    const requestsBefore = images.requests.length;
    const run = await runCli(
      [
        'site',
        'images',
        'sync',
        '--config-dir',
        sites,
        '--cache-dir',
        cache,
        '--status-dir',
        status,
        '--json',
      ].concat(['--concurrency', '4', '--site-timeout', '20']),
      { timeoutMs: 120_000 },
    );
    expect(run.code).toBe(1);
    const { sites: results } = JSON.parse(run.stdout) as { sites: Record<string, unknown>[] };
    const byFile = Object.fromEntries(results.map((r) => [path.basename(String(r.file)), r]));
    expect(Object.keys(byFile).sort()).toEqual([
      'a.yaml',
      'b.yaml',
      'broken.yaml',
      'dead.yaml',
      'no-images.yaml',
    ]);
    expect(byFile['a.yaml']).toMatchObject({ ok: true, applied: { downloads: 0, uploads: 0 } });
    expect(byFile['b.yaml']).toMatchObject({ ok: true, applied: { downloads: 0, uploads: 1, shares: 1 } });
    expect(byFile['dead.yaml']).toMatchObject({
      site: 'TESTBED-DEAD',
      ok: false,
      failure: { code: 'TIMEOUT' },
    });
    expect(byFile['broken.yaml']).toMatchObject({
      kind: 'invalid',
      error: { message: expect.stringContaining('broken.yaml') },
    });
    expect(byFile['no-images.yaml']).toMatchObject({ kind: 'skipped', site: 'TESTBED-NO-IMAGES' });
    // site-b's copy came from the cache site-a filled: no request reached the image server
    expect(images.requests.length).toBe(requestsBefore);
    // both sites hold the same image, the one site-a got by a resumed download and site-b from the cache
    const [stateA, stateB] = [await glanceStateOf('site-a'), await glanceStateOf('site-b')];
    expect(stateA).toHaveLength(1);
    expect(stateB).toEqual(stateA);

    const statusOf = (site: string) =>
      JSON.parse(readFileSync(path.join(status, `${site}.image-sync.json`), 'utf8')) as ImageSyncStatus;
    for (const site of ['TESTBED-SITE-A', 'TESTBED-SITE-B'])
      expect(statusOf(site)).toMatchObject({
        site,
        ok: true,
        lastSuccessAt: expect.any(String),
        images: { listed: 1, inStep: 1 },
        sources: [{ sourceId: `central-${RUN}`, status: 'synced', trusted: true, listVersion: '1' }],
        errors: [],
      });
    expect(statusOf('TESTBED-DEAD')).toMatchObject({
      ok: false,
      images: { listed: 0, inStep: 0 },
      sources: [{ status: 'held' }],
      errors: [{ kind: 'run', message: expect.stringMatching(/did not finish within 20000 ms/) }],
    });
    expect(statusOf('TESTBED-DEAD').lastSuccessAt).toBeUndefined();
  });
});
