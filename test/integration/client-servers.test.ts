// The researcher's commands against both testbed sites, with the hub's information system filled
// by real discovery: sites, vos, servers list everywhere (a blackholed site costs one line and no
// more than its time limit), the Keystone token cache, and `fedstack env` used by the real
// `openstack` CLI.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildHub, type HubApp } from '../../src/hub/app.js';
import {
  createImage,
  deleteImage,
  deleteServer,
  collectAll,
  paginateServers,
  uploadImageData,
  type OpenStackSession,
} from '../../src/openstack/index.js';
import { deleteAll } from '../helpers/cleanup.js';
import { CLI, runCli } from '../helpers/cli.js';
import { until } from '../helpers/daemon.js';
import { adminInProject } from '../helpers/sessions.js';
import { IDP_CLIENT_SECRET, IDP_DEVICE_CLIENT, startTestIdp } from '../helpers/test-idp.js';
import { bootTestServers } from '../helpers/test-servers.js';
import { mintToken, testbedEnv } from '../helpers/testbed.js';
import { publishTestbedDiscovery } from '../helpers/testbed-discovery.js';
import { openTestStore, type TestStore } from '../helpers/test-stores.js';

const run = promisify(execFile);
const VO = 'vo.access.egi.eu';
const E = (rest: string) => `urn:mace:egi.eu:group:${rest}#aai.egi.eu`;
const ONLY_B = `client-it-only-b-${process.pid}`;

interface ServersJson {
  servers: { site: string; vo: string; id: string; name: string; status: string }[];
  errors: { site: string; error: string }[];
  sites: { site: string; ok: boolean; ms: number; logins: number }[];
}

describe('fedstack servers, sites, vos and env against both testbed sites', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-client-it-'));
  const created: string[] = [];
  const images: string[] = [];
  let admin: OpenStackSession;
  let store: TestStore;
  let hub: HubApp;
  let hubBase = '';
  let blackhole: Server;
  const held = new Set<Socket>();
  let token = '';
  let memberOnly = '';
  const clientEnv = (extra: Record<string, string> = {}) => ({
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    // no login of the machine's user is used
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    FEDSTACK_CLIENT_CONFIG: path.join(dir, 'client.yaml'),
    FEDSTACK_OIDC_ACCESS_TOKEN: token,
    ...extra,
  });
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { env: clientEnv(extra) });

  beforeAll(async () => {
    // an image only site-b has (in the VO's project), so that --site auto must choose site-b
    admin = await adminInProject('site-b', 'vo');
    const only = await createImage(admin, { name: ONLY_B, diskFormat: 'raw', visibility: 'private' });
    images.push(only.id);
    await uploadImageData(admin, only.id, Readable.from([Buffer.alloc(64 * 1024)]), { sizeBytes: 64 * 1024 });
    // the hub's information system, filled by real discovery of both sites
    store = await openTestStore('sqlite');
    hub = await buildHub({ store: store.store, adminToken: `client-it-${process.pid}`, ingest: false });
    await hub.listen({ host: '127.0.0.1', port: 0 });
    hubBase = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
    await publishTestbedDiscovery(store.store, hubBase, dir, `client-it-${process.pid}`);
    // a site that accepts connections and never answers
    blackhole = createTcpServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const deadPort = (blackhole.address() as AddressInfo).port;
    // the testbed's OIDC fronts are on their own ports; a real site has them at its Keystone URL
    writeFileSync(
      path.join(dir, 'client.yaml'),
      stringify({
        hub: hubBase,
        sites: {
          'TESTBED-SITE-A': { federation_endpoint: testbedEnv('site-a').TESTBED_FEDERATION_URL },
          'TESTBED-SITE-B': { federation_endpoint: testbedEnv('site-b').TESTBED_FEDERATION_URL },
        },
      }),
    );
    writeFileSync(
      path.join(dir, 'with-dead.yaml'),
      stringify({
        hub: hubBase,
        timeout_seconds: 3,
        sites: {
          'TESTBED-SITE-A': { federation_endpoint: testbedEnv('site-a').TESTBED_FEDERATION_URL },
          'TESTBED-SITE-B': { federation_endpoint: testbedEnv('site-b').TESTBED_FEDERATION_URL },
          'DEAD-SITE': { endpoint: `http://127.0.0.1:${deadPort}/v3`, projects: { [VO]: 'f'.repeat(32) } },
        },
      }),
    );
    token = await mintToken(`client-it-${process.pid}`, [
      E(`${VO}:role=member`),
      E(`${VO}:role=vm_operator`),
      E('fedcloud.egi.eu:role=member'),
    ]);
    memberOnly = await mintToken(`client-it-member-${process.pid}`, [E(`${VO}:role=member`)]);

    // one server of the VO at site-b
    created.push(...(await bootTestServers(admin, [`client-it-${process.pid}`])));
  }, 300_000);

  afterAll(async () => {
    if (admin) {
      await deleteAll(created, (id) => deleteServer(admin, id));
      await deleteAll(images, (id) => deleteImage(admin, id));
    }
    for (const s of held) s.destroy();
    blackhole?.close();
    await hub?.close();
    await store?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the sites where the VO has a project, from the information system', async () => {
    const { code, stdout, stderr } = await cli(['sites', '--vo', VO, '--output', 'json']);
    expect(code, stderr).toBe(0);
    const { sites } = JSON.parse(stdout) as { sites: { name: string; projects: Record<string, string> }[] };
    expect(sites.map((s) => s.name)).toEqual(['TESTBED-SITE-A', 'TESTBED-SITE-B']);
    expect(sites[1]!.projects[VO]).toBe(await admin.projectId());
  });

  it('lists the VO’s images and flavors by site from the information system, GPU flavors on their own', async () => {
    const images = await cli(['images', '--vo', VO, '--name', ONLY_B, '--output', 'json']);
    expect(images.code, images.stderr).toBe(0);
    expect((JSON.parse(images.stdout) as { images: { site: string; name: string }[] }).images).toEqual([
      expect.objectContaining({ site: 'TESTBED-SITE-B', name: ONLY_B }),
    ]);
    expect(
      (await cli(['images', '--vo', VO, '--os', 'ubuntu', '--site', 'TESTBED-SITE-A', '--output', 'first']))
        .stdout,
    ).toMatch(/^[0-9a-f-]{36}\n$/);
    const gpus = JSON.parse((await cli(['flavors', '--vo', VO, '--gpu', '--output', 'json'])).stdout) as {
      flavors: { site: string; name: string; accelerator?: { model?: string } }[];
    };
    expect(gpus.flavors.length).toBeGreaterThan(0);
    expect(gpus.flavors.every((f) => f.accelerator !== undefined)).toBe(true);
    const small = await cli(['flavors', '--vo', VO, '--min-cpu', '1', '--output', 'first']);
    expect(small.stdout.trim()).toMatch(/^m1\./);
  });

  it('marks which VOs may launch VMs', async () => {
    const { code, stdout } = await cli(['vos']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^fedcloud\.egi\.eu\s+no\s+member\s+urn:mace:egi\.eu:group:fedcloud\.egi\.eu:vm_operator:role=member#aai\.egi\.eu$/m,
    );
    expect(stdout).toMatch(/^vo\.access\.egi\.eu\s+yes\s+member, vm_operator$/m);
    expect(stdout).not.toContain(token);
  });

  it('lists the servers of both sites, logging in once per site and not at all the next time', async () => {
    const first = await cli(['servers', 'list', '--all-sites', '--vo', VO, '--output', 'json']);
    expect(first.code, first.stderr).toBe(0);
    const listed = JSON.parse(first.stdout) as ServersJson;
    expect(listed.errors).toEqual([]);
    expect(listed.servers.find((s) => s.id === created[0])).toMatchObject({
      site: 'TESTBED-SITE-B',
      vo: VO,
      status: 'ACTIVE',
    });
    expect(listed.sites.map((s) => s.logins)).toEqual([1, 1]);
    const second = JSON.parse(
      (await cli(['servers', 'list', '--all-sites', '--vo', VO, '--output', 'json'])).stdout,
    ) as ServersJson;
    expect(second.sites.map((s) => s.logins)).toEqual([0, 0]);
    expect(second.servers.map((s) => s.id)).toEqual(listed.servers.map((s) => s.id));
  });

  it('answers within the time limit + 1 s when a site accepts connections and never answers, with the other sites’ servers and one line for it', async () => {
    const started = Date.now();
    const { code, stdout, stderr } = await cli([
      'servers',
      'list',
      '--vo',
      VO,
      '--output',
      'json',
      '--client-config',
      path.join(dir, 'with-dead.yaml'),
    ]);
    const elapsed = Date.now() - started;
    expect(code).toBe(1);
    expect(elapsed).toBeLessThan(4_000);
    const listed = JSON.parse(stdout) as ServersJson;
    expect(listed.servers.map((s) => s.id)).toContain(created[0]);
    expect(listed.errors).toEqual([
      { site: 'DEAD-SITE', error: expect.stringMatching(/^DEAD-SITE: .*3000 ms/) },
    ]);
    expect(stderr.trim().split('\n')).toEqual([`fedstack: ${listed.errors[0]!.error}`]);
  });

  it('refuses an expired or missing token with a clear message, and never prints the token', async () => {
    const none = await runCli(['servers', 'list'], {
      env: { ...clientEnv(), FEDSTACK_OIDC_ACCESS_TOKEN: '' },
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /no OIDC access token: run fedstack login, give --token or FEDSTACK_OIDC_ACCESS_TOKEN, or an oidc-agent account/,
    );
    const expired = await mintToken(`client-it-old-${process.pid}`, [E(`${VO}:role=vm_operator`)], 1);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const old = await cli(['servers', 'list'], { FEDSTACK_OIDC_ACCESS_TOKEN: expired });
    expect(old.stderr).toMatch(/the access token \(from environment\) expired at/);
    const shown = await cli(['token', 'show'], { FEDSTACK_OIDC_ACCESS_TOKEN: memberOnly });
    expect(shown.stdout).toMatch(/^subject\s+client-it-member-/m);
    expect(shown.stdout).not.toContain(memberOnly);
    expect((await cli(['token', 'show', '--raw'], { FEDSTACK_OIDC_ACCESS_TOKEN: memberOnly })).stdout).toBe(
      `${memberOnly}\n`,
    );
  });

  it('refuses a member without vm_operator before creating anything', async () => {
    const before = (await collectAll(paginateServers(admin))).length;
    const { code, stderr } = await cli(
      ['servers', 'create', '--vo', VO, '--image', ONLY_B, '--flavor', 'm1.small'],
      { FEDSTACK_OIDC_ACCESS_TOKEN: memberOnly },
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /VO vo\.access\.egi\.eu: the token is a member but lacks its cloud entitlement urn:mace:egi\.eu:group:vo\.access\.egi\.eu:role=vm_operator#aai\.egi\.eu, so it may not launch VMs; nothing was created/,
    );
    expect((await collectAll(paginateServers(admin))).length).toBe(before);
  });

  it('creates a server where the image is (--site auto), with a key and a floating IP, finds it everywhere, and deletes it', async () => {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'key')]);
    const name = `client-it-auto-${process.pid}`;
    const made = await cli([
      'servers',
      'create',
      '--vo',
      VO,
      '--image',
      ONLY_B,
      '--min-cpu',
      '1',
      '--site',
      'auto',
      '--name',
      name,
      '--key-file',
      path.join(dir, 'key.pub'),
      '--network',
      'auto',
      '--floating-ip',
      '--output',
      'json',
    ]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toMatch(
      /^fedstack: chose TESTBED-SITE-B: image "client-it-only-b-\d+", flavor m1\.\w+ .*not possible: TESTBED-SITE-A: no image/m,
    );
    const [server] = (JSON.parse(made.stdout) as ServersJson).servers;
    created.push(server!.id);
    expect(server).toMatchObject({ site: 'TESTBED-SITE-B', name, status: 'ACTIVE' });
    const ip = /floating IP (\S+)/.exec(made.stderr)![1]!;

    const listed = JSON.parse(
      (await cli(['servers', 'list', '--all-sites', '--vo', VO, '--output', 'json'])).stdout,
    ) as ServersJson & {
      servers: { addresses: string[] }[];
    };
    expect(listed.servers.find((s) => s.id === server!.id)).toMatchObject({
      site: 'TESTBED-SITE-B',
      addresses: expect.arrayContaining([ip]),
    });
    const ssh = await cli(['servers', 'ssh', name]);
    expect(ssh.stdout).toMatch(new RegExp(`^ssh \\w+@${ip.replace(/\./g, '\\.')}\n$`));

    const gone = await cli(['servers', 'delete', server!.id]);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stdout).toMatch(
      /^deleted client-it-auto-\d+ \(.+\) at TESTBED-SITE-B; released 1 floating IP/,
    );
    await until('the server to be gone', async () =>
      (await collectAll(paginateServers(admin))).some((s) => s.id === server!.id) ? undefined : true,
    );
  });

  it('logs in with the device flow, keeps the refresh token 0600, refreshes an expired access token, and logs out', async () => {
    const idp = await startTestIdp();
    try {
      const home = path.join(dir, 'home-device');
      const env = {
        ...clientEnv(),
        FEDSTACK_OIDC_ACCESS_TOKEN: '',
        XDG_CONFIG_HOME: home,
        FEDSTACK_OIDC_AGENT_ACCOUNT: '',
      };
      const login = spawn(
        process.execPath,
        [CLI, 'login', '--issuer', idp.url, '--client-id', IDP_DEVICE_CLIENT],
        {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      login.stdout.on('data', (c: Buffer) => (out += c.toString()));
      login.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const exited = new Promise<number | null>((resolve) => login.on('exit', resolve));
      const userCode = await until(
        'the device code prompt',
        async () => /\(code (\S+), valid for/.exec(err)?.[1],
        20_000,
      );
      expect(err).toMatch(/^To log in, open http:\/\/127\.0\.0\.1:\d+\/device/);
      await idp.approveDevice(userCode, `device-${process.pid}@egi.eu`, [
        E(`${VO}:role=member`),
        E(`${VO}:role=vm_operator`),
      ]);
      expect(await exited, err).toBe(0);
      expect(out).toMatch(
        /^logged in as device-\d+@egi\.eu at https:\/\/aai\.testbed\.local\/realms\/egi \(refresh token, kept in .*login\.json\)\nVOs: vo\.access\.egi\.eu\n$/,
      );
      const file = path.join(home, 'fedstack', 'login.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const stored = JSON.parse(readFileSync(file, 'utf8')) as {
        refreshToken: string;
        accessToken: string;
        accessTokenExpiresAtMs: number;
      };
      expect(stored.refreshToken).toBeTruthy();

      // later commands use it; an access token about to expire is refreshed (and stored)
      writeFileSync(file, JSON.stringify({ ...stored, accessTokenExpiresAtMs: Date.now() + 30_000 }), {
        mode: 0o600,
      });
      const listed = await runCli(['servers', 'list', '--all-sites', '--vo', VO, '--output', 'json'], {
        env,
      });
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as ServersJson).servers.map((s) => s.id)).toContain(created[0]);
      const after = JSON.parse(readFileSync(file, 'utf8')) as { accessToken: string };
      expect(after.accessToken).not.toBe(stored.accessToken);

      expect((await runCli(['logout'], { env })).stdout).toBe('logged out\n');
      const none = await runCli(['servers', 'list'], { env });
      expect(none.stderr).toMatch(/no OIDC access token: run fedstack login/);
    } finally {
      await idp.close();
    }
  });

  it('logs in with an oidc-agent account (Debian’s oidc-agent, configured against the test IdP) and lists with it', async () => {
    const idp = await startTestIdp();
    const agentDir = path.join(dir, 'oidc-agent');
    const agentEnv = { ...process.env, HOME: agentDir, OIDC_CONFIG_DIR: path.join(agentDir, 'config') };
    mkdirSync(agentDir, { recursive: true });
    const started = (
      await run(
        'oidc-agent',
        ['--no-autoload', '--no-webserver', '--no-scheme', '-a', path.join(agentDir, 'sock')],
        { env: agentEnv },
      )
    ).stdout;
    const pid = /OIDCD_PID=(\d+)/.exec(started)![1]!;
    const withAgent = { ...agentEnv, OIDC_SOCK: path.join(agentDir, 'sock'), OIDCD_PID: pid };
    try {
      const refreshToken = await idp.refreshTokenFor(`agent-${process.pid}@egi.eu`, [
        E(`${VO}:role=vm_operator`),
      ]);
      await run(
        'oidc-gen',
        [
          'fedstack-it',
          `--issuer=${idp.url}`,
          '--client-id=fedstack',
          `--client-secret=${IDP_CLIENT_SECRET}`,
          `--rt=${refreshToken}`,
          '--scope=openid offline_access',
          '--pw-cmd=echo pw',
          '--confirm-default',
          '--redirect-uri=http://localhost:4242',
        ],
        { env: withAgent, timeout: 30_000 },
      );
      const env = {
        ...clientEnv(),
        ...withAgent,
        FEDSTACK_OIDC_ACCESS_TOKEN: '',
        XDG_CONFIG_HOME: path.join(dir, 'home-agent'),
      };
      const login = await runCli(['login', '--oidc-agent', 'fedstack-it'], { env });
      expect(login.code, login.stderr).toBe(0);
      expect(login.stdout).toMatch(
        /^logged in as agent-\d+@egi\.eu .*\(oidc-agent account fedstack-it, kept in/,
      );
      const listed = await runCli(['servers', 'list', '--all-sites', '--vo', VO, '--output', 'json'], {
        env,
      });
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as ServersJson).servers.map((s) => s.id)).toContain(created[0]);
      const shown = await runCli(['token', 'show', '--json'], { env });
      expect(JSON.parse(shown.stdout)).toMatchObject({
        source: 'login',
        subject: `agent-${process.pid}@egi.eu`,
      });
    } finally {
      await run('oidc-agent', ['-k'], { env: withAgent }).catch(() => undefined);
      await idp.close();
    }
  });

  it('runs the openstack CLI at every site and merges its JSON, matching servers list', async () => {
    const merged = await cli(['openstack', '--all-sites', '--vo', VO, '--', 'server', 'list', '-f', 'json'], {
      OS_USERNAME: 'leftover',
      OS_PASSWORD: 'leftover',
      OS_CLOUD: 'leftover',
    });
    expect(merged.code, merged.stderr).toBe(0);
    const rows = JSON.parse(merged.stdout) as { Site: string; ID: string }[];
    const ours = JSON.parse(
      (await cli(['servers', 'list', '--all-sites', '--vo', VO, '--output', 'json'])).stdout,
    ) as ServersJson;
    expect(rows.map((r) => `${r.Site} ${r.ID}`).sort()).toEqual(
      ours.servers.map((s) => `${s.site} ${s.id}`).sort(),
    );
    expect(rows.some((r) => r.ID === created[0] && r.Site === 'TESTBED-SITE-B')).toBe(true);
  });

  it('gives the openstack CLI a ready environment that lists the same servers', async () => {
    const env = await cli(['env', '--site', 'TESTBED-SITE-B', '--vo', VO]);
    expect(env.code, env.stderr).toBe(0);
    const { stdout } = await run('sh', ['-c', `${env.stdout}\nopenstack server list -f json`], {
      env: { PATH: process.env.PATH!, HOME: dir, OS_USERNAME: 'leftover', OS_PASSWORD: 'leftover' },
      timeout: 120_000,
    });
    const ours = JSON.parse(
      (await cli(['servers', 'list', '--site', 'TESTBED-SITE-B', '--vo', VO, '--output', 'json'])).stdout,
    ) as ServersJson;
    expect((JSON.parse(stdout) as { ID: string }[]).map((s) => s.ID).sort()).toEqual(
      ours.servers.map((s) => s.id).sort(),
    );
  });
});
