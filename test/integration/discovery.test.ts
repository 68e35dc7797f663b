// Site discovery against the two testbed OpenStack sites: GLUE content, server counts, central mode, publishing.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseGlueDocument, readGlueSite, type GlueDocument } from '../../src/formats/glue/index.js';
import {
  collectAll,
  createServer,
  deleteServer,
  listFlavors,
  paginateImages,
  waitForServer,
} from '../../src/openstack/index.js';
import { createDiscoveryCommand } from '../../src/site/discovery/index.js';
import { runDiscoveryForDirectory, runSiteDiscovery } from '../../src/site/jobs/index.js';
import { runCli } from '../helpers/cli.js';
import { adminInProject } from '../helpers/sessions.js';
import { mintToken, testbedEnv, testbedRoot, type TestbedSiteName } from '../helpers/testbed.js';
import { openInfosysHarness, type InfosysHarness } from '../helpers/infosys-fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-discovery-it-'));

/** The testbed's own site config, with the admin password file given by absolute path. */
function siteConfig(site: TestbedSiteName): Record<string, unknown> {
  const config = parse(readFileSync(path.join(testbedRoot(), site, 'site.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  const passwordFile = path.join(testbedRoot(), site, 'admin-password');
  return { ...config, credentials: { ...(config.credentials as object), password_file: passwordFile } };
}

function writeConfig(file: string, config: Record<string, unknown>): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, stringify(config));
  return file;
}

function shareOf(doc: GlueDocument, vo: string) {
  return doc.Share.find((s) => s.ID.includes(`_share_${vo}_`))!;
}

describe('site discovery on the testbed', () => {
  it('describes both VO shares of site-a: flavors with GPU and benchmark, the image, quotas, health', async () => {
    const result = await runSiteDiscovery(writeConfig(path.join(dir, 'a.yaml'), siteConfig('site-a')), {
      gocdbId: '9999G0',
      clock: Date.now,
    });
    expect(result.error).toBeUndefined();
    expect(result.shares).toEqual([
      { vo: 'vo.access.egi.eu', state: 'ok' },
      { vo: 'fedcloud.egi.eu', state: 'ok' },
    ]);
    const doc = result.document!;
    expect(parseGlueDocument(JSON.stringify(doc)).kind).toBe('valid');
    expect(doc.CloudComputingService[0]!.OtherInfo).toMatchObject({
      gocdb_id: '9999G0',
      site_name: 'TESTBED-SITE-A',
    });
    expect(doc.CloudComputingEndpoint[0]).toMatchObject({
      HealthState: 'ok',
      InterfaceVersion: '2.1',
      Authentication: 'v3password',
    });
    const types = Object.fromEntries(doc.CloudComputingInstanceType.map((t) => [t.Name, t]));
    expect(types['m1.small']).toMatchObject({ CPU: 1, Platform: 'amd64' });
    expect(types['m1.large']!.OtherInfo).toMatchObject({
      benchmark_type: 'HEPSPEC06',
      benchmark_value: 10.5,
    });
    const gpuId = types['g1.a100']!.Associations!.CloudComputingVirtualAccelerator![0];
    expect(doc.CloudComputingVirtualAccelerator.find((a) => a.ID === gpuId)).toMatchObject({
      Type: 'GPU',
      Number: 1,
      Vendor: 'NVIDIA',
      Model: 'Tesla A100',
      Memory: 40 * 1024,
    });
    const image = doc.CloudComputingImage.find((i) => i.Name === 'Local Ubuntu 22.04')!;
    expect(image).toMatchObject({ OSName: 'ubuntu', OSVersion: '22.04', OSPlatform: 'amd64' });
    expect(image.Associations!.Share).toHaveLength(2);
    expect(shareOf(doc, 'vo.access.egi.eu')).toMatchObject({ MaxVM: 10, ProjectID: expect.any(String) });
    expect(shareOf(doc, 'vo.access.egi.eu').OtherInfo).toMatchObject({
      project_name: 'vo',
      quotas: { cores: 20 },
    });
    expect(doc.CloudComputingManager[0]).toMatchObject({ InstanceMinCPU: 1, InstanceMaxCPU: 8 });
  });

  it('prints the site as LDIF on stdout for BDII-era consumers', async () => {
    const config = writeConfig(path.join(dir, 'ldif.yaml'), siteConfig('site-a'));
    const { code, stdout } = await runCli([
      'site',
      'discovery',
      '--config',
      config,
      '--no-gocdb',
      '--format',
      'ldif',
    ]);
    expect(code).toBe(0);
    const ldif = stdout.replace(/\n /g, '');
    expect(ldif).toMatch(
      /^dn: GLUE2ServiceID=http:\/\/127\.0\.0\.1:5000\/v3\/?_cloud\.compute,GLUE2GroupID=resource,/,
    );
    expect(ldif).toContain('GLUE2EntityName: g1.a100');
    expect(ldif).toContain('GLUE2CloudComputingVirtualAcceleratorModel: Tesla A100');
  });

  describe('with servers in the fedcloud project of site-a', () => {
    const created: string[] = [];
    beforeAll(async () => {
      const s = await adminInProject('site-a', 'fedcloud');
      const small = (await listFlavors(s)).find((f) => f.name === 'm1.small')!;
      const [image] = await collectAll(paginateImages(s, { name: 'Local Ubuntu 22.04' }));
      for (const name of ['it-discovery-running', 'it-discovery-error']) {
        created.push(
          await createServer(s, { name, flavorId: small.id!, imageId: image!.id, networks: 'none' }),
        );
      }
      for (const id of created) await waitForServer(s, id, ['ACTIVE']);
      await s.send({
        service: 'compute',
        method: 'POST',
        path: `servers/${created[1]}/action`,
        body: { 'os-resetState': { state: 'error' } },
      });
    });
    afterAll(async () => {
      const s = await adminInProject('site-a', 'fedcloud');
      for (const id of created) await deleteServer(s, id);
    });

    it('counts an ERROR server in the total but not as running', async () => {
      const result = await runSiteDiscovery(
        writeConfig(path.join(dir, 'a-servers.yaml'), siteConfig('site-a')),
        {
          clock: Date.now,
          gocdbUrl: false,
        },
      );
      expect(result.shares.find((s) => s.vo === 'fedcloud.egi.eu')).toEqual({
        vo: 'fedcloud.egi.eu',
        state: 'ok',
      });
      const share = shareOf(result.document!, 'fedcloud.egi.eu');
      expect(share.OtherInfo!.error_vm).toBeGreaterThanOrEqual(1);
      expect(share.TotalVM).toBe(
        share.RunningVM! + share.SuspendedVM! + share.HaltedVM! + Number(share.OtherInfo!.error_vm),
      );
      expect(share.RunningVM).toBeGreaterThanOrEqual(1);
      expect((share.OtherInfo!.quotas_in_use as Record<string, number>).instances).toBeGreaterThanOrEqual(2);
    });
  });

  it('collects a VO share through OIDC federation with the VO entitlement', async () => {
    const env = testbedEnv('site-a');
    const entitlement = env.TESTBED_VO_ENTITLEMENTS!.split(';')[0]!.split('=').slice(1).join('=');
    process.env.FEDSTACK_IT_DISCOVERY_OIDC = await mintToken('discovery@egi.eu', [entitlement]);
    const config = siteConfig('site-a');
    const vos = config.vos as { name: string; auth: Record<string, unknown> }[];
    config.protocol = 'openid';
    config.vos = [
      {
        ...vos[0],
        auth: {
          ...vos[0]!.auth,
          credentials: {
            type: 'oidc',
            access_token_env: 'FEDSTACK_IT_DISCOVERY_OIDC',
            federation_endpoint: env.TESTBED_FEDERATION_URL,
          },
        },
      },
    ];
    const result = await runSiteDiscovery(writeConfig(path.join(dir, 'oidc.yaml'), config), {
      gocdbUrl: false,
      clock: Date.now,
    });
    expect(result.shares).toEqual([{ vo: 'vo.access.egi.eu', state: 'ok' }]);
    expect(
      readGlueSite(result.document!)
        .shares[0]!.flavors.map((f) => f.name)
        .sort(),
    ).toEqual(['g1.a100', 'm1.large', 'm1.small']);
  });

  describe('central mode with a site that never answers', () => {
    let silent: net.Server;
    const sockets: net.Socket[] = [];
    beforeAll(async () => {
      // accepts connections and never answers: the worst kind of dead site
      silent = net.createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('reports every site, the hanging one as a timeout, within the site timeout', async () => {
      const sites = path.join(dir, 'sites');
      writeConfig(path.join(sites, 'site-a.yaml'), siteConfig('site-a'));
      writeConfig(path.join(sites, 'site-b.yaml'), siteConfig('site-b'));
      const port = (silent.address() as net.AddressInfo).port;
      writeConfig(path.join(sites, 'site-z.yaml'), {
        ...siteConfig('site-a'),
        gocdb: 'HANGING-SITE',
        endpoint: `http://127.0.0.1:${port}/v3`,
      });
      const started = Date.now();
      const results = await runDiscoveryForDirectory(sites, {
        clock: Date.now,
        gocdbUrl: false,
        siteTimeoutMs: 8_000,
        concurrency: 3,
      });
      // the hanging site ends at its deadline; the slack covers a loaded two-core machine
      expect(Date.now() - started).toBeLessThan(8_000 + 2_000);
      // the live sites produce documents (site health may be warning if a testbed service misbehaves)
      expect(results.map((r) => r.site)).toEqual(['TESTBED-SITE-A', 'TESTBED-SITE-B', 'HANGING-SITE']);
      expect(results.slice(0, 2).map((r) => r.document !== undefined && r.status !== 'critical')).toEqual([
        true,
        true,
      ]);
      expect(results[2]!.status).toBe('failed');
      expect(results[2]).toMatchObject({
        errorCode: 'TIMEOUT',
        error: 'discovery of HANGING-SITE did not finish within 8000 ms',
      });
    });
  });

  describe('publishing to a hub', () => {
    let hub: InfosysHarness;
    let url: string;
    beforeAll(async () => {
      hub = await openInfosysHarness('sqlite', ['TESTBED-SITE-A']);
      url = await hub.app.listen({ host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => hub.dispose());

    it('publishes the document with the site token; the hub then lists the site, its projects and its GPU flavor', async () => {
      const tokenFile = path.join(dir, 'site-a.token');
      writeFileSync(tokenFile, `${hub.tokens['TESTBED-SITE-A']}\n`);
      let stdout = '';
      const spy = vi
        .spyOn(process.stdout, 'write')
        .mockImplementation((chunk) => ((stdout += String(chunk)), true));
      try {
        await createDiscoveryCommand().parseAsync(
          [
            '--config',
            writeConfig(path.join(dir, 'publish-a.yaml'), siteConfig('site-a')),
            '--gocdb-id',
            '9999G0',
            '--output',
            path.join(dir, 'publish-a.json'),
            '--publish',
            url,
            '--token-file',
            tokenFile,
            '--log-level',
            'silent',
          ],
          { from: 'user' },
        );
      } finally {
        spy.mockRestore();
      }
      expect(process.exitCode).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({
        site: 'TESTBED-SITE-A',
        status: 'ok',
        published: 'document',
      });
      const sites = (await (await fetch(`${url}/sites/?include_projects=true`)).json()) as Record<
        string,
        unknown
      >[];
      expect(sites).toEqual([
        expect.objectContaining({
          id: '9999G0',
          name: 'TESTBED-SITE-A',
          state: 'ok',
          hostname: '127.0.0.1',
          projects: [
            { id: expect.any(String), name: 'vo.access.egi.eu' },
            { id: expect.any(String), name: 'fedcloud.egi.eu' },
          ],
        }),
      ]);
      const gpus = (await (await fetch(`${url}/v1/flavors?gpu_vendor=NVIDIA&min_gpus=1`)).json()) as {
        name: string;
      }[];
      expect(gpus.map((f) => f.name)).toEqual(['g1.a100']);
      process.exitCode = undefined;
    });
  });
});
