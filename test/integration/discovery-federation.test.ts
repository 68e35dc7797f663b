// Central discovery of both testbed sites through the built CLI into a hub started here, and a site whose Keystone is down.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  countVms,
  parseGlueDocument,
  readGlueSite,
  type GlueDocument,
} from '../../src/formats/glue/index.js';
import { buildHub, type HubApp } from '../../src/hub/app.js';
import { generateHubToken, hashHubToken } from '../../src/hub/auth/hub-token.js';
import { insertToken } from '../../src/hub/store/token-queries.js';
import {
  collectAll,
  createServer,
  deleteServer,
  listFlavors,
  paginateImages,
  paginateServers,
  waitForServer,
} from '../../src/openstack/index.js';
import { runCli } from '../helpers/cli.js';
import { adminInProject, adminSession } from '../helpers/sessions.js';
import { testbedRoot, type TestbedSiteName } from '../helpers/testbed.js';
import { openTestStore, type TestStore } from '../helpers/test-stores.js';
import { deleteAll } from '../helpers/cleanup.js';

const VOS = ['vo.access.egi.eu', 'fedcloud.egi.eu'] as const;
const IMAGE = 'Local Ubuntu 22.04';

interface TestSite {
  readonly testbed: TestbedSiteName;
  readonly name: string;
  readonly gocdbId: string;
  readonly endpoint: string;
  /** Project id of each VO, as the site config names it. */
  readonly projects: Readonly<Record<string, string>>;
}

interface SiteStatus {
  site: string;
  status: string;
  error?: string;
  durationMs: number;
  shares: { vo: string; state: string; info?: string }[];
  output?: string;
  published?: string;
  publishError?: string;
}

/** The testbed's site.yaml of `testbed`, with its password file copied beside it and a GOCDB id. */
function writeSiteConfig(dir: string, testbed: TestbedSiteName, gocdbId: string): TestSite {
  const config = parse(readFileSync(path.join(testbedRoot(), testbed, 'site.yaml'), 'utf8')) as {
    gocdb: string;
    endpoint: string;
    vos: { name: string; auth: { project_id: string } }[];
    credentials: Record<string, unknown>;
  };
  writeFileSync(
    path.join(dir, `${testbed}.password`),
    readFileSync(path.join(testbedRoot(), testbed, 'admin-password')),
  );
  const copy = {
    ...config,
    gocdb_id: gocdbId,
    credentials: { ...config.credentials, password_file: `${testbed}.password` },
  };
  writeFileSync(path.join(dir, `${testbed}.yaml`), stringify(copy));
  return {
    testbed,
    name: config.gocdb,
    gocdbId,
    endpoint: config.endpoint,
    projects: Object.fromEntries(config.vos.map((vo) => [vo.name, vo.auth.project_id])),
  };
}

/** Runs `fedstack site discovery` in central mode; resolves with the exit code, the per-site status and the wall time. */
async function runCentralDiscovery(
  args: string[],
): Promise<{ code: number; sites: SiteStatus[]; elapsedMs: number; stderr: string }> {
  const started = Date.now();
  const { code, stdout, stderr } = await runCli(['site', 'discovery', ...args, '--log-level', 'silent'], {
    timeoutMs: 180_000,
  });
  const elapsedMs = Date.now() - started;
  const { sites } = JSON.parse(stdout) as { sites: SiteStatus[] };
  return { code, sites, elapsedMs, stderr };
}

/** A loopback port nothing listens on: connections to it are refused, as to a Keystone that is down. */
async function refusingPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('central discovery of both testbed sites, published to a hub', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-discovery-fed-'));
  const configs = path.join(dir, 'sites');
  const tokens = path.join(dir, 'tokens');
  let sites: Record<TestbedSiteName, TestSite>;
  let store: TestStore;
  let app: HubApp;
  let hub: string;

  const getJson = async (url: string): Promise<unknown> => {
    const res = await fetch(`${hub}${url}`);
    expect(res.status, url).toBe(200);
    return res.json();
  };
  const getDocument = async (site: TestSite): Promise<GlueDocument> => {
    const text = await (await fetch(`${hub}/v1/site/${site.name}/glue`)).text();
    const parsed = parseGlueDocument(text);
    if (parsed.kind !== 'valid') throw new Error(`the hub's document of ${site.name} is not valid GLUE`);
    return parsed.document;
  };

  beforeAll(async () => {
    mkdirSync(configs);
    mkdirSync(tokens);
    sites = {
      'site-a': writeSiteConfig(configs, 'site-a', '90001G0'),
      'site-b': writeSiteConfig(configs, 'site-b', '90002G0'),
    };
    store = await openTestStore('sqlite');
    app = await buildHub({ store: store.store, adminToken: generateHubToken(), ingest: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    hub = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    for (const site of Object.values(sites)) {
      const token = generateHubToken();
      await insertToken(store.store.db, {
        hash: hashHubToken(token),
        role: 'publisher',
        site: site.name,
        label: null,
        now: Date.now(),
      });
      writeFileSync(path.join(tokens, `${site.name}.token`), `${token}\n`);
    }
  });

  afterAll(async () => {
    await app?.close();
    await store?.dispose();
  });

  describe('with both sites up and two servers in the vo project of site-b', () => {
    const created: string[] = [];
    const out = path.join(dir, 'out');
    let first: Awaited<ReturnType<typeof runCentralDiscovery>>;

    beforeAll(async () => {
      const s = await adminInProject('site-b', 'vo');
      const small = (await listFlavors(s)).find((f) => f.name === 'm1.small')!;
      const [image] = await collectAll(paginateImages(s, { name: IMAGE }));
      for (const name of ['it-discovery-fed-1', 'it-discovery-fed-2']) {
        created.push(
          await createServer(s, { name, flavorId: small.id!, imageId: image!.id, networks: 'none' }),
        );
      }
      await Promise.all(created.map((id) => waitForServer(s, id, ['ACTIVE'])));
      first = await runCentralDiscovery([
        '--config-dir',
        configs,
        '--output',
        out,
        '--publish',
        hub,
        '--token-dir',
        tokens,
        '--no-gocdb',
        '--site-timeout',
        '60',
      ]);
    }, 300_000);

    afterAll(async () => {
      const s = await adminInProject('site-b', 'vo');
      await deleteAll(created, (id) => deleteServer(s, id));
      await Promise.all(created.map((id) => waitForServer(s, id, ['DELETED'])));
    }, 180_000);

    it('reports both sites ok with every share ok and publishes both documents', () => {
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.sites).toEqual([
        expect.objectContaining({
          site: 'TESTBED-SITE-A',
          status: 'ok',
          published: 'document',
          output: path.join(out, 'TESTBED-SITE-A.json'),
          shares: VOS.map((vo) => ({ vo, state: 'ok' })),
        }),
        expect.objectContaining({
          site: 'TESTBED-SITE-B',
          status: 'ok',
          published: 'document',
          output: path.join(out, 'TESTBED-SITE-B.json'),
          shares: VOS.map((vo) => ({ vo, state: 'ok' })),
        }),
      ]);
    });

    it('serves back each document exactly as written to the output directory', async () => {
      for (const site of Object.values(sites)) {
        const served = await (await fetch(`${hub}/v1/site/${site.name}/glue`)).json();
        expect(served).toEqual(JSON.parse(readFileSync(path.join(out, `${site.name}.json`), 'utf8')));
      }
    });

    it('describes both VO shares of each site with their projects, the seeded image and the flavors', async () => {
      for (const site of Object.values(sites)) {
        const doc = await getDocument(site);
        const view = readGlueSite(doc);
        expect(view).toMatchObject({ name: site.name, gocdbId: site.gocdbId, url: site.endpoint });
        expect(view.shares.map((s) => [s.vo, s.projectId, s.healthState])).toEqual(
          VOS.map((vo) => [vo, site.projects[vo], 'ok']),
        );
        for (const share of view.shares) {
          expect(share.images.map((i) => i.name)).toContain(IMAGE);
          expect(share.flavors.map((f) => f.name).sort()).toEqual(['g1.a100', 'm1.large', 'm1.small']);
        }
        const image = doc.CloudComputingImage.find((i) => i.Name === IMAGE)!;
        expect(image).toMatchObject({ OSName: 'ubuntu', OSVersion: '22.04', OSPlatform: 'amd64' });
        const types = Object.fromEntries(doc.CloudComputingInstanceType.map((t) => [t.Name, t]));
        expect(types['m1.large']!.OtherInfo).toMatchObject({
          benchmark_type: 'HEPSPEC06',
          benchmark_value: 10.5,
        });
        expect(types['m1.small']!.Associations!.CloudComputingVirtualAccelerator).toBeUndefined();
        const [gpuId] = types['g1.a100']!.Associations!.CloudComputingVirtualAccelerator!;
        expect(doc.CloudComputingVirtualAccelerator).toEqual([
          expect.objectContaining({
            ID: gpuId,
            Type: 'GPU',
            Number: 1,
            Vendor: 'NVIDIA',
            Model: 'Tesla A100',
            Memory: 40 * 1024,
          }),
        ]);
      }
    });

    it('counts the servers of each share as Nova lists them, the two new ones running in site-b', async () => {
      const b = await getDocument(sites['site-b']);
      let total = 0;
      for (const vo of VOS) {
        const session = await adminInProject('site-b', vo === 'vo.access.egi.eu' ? 'vo' : 'fedcloud');
        // a project-scoped listing without all_tenants: the servers of that project only
        const servers = await collectAll(paginateServers(session, {}));
        expect(servers.every((s) => s.projectId === sites['site-b'].projects[vo])).toBe(true);
        if (vo === 'vo.access.egi.eu') {
          expect(servers.filter((s) => created.includes(s.id)).map((s) => s.status)).toEqual([
            'ACTIVE',
            'ACTIVE',
          ]);
        }
        const expected = countVms(
          servers.reduce<Record<string, number>>(
            (n, s) => ({ ...n, [s.status]: (n[s.status] ?? 0) + 1 }),
            {},
          ),
        );
        const share = b.Share.find((s) => s.ProjectID === sites['site-b'].projects[vo])!;
        expect({
          total: share.TotalVM,
          running: share.RunningVM,
          suspended: share.SuspendedVM,
          halted: share.HaltedVM,
          failed: share.OtherInfo!.error_vm,
        }).toEqual(expected);
        total += expected.total;
      }
      const vo = b.Share.find((s) => s.ProjectID === sites['site-b'].projects['vo.access.egi.eu'])!;
      expect(vo.RunningVM).toBeGreaterThanOrEqual(2);
      expect(b.CloudComputingService[0]!.TotalVM).toBe(total);
    });

    it('lists both sites with their VO projects at /v1/sites and at the unversioned /sites/', async () => {
      const expected = Object.values(sites).map((site) => ({
        id: site.gocdbId,
        name: site.name,
        url: site.endpoint,
        state: 'ok',
        hostname: '127.0.0.1',
        projects: VOS.map((vo) => ({ id: site.projects[vo], name: vo })),
      }));
      expect(await getJson('/v1/sites?include_projects=true')).toEqual(expected);
      expect(await getJson('/sites/?include_projects=true')).toEqual(expected);
    });

    it('answers each site, its VO projects and its images by name', async () => {
      for (const site of Object.values(sites)) {
        expect(await getJson(`/v1/site/${site.name}`)).toEqual({
          id: site.gocdbId,
          name: site.name,
          url: site.endpoint,
          state: 'ok',
          hostname: '127.0.0.1',
        });
        for (const vo of VOS) {
          expect(await getJson(`/v1/site/${site.name}/${vo}/project`)).toEqual({
            id: site.projects[vo],
            name: vo,
          });
        }
        const [image] = await collectAll(paginateImages(adminSession(site.testbed), { name: IMAGE }));
        const images = (await getJson(`/v1/site/${site.name}/images?only_egi_images=false`)) as {
          id: string;
          name: string;
          vo: string;
          endpoint: string;
        }[];
        expect(images.filter((i) => i.name === IMAGE)).toEqual(
          VOS.map((vo) => expect.objectContaining({ id: image!.id, vo, endpoint: site.endpoint })),
        );
        // cloud-info-api's default keeps only registry.egi.eu images; the seeded one is local
        expect(await getJson(`/v1/site/${site.name}/images`)).toEqual([]);
      }
    });

    it('finds the seeded image of a VO on both sites and lists both VOs', async () => {
      for (const vo of VOS) {
        const images = (await getJson(`/v1/images?vo_name=${vo}&only_egi_images=false`)) as {
          name: string;
          vo: string;
          endpoint: string;
        }[];
        expect(images.filter((i) => i.name === IMAGE).map((i) => [i.endpoint, i.vo])).toEqual(
          Object.values(sites).map((site) => [site.endpoint, vo]),
        );
      }
      expect(await getJson('/v1/vos')).toEqual(['fedcloud.egi.eu', 'vo.access.egi.eu']);
    });

    it('finds exactly the GPU flavor of each site for every VO share with min_gpus=1', async () => {
      const gpuFlavors = await getJson('/v1/flavors?min_gpus=1');
      const expected = [];
      for (const site of Object.values(sites)) {
        const g1 = (await listFlavors(adminSession(site.testbed))).find((f) => f.name === 'g1.a100')!;
        expected.push({
          site: site.name,
          endpoint: site.endpoint,
          id: g1.id,
          name: 'g1.a100',
          cpu: 8,
          ram_mb: g1.ramMb,
          disk_gb: g1.diskGb,
          platform: 'amd64',
          accelerator: {
            type: 'GPU',
            number: 1,
            vendor: 'NVIDIA',
            model: 'Tesla A100',
            memory_mb: 40 * 1024,
          },
          vos: [...VOS],
        });
      }
      expect(gpuFlavors).toEqual(expected);
    });
  });

  describe('when the Keystone of site-b refuses connections', () => {
    const SITE_TIMEOUT_S = 20;
    let before: { site: string; published_at?: string }[];
    let documentBefore: string;

    // the shared testbed site stays up for the tests running beside this one: site-b's config
    // names an endpoint that refuses connections instead
    const configFile = () => path.join(configs, 'site-b.yaml');
    let configBefore: string;
    let deadEndpoint: string;

    beforeAll(async () => {
      before = (await getJson('/v1/discovery')) as typeof before;
      documentBefore = await (await fetch(`${hub}/v1/site/${sites['site-b'].name}/glue`)).text();
      configBefore = readFileSync(configFile(), 'utf8');
      deadEndpoint = `http://127.0.0.1:${await refusingPort()}/v3/`;
      writeFileSync(configFile(), stringify({ ...(parse(configBefore) as object), endpoint: deadEndpoint }));
    }, 60_000);

    afterAll(() => writeFileSync(configFile(), configBefore));

    it('fails site-b alone within its site timeout, publishing no document for it, and still publishes site-a', async () => {
      const result = await runCentralDiscovery([
        '--config-dir',
        configs,
        '--publish',
        hub,
        '--token-dir',
        tokens,
        '--no-gocdb',
        '--site-timeout',
        String(SITE_TIMEOUT_S),
      ]);
      expect(result.code).toBe(1);
      expect(result.elapsedMs).toBeLessThan((SITE_TIMEOUT_S + 1) * 1000);
      const [a, b] = result.sites;
      expect(a).toMatchObject({
        site: 'TESTBED-SITE-A',
        status: 'ok',
        published: 'document',
        shares: VOS.map((vo) => ({ vo, state: 'ok' })),
      });
      const refused = `authentication: identity: POST ${deadEndpoint}auth/tokens: unreachable (ECONNREFUSED)`;
      expect(b).toMatchObject({
        site: 'TESTBED-SITE-B',
        status: 'failed',
        error: `no share could be collected: ${VOS.map((vo) => `${vo}: ${refused}`).join('; ')}`,
        published: 'report',
        shares: VOS.map((vo) => ({ vo, state: 'critical', info: refused })),
      });
      expect(b!.durationMs).toBeLessThanOrEqual((SITE_TIMEOUT_S + 1) * 1000);

      const health = (await getJson('/v1/discovery')) as {
        site: string;
        state: string;
        published_at?: string;
        last_run?: { state: string; error?: string };
      }[];
      const [healthA, healthB] = health;
      expect(healthA).toMatchObject({ site: 'TESTBED-SITE-A', state: 'ok', last_run: { state: 'ok' } });
      expect(Date.parse(healthA!.published_at!)).toBeGreaterThan(Date.parse(before[0]!.published_at!));
      expect(healthB).toMatchObject({
        site: 'TESTBED-SITE-B',
        state: 'failed',
        published_at: before[1]!.published_at,
        last_run: { state: 'failed', error: b!.error },
      });
      // the last good document of site-b stays; no empty one replaced it
      expect(await (await fetch(`${hub}/v1/site/${sites['site-b'].name}/glue`)).text()).toBe(documentBefore);
    });
  });
});
