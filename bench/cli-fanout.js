// Benchmark of `fedstack servers list --all-sites`: the two testbed sites plus 48 loopback
// Keystone/Nova stand-ins in their own process (real HTTP; each site answers every request after
// its own 50–300 ms), of which 2 refuse connections and 1 accepts them and never answers. The
// per-site time limit is 3 s.
//
// - cold: empty token cache; `over_deadline_s` is the wall time of the whole process minus the
//   longest any site may take (the slowest live site, or the 3 s limit the silent one runs into);
// - warm: the same again; `warm_keystone_calls` counts the Keystone requests it made (the
//   stand-ins count theirs, the testbed sites' logins come from the JSON output): 0 expected;
// - side by side over the two testbed sites, A B A B: the warm `fedstack servers list` against
//   the fedcloudclient way, one `openstack server list` process per site at once, each with a
//   Keystone token (from `fedstack env`); `ratio_to_openstack_cli` is fedstack's time over
//   openstack's, the median of the pairs, with the range of the pairs.
//
// Run:  npm run build && node bench/cli-fanout.js    (needs the testbed: testbed/openstack.sh up)
// Prints ONE JSON line. Targets (issue): warm_two_sites_s < 0.5, warm_keystone_calls 0, over_deadline_s < 1.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';

const run = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, '..', 'dist', 'cli.js');
const TESTBED = process.env.FEDSTACK_TESTBED_DIR ?? path.join(os.tmpdir(), 'os-testbed');
const VO = 'vo.access.egi.eu';
const STAND_INS = 48;
const REFUSED = 2;
const SILENT = 1;
const TIMEOUT_S = 3;
const PAIRS = Number(process.env.BENCH_PAIRS ?? 5);

/** The stand-ins, in their own process: per site a Keystone (federated login, rescope) and a Nova. */
function startStandIns() {
  const source = `
    const http = require('node:http');
    const net = require('node:net');
    let keystone = 0;
    const sites = [];
    const json = (res, status, body, headers = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    const start = (i, latency) => new Promise((resolve) => {
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => setTimeout(() => {
          const port = server.address().port;
          const expires = new Date(Date.now() + 3600_000).toISOString();
          if (req.url.startsWith('/v3/')) keystone++;
          if (req.method === 'POST' && req.url.includes('/OS-FEDERATION/')) {
            return json(res, 201, { token: { expires_at: expires, methods: ['openid'], user: { id: 'u', name: 'user@egi.eu' } } }, { 'x-subject-token': 'unscoped-' + i });
          }
          if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
            return json(res, 201, { token: { expires_at: expires, methods: ['token'], user: { id: 'u', name: 'user@egi.eu' },
              project: { id: 'p' + i, name: 'vo' }, roles: [{ name: 'member' }],
              catalog: [{ type: 'compute', name: 'nova', endpoints: [{ interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: 'http://127.0.0.1:' + port + '/compute/v2.1' }] }] } },
              { 'x-subject-token': 'scoped-' + i });
          }
          if (req.url === '/compute/v2.1' || req.url === '/compute/v2.1/') {
            return json(res, 200, { version: { id: 'v2.1', status: 'CURRENT', version: '2.95', min_version: '2.1' } });
          }
          if (req.url.startsWith('/compute/v2.1/servers/detail')) {
            const servers = Array.from({ length: 3 }, (_, k) => ({
              id: 'site' + i + '-vm' + k, name: 'vm-' + k, status: 'ACTIVE', tenant_id: 'p' + i, user_id: 'u',
              created: '2026-12-01T00:00:00Z', updated: '2026-12-01T00:00:00Z', addresses: {},
              flavor: { original_name: 'm1.small', vcpus: 1, ram: 2048, disk: 20, ephemeral: 0, swap: 0, extra_specs: {} },
              image: { id: 'img' }, metadata: {}, 'OS-EXT-STS:vm_state': 'active' }));
            return json(res, 200, { servers });
          }
          json(res, 404, { error: 'no such path ' + req.url });
        }, latency));
      });
      server.keepAliveTimeout = 60000;
      server.listen(0, '127.0.0.1', () => resolve(server.address().port));
    });
    (async () => {
      for (let i = 0; i < ${STAND_INS - REFUSED - SILENT}; i++) sites.push({ port: await start(i, 50 + Math.floor(Math.random() * 250)), kind: 'live' });
      for (let i = 0; i < ${REFUSED}; i++) {
        const s = net.createServer(); await new Promise((r) => s.listen(0, '127.0.0.1', r));
        const port = s.address().port; s.close(); sites.push({ port, kind: 'refused' });
      }
      for (let i = 0; i < ${SILENT}; i++) {
        const s = net.createServer((socket) => socket.on('error', () => {}));
        await new Promise((r) => s.listen(0, '127.0.0.1', r)); sites.push({ port: s.address().port, kind: 'silent' });
      }
      const control = http.createServer((req, res) => json(res, 200, { keystone }));
      control.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ sites, control: control.address().port }) + '\\n'));
    })();`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      if (text.includes('\n')) resolve({ child, ...JSON.parse(text) });
    });
  });
}

async function keystoneCalls(control) {
  const res = await fetch(`http://127.0.0.1:${control}/`);
  return (await res.json()).keystone;
}

function testbedSite(name) {
  const env = Object.fromEntries(
    readFileSync(path.join(TESTBED, name, 'site.env'), 'utf8')
      .split('\n')
      .map((l) => /^([A-Z_]+)=(.*)$/.exec(l))
      .filter(Boolean)
      .map((m) => [m[1], m[2].replace(/^'(.*)'$/, '$1')]),
  );
  const yaml = parse(readFileSync(path.join(TESTBED, name, 'site.yaml'), 'utf8'));
  const project = yaml.vos.find((v) => v.name === VO).auth.project_id;
  return {
    name: yaml.gocdb,
    settings: {
      endpoint: env.OS_AUTH_URL,
      federation_endpoint: env.TESTBED_FEDERATION_URL,
      projects: { [VO]: project },
    },
  };
}

async function timed(fn) {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { s: Number(process.hrtime.bigint() - t) / 1e9, value };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-bench-fanout-'));
  const standIns = await startStandIns();
  try {
    const token = (
      await run(path.join(HERE, '..', 'testbed', 'openstack.sh'), [
        'token',
        '--sub',
        `bench-${process.pid}`,
        '--entitlements',
        `urn:mace:egi.eu:group:${VO}:role=vm_operator#aai.egi.eu`,
      ])
    ).stdout.trim();
    const testbed = ['site-a', 'site-b'].map(testbedSite);
    const sites = Object.fromEntries(testbed.map((s) => [s.name, s.settings]));
    const twoSites = { ...sites };
    for (const [i, s] of standIns.sites.entries())
      sites[`STAND-IN-${String(i).padStart(2, '0')}-${s.kind}`] = {
        endpoint: `http://127.0.0.1:${s.port}/v3`,
        projects: { [VO]: `p${i}` },
      };
    const write = (file, siteMap) =>
      writeFileSync(file, stringify({ timeout_seconds: TIMEOUT_S, concurrency: 64, sites: siteMap }));
    write(path.join(dir, 'all.yaml'), sites);
    write(path.join(dir, 'two.yaml'), twoSites);
    const env = {
      ...process.env,
      FEDSTACK_OIDC_ACCESS_TOKEN: token,
      XDG_CACHE_HOME: path.join(dir, 'cache'),
      XDG_CONFIG_HOME: path.join(dir, 'config'),
    };
    const list = async (config) => {
      const r = await run(
        process.execPath,
        [CLI, 'servers', 'list', '--all-sites', '--vo', VO, '--output', 'json'],
        {
          env: { ...env, FEDSTACK_CLIENT_CONFIG: config },
          maxBuffer: 64 << 20,
        },
      ).catch((e) => e); // exit 1: some sites failed, as planned
      return JSON.parse(r.stdout);
    };

    const cold = await timed(() => list(path.join(dir, 'all.yaml')));
    const liveMs = cold.value.sites.filter((s) => s.ok).map((s) => s.ms);
    const deadlineS = Math.max(Math.max(...liveMs) / 1000, SILENT > 0 ? TIMEOUT_S : 0);
    const before = await keystoneCalls(standIns.control);
    const warm = await timed(() => list(path.join(dir, 'all.yaml')));
    const warmKeystone =
      (await keystoneCalls(standIns.control)) - before + warm.value.sites.reduce((n, s) => n + s.logins, 0);

    // side by side over the two testbed sites
    const envScripts = await Promise.all(
      testbed.map(
        async (s) =>
          (
            await run(process.execPath, [CLI, 'env', '--site', s.name, '--vo', VO], {
              env: { ...env, FEDSTACK_CLIENT_CONFIG: path.join(dir, 'two.yaml') },
            })
          ).stdout,
      ),
    );
    const openstackBoth = () =>
      Promise.all(
        envScripts.map((script) =>
          run('sh', ['-c', `${script}\nopenstack server list -f json >/dev/null`], {
            env: { PATH: process.env.PATH, HOME: dir },
            timeout: 120_000,
          }),
        ),
      );
    const fedstack = [];
    const openstack = [];
    await list(path.join(dir, 'two.yaml')); // warm both caches
    for (let i = 0; i < PAIRS; i++) {
      fedstack.push((await timed(() => list(path.join(dir, 'two.yaml')))).s);
      openstack.push((await timed(openstackBoth)).s);
    }
    const ratios = fedstack.map((f, i) => f / openstack[i]);
    process.stdout.write(
      JSON.stringify({
        bench: 'cli-fanout',
        sites: testbed.length + STAND_INS,
        live_sites: cold.value.sites.filter((s) => s.ok).length,
        failed_sites: cold.value.errors.length,
        timeout_s: TIMEOUT_S,
        cold_wall_s: round(cold.s),
        slowest_live_site_s: round(Math.max(...liveMs) / 1000),
        deadline_s: round(deadlineS),
        over_deadline_s: round(cold.s - deadlineS),
        warm_wall_s: round(warm.s),
        warm_over_deadline_s: round(warm.s - deadlineS),
        warm_keystone_calls: warmKeystone,
        warm_two_sites_s: round(median(fedstack)),
        warm_two_sites_range_s: [round(Math.min(...fedstack)), round(Math.max(...fedstack))],
        openstack_cli_two_sites_s: round(median(openstack)),
        openstack_cli_two_sites_range_s: [round(Math.min(...openstack)), round(Math.max(...openstack))],
        ratio_to_openstack_cli: round(median(ratios)),
        ratio_range: [round(Math.min(...ratios)), round(Math.max(...ratios))],
        pairs: PAIRS,
      }) + '\n',
    );
  } finally {
    standIns.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
