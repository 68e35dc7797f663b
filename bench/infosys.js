// Benchmark of the hub's information-system reads. Run: `npm run build && node bench/infosys.js [--sites 50] [--connections 32] [--seconds 5]`
//
// Loads N synthetic sites (default 50: 3 VOs, 10 images, 12 flavors each) into a fresh SQLite-backed
// information system, serves the infosys plugin on 127.0.0.1, and drives GET /v1/sites and GET /v1/flavors
// from a separate Node child process (this same file with --worker) over keep-alive connections, first
// with `Accept-Encoding: gzip` (what Python `requests` clients send) and then uncompressed (identity_*).
// Prints ONE JSON line: {"bench":"infosys","routes":{"/v1/sites":{"rps":…,"p99_ms":…,"identity_rps":…},…},"ok":…}.
// Exits 1 when a route misses the target with gzip (>= 5000 req/s and p99 < 20 ms, DESIGN.md).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const TARGET_RPS = 5000;
const TARGET_P99_MS = 20;
const ROUTES = ['/v1/sites', '/v1/flavors'];

const { values: args } = parseArgs({
  options: {
    worker: { type: 'boolean', default: false },
    url: { type: 'string' },
    sites: { type: 'string', default: '50' },
    connections: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '5' },
    encoding: { type: 'string', default: 'gzip' },
  },
});

/** The load generator: `connections` request loops over keep-alive sockets, for `seconds`. */
async function runWorker(url, connections, seconds, encoding) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let responseBytes = 0;
  const target = new URL(url);
  const once = () =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const req = http.get(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          headers: { 'accept-encoding': encoding },
        },
        (res) => {
          let bytes = 0;
          res.on('data', (chunk) => (bytes += chunk.length));
          res.on('end', () => (responseBytes = bytes));
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(process.hrtime.bigint() - started)
              : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
    });
  const loop = async (deadline, latencies) => {
    while (process.hrtime.bigint() < deadline) latencies.push(Number(await once()) / 1e6);
  };
  const measure = async (ms) => {
    const latencies = [];
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(ms) * 1_000_000n;
    await Promise.all(Array.from({ length: connections }, () => loop(deadline, latencies)));
    const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
    latencies.sort((a, b) => a - b);
    const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    return {
      requests: latencies.length,
      rps: Math.round(latencies.length / elapsedS),
      p50_ms: +p(0.5).toFixed(2),
      p99_ms: +p(0.99).toFixed(2),
      response_bytes: responseBytes,
    };
  };
  await measure(1000); // warm-up: JIT, sockets, response caches
  const result = await measure(seconds * 1000);
  agent.destroy();
  return result;
}

/** A synthetic site: 3 VOs, 10 images, 12 flavors (2 with GPUs), some servers. */
function syntheticSnapshot(i) {
  const site = `BENCH-SITE-${String(i).padStart(3, '0')}`;
  const flavors = Array.from({ length: 12 }, (_, f) => ({
    id: `flavor-${f}`,
    name: f < 10 ? `m${f}.standard` : `g${f}.gpu`,
    vcpus: 1 + f,
    ramMb: 1024 * (1 + f),
    diskGb: 10 * (1 + f),
    isPublic: f % 4 !== 0,
    extraSpecs: {},
    ...(f >= 10
      ? {
          accelerator: {
            type: 'GPU',
            number: f - 9,
            vendor: i % 2 ? 'NVIDIA' : 'AMD',
            model: 'Bench GPU',
            memoryMb: 16384,
          },
        }
      : {}),
  }));
  const images = Array.from({ length: 10 }, (_, m) => ({
    id: `image-${i}-${m}`,
    name: `registry.egi.eu egi_vm_images/bench:${m}`,
    architecture: 'x86_64',
    marketplaceUrl: `registry.egi.eu/egi_vm_images/bench:${m}-sha256:${m}`,
    egiImageRef: `egi_vm_images/bench:${m}`,
    version: `2026.${m}`,
  }));
  const shares = ['vo.access.egi.eu', 'fedcloud.egi.eu', `vo.bench${i % 5}.eu`].map((vo, v) => ({
    vo,
    projectId: `project-${i}-${v}`,
    projectName: vo,
    images,
    flavors: flavors.slice(v, 12),
    quotas: { instances: 20, cores: 80, ram: 204800 },
    serversByStatus: { ACTIVE: 5, SHUTOFF: 1, ERROR: v },
    health: 'ok',
  }));
  return {
    siteName: site,
    gocdbId: `${1000 + i}G0`,
    endpointUrl: `https://${site.toLowerCase()}.example.org:5000/v3`,
    versions: { computeApi: '2.1' },
    shares,
  };
}

async function runBench() {
  const dist = new URL('../dist/', import.meta.url);
  const load = (p) => import(new URL(p, dist).href);
  const [
    { HubStore },
    { migrateToLatest },
    { HubAuth },
    { InfosysService },
    { infosysPlugin },
    { buildGlueDocument },
  ] = await Promise.all([
    load('hub/store/hub-store.js'),
    load('hub/store/hub-migrator.js'),
    load('hub/auth/hub-auth.js'),
    load('hub/infosys/index.js'),
    load('hub/http/infosys.js'),
    load('formats/glue/index.js'),
  ]).catch((error) => {
    console.error(`bench/infosys.js needs the compiled tree: run \`npm run build\` first (${error.message})`);
    process.exit(2);
  });
  const { default: Fastify } = await import('fastify');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-bench-infosys-'));
  const store = HubStore.open({ kind: 'sqlite', file: path.join(dir, 'hub.sqlite') });
  try {
    await migrateToLatest(store);
    const infosys = await InfosysService.open(store);
    const admin = { role: 'admin', site: null, tokenId: null };
    const siteCount = Number(args.sites);
    const now = new Date();
    for (let i = 0; i < siteCount; i++) {
      const snapshot = syntheticSnapshot(i);
      await infosys.publish(
        snapshot.siteName,
        buildGlueDocument(snapshot, { now, validitySeconds: 43_200 }),
        admin,
      );
    }
    const app = Fastify({ logger: false });
    await app.register(infosysPlugin, { infosys, auth: new HubAuth(store) });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const routes = {};
    const drive = (route, encoding) => {
      const child = fork(new URL(import.meta.url).pathname, [
        '--worker',
        '--url',
        `${address}${route}`,
        '--connections',
        args.connections,
        '--seconds',
        args.seconds,
        '--encoding',
        encoding,
      ]);
      return new Promise((resolve, reject) => {
        child.on('message', resolve);
        child.on('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
      });
    };
    // Clients send Accept-Encoding: gzip (Python requests does by default); the uncompressed
    // figures are reported next to them for comparison.
    for (const route of ROUTES) {
      const gzip = await drive(route, 'gzip');
      const identity = await drive(route, 'identity');
      routes[route] = {
        ...gzip,
        identity_rps: identity.rps,
        identity_p99_ms: identity.p99_ms,
        identity_response_bytes: identity.response_bytes,
      };
    }
    await app.close();
    const isOk = Object.values(routes).every((r) => r.rps >= TARGET_RPS && r.p99_ms < TARGET_P99_MS);
    const line = {
      bench: 'infosys',
      sites: siteCount,
      connections: Number(args.connections),
      seconds: Number(args.seconds),
      node: process.version,
      cpus: os.cpus().length,
      routes,
      target: { rps: TARGET_RPS, p99_ms: TARGET_P99_MS },
      ok: isOk,
    };
    console.log(JSON.stringify(line));
    process.exitCode = isOk ? 0 : 1;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.worker) {
  const result = await runWorker(args.url, Number(args.connections), Number(args.seconds), args.encoding);
  process.send(result);
} else {
  await runBench();
}
