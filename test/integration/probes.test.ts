// `fedstack probe keystone|vm` as Nagios plugins against the testbed: exit codes and first lines
// exactly; a silent Keystone goes CRITICAL within the time limit; a leftover server of the same
// monitoring host is deleted and the run ends WARNING; bad arguments are UNKNOWN.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectAll,
  createImage,
  createServer,
  deleteImage,
  deleteServer,
  listFlavors,
  paginateImages,
  paginateServers,
  uploadImageData,
  waitForServer,
  type OpenStackSession,
} from '../../src/openstack/index.js';
import { buildHub } from '../../src/hub/app.js';
import { silentLogger } from '../../src/log.js';
import { runDiscovery } from '../../src/site/jobs/index.js';
import { loadSiteConfig } from '../../src/site/site-config.js';
import { accountingConfig } from '../helpers/accounting.js';
import { deleteAll } from '../helpers/cleanup.js';
import { runCli } from '../helpers/cli.js';
import { adminInProject } from '../helpers/sessions.js';
import { addTestToken, openTestStore } from '../helpers/test-stores.js';
import { mintToken, testbedEnv, writeTestbedSiteYaml } from '../helpers/testbed.js';
import { IDP_CLIENT_SECRET, startTestIdp } from '../helpers/test-idp.js';

const VO = 'vo.access.egi.eu';
const HOST = `probe-it-${process.pid}`;
const REF = `fedstack_probe_it_${process.pid}`;

describe('fedstack probe keystone and vm against the testbed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-probe-it-'));
  const tokenFile = path.join(dir, 'oidc');
  const a = testbedEnv('site-a');
  const site = [
    '--endpoint',
    a.OS_AUTH_URL!,
    '--federation-endpoint',
    a.TESTBED_FEDERATION_URL!,
    '--access-token-file',
    tokenFile,
  ];
  let admin: OpenStackSession;
  const images: string[] = [];
  let silent: Server;
  const held = new Set<Socket>();

  beforeAll(async () => {
    writeFileSync(
      tokenFile,
      `${await mintToken(HOST, [`urn:mace:egi.eu:group:${VO}:role=vm_operator#aai.egi.eu`])}\n`,
    );
    admin = await adminInProject('site-a', 'vo');
    // a monitoring image found by its registry reference, as ARGO finds registry.egi.eu images
    const image = await createImage(admin, {
      name: `probe-it-${process.pid}`,
      diskFormat: 'raw',
      visibility: 'private',
      properties: { APPLIANCE_ATTRIBUTES: JSON.stringify({ 'eu.egi.cloud.image_ref': REF }) },
    });
    images.push(image.id);
    await uploadImageData(admin, image.id, Readable.from([Buffer.alloc(4096)]), { sizeBytes: 4096 });
    silent = createTcpServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  }, 120_000);

  afterAll(async () => {
    const leftovers = (await collectAll(paginateServers(admin)).catch(() => [])).filter(
      (s) => s.metadata['argo-mon-host'] === HOST,
    );
    await deleteAll(
      leftovers.map((s) => s.id),
      (id) => deleteServer(admin, id),
    );
    await deleteAll(images, (id) => deleteImage(admin, id));
    for (const s of held) s.destroy();
    silent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keystone: OK with a scoped token and perfdata; CRITICAL when refused or silent, within its time limit', async () => {
    const ok = await runCli(['probe', 'keystone', ...site]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^OK: OIDC login to a token scoped to project vo in [\d.]+ s \| 'connect'=[\d.]+s 'login'=[\d.]+s 'scope'=[\d.]+s\n$/,
    );
    const refused = await runCli([
      'probe',
      'keystone',
      '--endpoint',
      'http://127.0.0.1:1/v3',
      '--access-token-file',
      tokenFile,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(
      /^CRITICAL: TCP connection to 127\.0\.0\.1:1 failed: connect ECONNREFUSED/,
    );
    const port = (silent.address() as AddressInfo).port;
    const started = Date.now();
    const quiet = await runCli([
      'probe',
      'keystone',
      '--endpoint',
      `http://127.0.0.1:${port}/v3`,
      '--access-token-file',
      tokenFile,
      '-t',
      '2',
    ]);
    expect(quiet.code).toBe(2);
    expect(quiet.stdout).toMatch(/^CRITICAL: /);
    expect(Date.now() - started).toBeLessThan(2 * 3 * 1000 + 2_000);
  });

  it('keystone: logs in with an access token got from a refresh token file, through the OIDC refresh support', async () => {
    const idp = await startTestIdp();
    try {
      const refreshFile = path.join(dir, 'refresh');
      const secretFile = path.join(dir, 'client-secret');
      writeFileSync(
        refreshFile,
        `${await idp.refreshTokenFor(HOST, [`urn:mace:egi.eu:group:${VO}:role=vm_operator#aai.egi.eu`])}\n`,
      );
      writeFileSync(secretFile, `${IDP_CLIENT_SECRET}\n`);
      const credentials = [
        '--refresh-token-file',
        refreshFile,
        '--oidc-issuer',
        idp.url,
        '--oidc-client-id',
        'fedstack',
      ];
      const ok = await runCli([
        'probe',
        'keystone',
        '--endpoint',
        a.OS_AUTH_URL!,
        '--federation-endpoint',
        a.TESTBED_FEDERATION_URL!,
        ...credentials,
        '--oidc-client-secret-file',
        secretFile,
      ]);
      expect(ok.code, ok.stdout).toBe(0);
      expect(ok.stdout).toMatch(/^OK: OIDC login to a token scoped to project vo in /);
      const noClient = await runCli([
        'probe',
        'keystone',
        '--endpoint',
        a.OS_AUTH_URL!,
        '--refresh-token-file',
        refreshFile,
      ]);
      expect(noClient.code).toBe(3);
      expect(noClient.stdout).toMatch(
        /^UNKNOWN: --refresh-token-file needs --oidc-issuer and --oidc-client-id \| 'connect'=[\d.]+s\n$/,
      );
    } finally {
      await idp.close();
    }
  });

  it('swift: creates, reads back and deletes a container and an object in site-a’s object store, leaving nothing', async () => {
    const ok = await runCli(['probe', 'swift', ...site, '-v']);
    expect(ok.code, ok.stdout).toBe(0);
    const [first, ...steps] = ok.stdout.trim().split('\n');
    expect(first).toMatch(
      /^OK: container container-[0-9a-f-]{36} and object file-[0-9a-f-]{36} created, read and destroyed \| 'login'=[\d.]+s 'scope'=[\d.]+s 'endpoint'=[\d.]+s 'container'=[\d.]+s 'put'=[\d.]+s 'get'=[\d.]+s 'delete'=[\d.]+s 'remove'=[\d.]+s$/,
    );
    expect(steps.map((l) => l.split(':')[0])).toEqual([
      'login',
      'scope',
      'endpoint',
      'container',
      'put',
      'get',
      'delete',
      'remove',
    ]);
    // nothing left in the project's account
    const containers = await admin.send({
      service: 'object-store',
      method: 'GET',
      path: '',
      query: { format: 'json' },
    });
    expect((await containers.json()) as unknown[]).toEqual([]);
  });

  it('vm: boots the image found by its registry reference and deletes it, OK with the times', async () => {
    const { code, stdout } = await runCli([
      'probe',
      'vm',
      ...site,
      '--registry-image',
      REF,
      '--monitor-host',
      HOST,
      '-v',
    ]);
    expect(code, stdout).toBe(0);
    const [first, ...steps] = stdout.trim().split('\n');
    expect(first).toMatch(
      /^OK: Compute instance=[0-9a-f-]{36} created\([\d.]+s\) and destroyed\([\d.]+s\) \| 'login'=/,
    );
    expect(steps).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^flavor: m1\.\w+ /),
        expect.stringMatching(/^delete: server deleted/),
      ]),
    );
    const left = (await collectAll(paginateServers(admin))).filter(
      (s) => s.metadata['argo-mon-host'] === HOST,
    );
    expect(left).toEqual([]);
  });

  it('vm: deletes a server an earlier run of this host left behind and ends WARNING', async () => {
    const flavor = (await listFlavors(admin)).find((f) => f.name === 'm1.small')!;
    const [image] = await collectAll(paginateImages(admin, { name: 'Local Ubuntu 22.04' }));
    const old = await createServer(admin, {
      name: 'cloudmonprobe-servertest',
      flavorId: flavor.id!,
      imageId: image!.id,
      networks: 'none',
      metadata: { 'argo-mon-host': HOST },
    });
    await waitForServer(admin, old, ['ACTIVE']);
    const { code, stdout } = await runCli([
      'probe',
      'vm',
      ...site,
      '--image',
      image!.id,
      '--monitor-host',
      HOST,
    ]);
    expect(code, stdout).toBe(1);
    expect(stdout).toMatch(/^WARNING: previous run server still running \(deleted\); Compute instance=/);
    expect((await collectAll(paginateServers(admin))).some((s) => s.id === old)).toBe(false);
  });

  it('is UNKNOWN on bad arguments and CRITICAL on a missing image', async () => {
    const noEndpoint = await runCli(['probe', 'vm']);
    expect(noEndpoint).toMatchObject({
      code: 3,
      stdout: "UNKNOWN: required option '--endpoint <url>' not specified\n",
    });
    const badTimeout = await runCli(['probe', 'keystone', ...site, '-t', 'soon']);
    expect(badTimeout.code).toBe(3);
    expect(badTimeout.stdout).toMatch(
      /^UNKNOWN: option '-t, --timeout <seconds>' argument 'soon' is invalid/,
    );
    const noImage = await runCli([
      'probe',
      'vm',
      ...site,
      '--image',
      '00000000-0000-0000-0000-000000000000',
      '--monitor-host',
      HOST,
    ]);
    expect(noImage.code).toBe(2);
    expect(noImage.stdout).toMatch(
      /^CRITICAL: no active monitoring image 00000000-0000-0000-0000-000000000000 among the project's \d+ images/,
    );
    const noToken = await runCli(['probe', 'keystone', '--endpoint', a.OS_AUTH_URL!], {
      env: { FEDSTACK_OIDC_ACCESS_TOKEN: '' },
    });
    expect(noToken.code).toBe(3);
    expect(noToken.stdout).toMatch(/^UNKNOWN: give --access-token-file FILE/);
  });

  it('infoprovider and accounting: OK for a site the hub knows and has fresh records of, CRITICAL for one it does not, UNKNOWN when the hub is away', async () => {
    const store = await openTestStore('sqlite');
    const hub = await buildHub({ store: store.store, adminToken: `probe-admin-${process.pid}` });
    await hub.listen({ host: '127.0.0.1', port: 0 });
    const hubUrl = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
    try {
      const publisher = await addTestToken(
        store.store,
        `probe-pub-${process.pid}`,
        'publisher',
        'TESTBED-SITE-A',
      );
      const reader = path.join(dir, 'hub-token');
      writeFileSync(reader, `${publisher}\n`);
      const { file } = writeTestbedSiteYaml(dir, () => ({}), 'site-a', 'probe-site.yaml');
      const outcome = await runDiscovery(
        {
          config: loadSiteConfig(file),
          logger: silentLogger,
          signal: new AbortController().signal,
          clock: Date.now,
        },
        { gocdbId: 'probe-id', gocdbUrl: false, publish: { url: hubUrl, tokenFor: () => publisher } },
      );
      expect(outcome.publishError).toBeUndefined();
      const info = await runCli([
        'probe',
        'infoprovider',
        '--endpoint',
        a.OS_AUTH_URL!,
        '--is-endpoint',
        hubUrl,
      ]);
      expect(info.code, info.stdout).toBe(0);
      expect(info.stdout).toMatch(
        /^OK: site TESTBED-SITE-A publishing up to date information for 2 VOs \| 'information-system'=/,
      );
      const notThere = await runCli([
        'probe',
        'infoprovider',
        '--endpoint',
        'https://other.example.org:5000/v3',
        '--is-endpoint',
        hubUrl,
      ]);
      expect(notThere).toMatchObject({
        code: 2,
        stdout: expect.stringMatching(
          /^CRITICAL: endpoint https:\/\/other\.example\.org:5000\/v3 is not in the information system/,
        ),
      });
      const away = await runCli([
        'probe',
        'infoprovider',
        '--endpoint',
        a.OS_AUTH_URL!,
        '--is-endpoint',
        'http://127.0.0.1:1',
        '-t',
        '2',
      ]);
      expect(away.code).toBe(3);
      expect(away.stdout).toMatch(/^UNKNOWN: the information system cannot be read/);

      // accounting: nothing sent yet, then a real extraction sent to the hub
      const accountingProbe = (...extra: string[]) =>
        runCli([
          'probe',
          'accounting',
          '--hub',
          hubUrl,
          '--site',
          'TESTBED-SITE-A',
          '--token-file',
          reader,
          ...extra,
        ]);
      const none = await accountingProbe();
      expect(none.code).toBe(2);
      expect(none.stdout).toMatch(
        /^CRITICAL: site TESTBED-SITE-A has sent no accounting data to the hub \| 'hub'=/,
      );
      const cfg = accountingConfig('site-a', {
        default_extract_from: String(Math.floor(Date.now() / 1000) - 2 * 86_400),
        ams: {
          url: hubUrl,
          project: 'accounting',
          topic: 'eu-egi-cloud-accounting',
          token_file: 'ams-token',
        },
      });
      writeFileSync(path.join(cfg.dir, 'ams-token'), `${publisher}\n`);
      expect((await runCli(['site', 'accounting', 'extract', '--config', cfg.file])).code).toBe(0);
      const sent = await runCli(['site', 'accounting', 'send', '--config', cfg.file]);
      expect(sent.code, sent.stderr).toBe(0);
      await hub.hub.ingest!.drain();
      rmSync(cfg.dir, { recursive: true, force: true });
      const fresh = await accountingProbe('-w', '7', '-c', '30');
      expect(fresh.code, fresh.stdout).toBe(0);
      expect(fresh.stdout).toMatch(
        /^OK: site TESTBED-SITE-A: last accounting data 0 days ago \(.+, \d+ cloud records\) \| 'hub'=[\d.]+s 'age'=[\d.]+s\n$/,
      );
      const hubAway = await runCli([
        'probe',
        'accounting',
        '--hub',
        'http://127.0.0.1:1',
        '--site',
        'X',
        '-t',
        '2',
      ]);
      expect(hubAway.code).toBe(3);
    } finally {
      await hub.close();
      await store.dispose();
    }
  });
});
