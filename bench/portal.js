// Portal benchmark: the hub's web portal over a hub filled with 100 sites × 24 months of accounting
// (4 VOs, 2 users each: one VM record per site, VO, user and month, published as APEL cloud messages
// and loaded by the hub's ingest consumer, then one summary rebuild), the 100 sites in the registry,
// their discovery (GLUE: 10 images, 12 flavors) in the information system and 10 image list entries
// per VO in the catalogue. The portal is public (no sign-in). Headless chromium (playwright-core,
// Debian's /usr/bin/chromium) loads /portal/accounting, /portal/sites, /portal/images,
// /portal/flavors and /portal/vms, and the bench measures:
//   - the compressed JavaScript each page downloads: every .js the page requested, fetched again with
//     `Accept-Encoding: br` and counted as sent (KB = 1024 bytes);
//   - first meaningful paint: navigation start until the page's content is drawn (accounting: the
//     `table.matrix`; the others: `main h1` plus a table or notice), median of 5 loads per page, each
//     in a fresh browser context (empty cache);
//   - the API calls the pages make (every /v1/ request they send): each distinct URL timed 20 times
//     with node's fetch after one warm-up, p50, p95 and max.
// Baselines of the same run: `GET /v1/status` timed the same way (`status_api_ms`), and /openapi.json
// loaded in chromium (`openapi_load_ms`: navigation start to its load event).
//
// Run:  npm run build && node bench/portal.js   (needs the built hub in dist/ and pages in dist/web)
// Env:  BENCH_SITES (default 100), BENCH_MONTHS (default 24), BENCH_LOADS (page loads, default 5),
//       BENCH_API_RUNS (timed calls per URL, default 20), BENCH_CHROMIUM (default /usr/bin/chromium).
//       Uses a temp directory (SQLite hub store), removed at the end.
// Prints ONE JSON line. Targets (docs/portal.md): max_page_js_kb <= 150, max_first_paint_ms <= 1000,
// max_api_ms (p50 of the slowest URL) <= 100.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const SITES = Number(process.env.BENCH_SITES ?? 100);
const MONTHS = Number(process.env.BENCH_MONTHS ?? 24);
const LOADS = Number(process.env.BENCH_LOADS ?? 5);
const API_RUNS = Number(process.env.BENCH_API_RUNS ?? 20);
const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';
const VOS = ['vo.access.egi.eu', 'fedcloud.egi.eu', 'vo.bench-a.eu', 'vo.bench-b.eu'];
const USERS_PER_VO = 2;
const IMAGES = 10;
const PROJECT = 'accounting';
const TOPIC = 'eu-egi-cloud-accounting';
const DAY = 86_400;
const ADMIN = { role: 'admin', site: null, tokenId: null };
const PAGES = ['/portal/accounting', '/portal/sites', '/portal/images', '/portal/flavors', '/portal/vms'];
const TARGETS = { max_page_js_kb: 150, max_first_paint_ms: 1000, max_api_ms: 100 };

const dist = new URL('../dist/', import.meta.url);
if (!existsSync(new URL('web/index.html', dist))) {
  console.error(
    'bench/portal.js needs the built pages (dist/web/index.html is missing): run `npm run build` first',
  );
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(
    `bench/portal.js needs chromium at ${CHROMIUM} (apt-get install chromium, or set BENCH_CHROMIUM)`,
  );
  process.exit(2);
}
const load = (p) => import(new URL(p, dist).href);
const [
  { HubStore, buildHub, migrateToLatest },
  { DEFAULT_PORTAL },
  { IngestConsumer },
  { buildGlueDocument },
  { chromium },
] = await Promise.all([
  load('hub/index.js'),
  load('hub/portal/index.js'),
  load('hub/accounting/ingest-consumer.js'),
  load('formats/glue/index.js'),
  import('playwright-core'),
]).catch((error) => {
  console.error(`bench/portal.js needs the compiled tree: run \`npm run build\` first (${error.message})`);
  process.exit(2);
});

const siteName = (i) => `BENCH-SITE-${String(i).padStart(3, '0')}`;
const mpuri = (m) => `https://appdb.example.org/store/vo/image/bench-${m}:1/`;
const round1 = (x) => Math.round(x * 10) / 10;
const round2 = (x) => Math.round(x * 100) / 100;
const median = (values) => percentile(values, 50);

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** `[start, end)` of the month `back` months before the current one, epoch seconds (UTC). */
function monthSpan(back, now) {
  const d = new Date(now * 1000);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1) / 1000;
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back + 1, 1) / 1000;
  return { start, end };
}

/**
 * The cASO-style record of the VM of (site `s`, VO `v`, user `u`) in the month `back` months ago:
 * it ran from early in the month until late in it (for the current month: until now) and completed.
 */
function record(s, v, u, back, now) {
  const { start: monthStart, end: monthEnd } = monthSpan(back, now);
  const end = Math.min(monthEnd - DAY, now - 60);
  const start = Math.min(monthStart + 3600 * (1 + ((s + v + u) % 12)), end - 60);
  const wall = end - start;
  const cpus = 1 << ((s + u) % 3);
  const vo = VOS[v];
  const user = `user${u}-${v}@egi.eu`;
  const vm = `${String(s).padStart(4, '0')}${v}${u}${String(back).padStart(3, '0')}`;
  return [
    `CloudComputeService: nova-${s}`,
    'CloudType: caso/5.2.2 (OpenStack)',
    `CpuCount: ${cpus}`,
    `CpuDuration: ${Math.floor(wall * cpus * 0.8)}`,
    `Disk: ${20 * cpus}`,
    `EndTime: ${end}`,
    `FQAN: ${vo}`,
    `GlobalUserName: ${user}`,
    `ImageId: image-${s}-${(v + u) % IMAGES}`,
    `LocalGroupId: ${String(s * 10 + v).padStart(32, '0')}`,
    `LocalUserId: ${Buffer.from(user).toString('hex').slice(0, 32).padStart(32, '0')}`,
    `MachineName: vm-${vm}`,
    `Memory: ${2048 * cpus}`,
    'PublicIPCount: 0',
    `SiteName: ${siteName(s)}`,
    `StartTime: ${start}`,
    'Status: completed',
    `VMUUID: ${vm.padStart(8, '0').slice(0, 8)}-0000-4000-a000-${vm.padStart(12, '0').slice(-12)}`,
    `WallDuration: ${wall}`,
  ].join('\n');
}

/** One APEL cloud message per site and month (its 4 VOs × 2 users), base64 as AMS carries them. */
function* messages(now) {
  for (let s = 0; s < SITES; s++) {
    for (let back = MONTHS - 1; back >= 0; back--) {
      const body = [];
      for (let v = 0; v < VOS.length; v++)
        for (let u = 0; u < USERS_PER_VO; u++) body.push(record(s, v, u, back, now));
      const text = `APEL-cloud-message: v0.4\n${body.join('\n%%\n')}\n`;
      yield { attributes: { empaid: `bench-${s}-${back}` }, data: Buffer.from(text).toString('base64') };
    }
  }
}

/** The discovery snapshot of site `i`: the 4 VOs, 10 images, 12 flavors (2 with GPUs). */
function snapshot(i) {
  const site = siteName(i);
  const flavors = Array.from({ length: 12 }, (_, f) => ({
    id: `flavor-${f}`,
    name: f < 10 ? `m${f}.standard` : `g${f}.gpu`,
    vcpus: 1 + f,
    ramMb: 1024 * (1 + f),
    diskGb: 10 * (1 + f),
    isPublic: true,
    extraSpecs: {},
    ...(f >= 10
      ? { accelerator: { type: 'GPU', number: f - 9, vendor: 'NVIDIA', model: 'A100', memoryMb: 40960 } }
      : {}),
  }));
  const images = Array.from({ length: IMAGES }, (_, m) => ({
    id: `image-${i}-${m}`,
    name: `Bench image ${m}`,
    architecture: 'x86_64',
    marketplaceUrl: mpuri(m),
    version: `2026.${m}`,
  }));
  return {
    siteName: site,
    gocdbId: `${1000 + i}G0`,
    endpointUrl: `https://${site.toLowerCase()}.example.org:5000/v3`,
    versions: { computeApi: '2.1' },
    shares: VOS.map((vo, v) => ({
      vo,
      projectId: `project-${i}-${v}`,
      projectName: vo,
      images,
      flavors,
      quotas: { instances: 20, cores: 80, ram: 204800 },
      serversByStatus: { ACTIVE: 5, SHUTOFF: 1 },
      health: 'ok',
    })),
  };
}

/** Entry `m` of a VO's image list (every field the catalogue's appdb profile requires). */
function catalogueEntry(m) {
  return {
    'dc:title': `Bench image ${m}`,
    'dc:description': `Benchmark image ${m}`,
    'hv:uri': `https://images.example.org/bench-${m}.qcow2`,
    'sl:checksum:sha512': 'a'.repeat(128),
    'hv:size': '1073741824',
    'hv:format': 'QCOW2',
    'hv:hypervisor': 'KVM',
    'hv:version': `2026.${m}`,
    'dc:date:expires': '2099-01-01T00:00:00Z',
    'sl:os': 'Linux',
    'sl:osname': 'Ubuntu',
    'sl:osversion': '24.04',
    'sl:arch': 'x86_64',
    'sl:comments': '',
    'ad:mpuri': mpuri(m),
    'ad:group': 'General group',
    'ad:user:fullname': 'Bench User',
    'ad:user:guid': 'bench-guid',
    'ad:user:uri': 'https://appdb.example.org/store/person/bench.user',
  };
}

/** Fills the hub: registry, discovery, catalogue, accounting (ingested), summaries. */
async function fill(app, store) {
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < SITES; i++) {
    await app.hub.registry.putSite(siteName(i), {
      officialName: `Benchmark site ${i}`,
      country: ['Spain', 'Italy', 'Germany', 'France'][i % 4],
      roc: 'NGI_BENCH',
      certificationStatus: 'Certified',
      productionStatus: 'Production',
      extensions: {},
    });
    await app.hub.infosys.publish(
      siteName(i),
      buildGlueDocument(snapshot(i), { now: new Date(now * 1000), validitySeconds: 43_200 }),
      ADMIN,
    );
  }
  for (const vo of VOS)
    for (let m = 0; m < IMAGES; m++) await app.hub.images.put(vo, `bench-${m}`, catalogueEntry(m), ADMIN);
  const consumer = new IngestConsumer(store, app.hub.messaging, {});
  await consumer.prepare();
  let batch = [];
  for (const m of messages(now)) {
    batch.push(m);
    if (batch.length === 100) {
      await app.hub.messaging.publish(PROJECT, TOPIC, batch, ADMIN);
      batch = [];
    }
  }
  if (batch.length) await app.hub.messaging.publish(PROJECT, TOPIC, batch, ADMIN);
  const totals = await consumer.drain();
  await consumer.stop();
  if (totals.rejected > 0) throw new Error(`the hub rejected ${totals.rejected} of the bench's records`);
  const summaries = await app.hub.summariser.refresh(true);
  return { records: totals.loaded, summaryRows: summaries.rows };
}

/** The bytes `url` sends with `Accept-Encoding: br`, as sent (not decoded), and its encoding. */
function compressedSize(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': 'br' } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk) => (bytes += chunk.length));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve({ bytes, encoding: res.headers['content-encoding'] ?? 'identity' })
            : reject(new Error(`${url}: HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Whether the page's main content is drawn (run in the page, polled every frame). */
function contentDrawn(page) {
  const isShown = (el) => el !== null && el.getClientRects().length > 0;
  const main = globalThis.document.querySelector('main');
  if (!main) return false;
  const ready =
    page === '/portal/accounting'
      ? isShown(main.querySelector('table.matrix'))
      : isShown(main.querySelector('h1')) && isShown(main.querySelector('table, .notice'));
  return ready ? performance.now() : false;
}

/**
 * Loads `page` in a fresh context and returns the ms from navigation start until its content is
 * drawn, with the JS and /v1/ URLs it requested (waiting for the network to settle, so late chunks
 * are seen too).
 */
async function loadPage(browser, base, page) {
  const context = await browser.newContext();
  try {
    const tab = await context.newPage();
    const scripts = new Set();
    const apis = new Set();
    const encodings = new Set();
    const errors = [];
    tab.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/v1/')) apis.add(u.pathname + u.search);
      if (u.pathname.endsWith('.js')) scripts.add(u.pathname);
    });
    tab.on('response', (r) => {
      if (new URL(r.url()).pathname.endsWith('.js'))
        encodings.add(r.headers()['content-encoding'] ?? 'identity');
    });
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(base + page, { waitUntil: 'commit' });
    const handle = await tab.waitForFunction(contentDrawn, page, { polling: 'raf', timeout: 30_000 });
    const ms = await handle.jsonValue();
    await tab.waitForLoadState('networkidle');
    // the rows of the page's main table (accounting: the matrix), and whether a load failed
    const rows = await tab.evaluate(
      (p) =>
        globalThis.document.querySelectorAll(
          p === '/portal/accounting' ? 'main table.matrix tbody tr' : 'main table tbody tr',
        ).length,
      page,
    );
    const hasLoadError = await tab.evaluate(
      () => globalThis.document.querySelector('main .notice.error') !== null,
    );
    return { ms, scripts, apis, encodings, rows, errors, hasLoadError };
  } finally {
    await context.close();
  }
}

/** ms from navigation start to the load event of /openapi.json in a fresh context. */
async function loadOpenApi(browser, base) {
  const context = await browser.newContext();
  try {
    const tab = await context.newPage();
    await tab.goto(`${base}/openapi.json`, { waitUntil: 'load' });
    return await tab.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
  } finally {
    await context.close();
  }
}

/** p50, p95 and max of `API_RUNS` sequential GETs of `url` (after one warm-up), ms. */
async function timeApi(url) {
  const once = async () => {
    const t = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return performance.now() - t;
  };
  await once();
  const samples = [];
  for (let i = 0; i < API_RUNS; i++) samples.push(await once());
  return {
    p50_ms: round2(median(samples)),
    p95_ms: round2(percentile(samples, 95)),
    max_ms: round2(Math.max(...samples)),
  };
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-bench-portal-'));
  const store = HubStore.open({ kind: 'sqlite', file: path.join(dir, 'hub.sqlite') });
  let app;
  let browser;
  try {
    await migrateToLatest(store);
    app = await buildHub({
      store,
      adminToken: randomBytes(24).toString('base64url'),
      ingest: false,
      portal: { ...DEFAULT_PORTAL, access: 'public' },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${app.server.address().port}`;
    let t = performance.now();
    const filled = await fill(app, store);
    const fillSeconds = (performance.now() - t) / 1000;

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const paint = {};
    const scriptsByPage = {};
    const rowsByPage = {};
    const apiUrls = new Set();
    const chromiumEncodings = new Set();
    const pageErrors = [];
    for (const page of PAGES) {
      const times = [];
      for (let i = 0; i < LOADS; i++) {
        const loaded = await loadPage(browser, base, page);
        times.push(loaded.ms);
        if (i === 0) {
          scriptsByPage[page] = loaded.scripts;
          rowsByPage[page] = loaded.rows;
        }
        for (const u of loaded.apis) apiUrls.add(u);
        for (const e of loaded.encodings) chromiumEncodings.add(e);
        pageErrors.push(...loaded.errors.map((e) => `${page}: ${e}`));
        if (loaded.hasLoadError) pageErrors.push(`${page}: the page shows a load error`);
      }
      paint[page] = round1(median(times));
    }
    const openApiTimes = [];
    for (let i = 0; i < LOADS; i++) openApiTimes.push(await loadOpenApi(browser, base));
    const openapiLoadMs = round1(median(openApiTimes));

    const sizes = new Map();
    const jsKbByPage = {};
    for (const [page, scripts] of Object.entries(scriptsByPage)) {
      let bytes = 0;
      for (const s of scripts) {
        if (!sizes.has(s)) sizes.set(s, await compressedSize(base + s));
        bytes += sizes.get(s).bytes;
      }
      jsKbByPage[page] = round1(bytes / 1024);
    }

    const apis = {};
    for (const u of [...apiUrls].sort()) apis[u] = await timeApi(base + u);
    const status = await timeApi(`${base}/v1/status`);
    const slowest = Object.entries(apis).sort(([, a], [, b]) => b.p50_ms - a.p50_ms)[0];
    const maxApiMs = slowest[1].p50_ms;
    const maxPaint = Math.max(...Object.values(paint));
    const result = {
      bench: 'portal',
      sites: SITES,
      months: MONTHS,
      vos: VOS.length,
      records: filled.records,
      summary_rows: filled.summaryRows,
      fill_seconds: round2(fillSeconds),
      node: process.version,
      cpus: os.cpus().length,
      max_page_js_kb: Math.max(...Object.values(jsKbByPage)),
      js_kb_by_page: jsKbByPage,
      js_encodings: [...new Set([...sizes.values()].map((s) => s.encoding))],
      chromium_js_encodings: [...chromiumEncodings],
      max_first_paint_ms: maxPaint,
      first_paint_ms_by_page: paint,
      table_rows_by_page: rowsByPage,
      max_api_ms: maxApiMs,
      max_api_p95_ms: Math.max(...Object.values(apis).map((a) => a.p95_ms)),
      slowest_api: { url: slowest[0], ...slowest[1] },
      api_ms_by_url: apis,
      status_api_ms: status.p50_ms,
      api_ratio_to_status: round2(maxApiMs / status.p50_ms),
      openapi_load_ms: openapiLoadMs,
      paint_ratio_to_openapi_load: round2(maxPaint / openapiLoadMs),
      page_errors: pageErrors,
      targets: TARGETS,
      ok:
        Math.max(...Object.values(jsKbByPage)) <= TARGETS.max_page_js_kb &&
        maxPaint <= TARGETS.max_first_paint_ms &&
        maxApiMs <= TARGETS.max_api_ms,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await browser?.close();
    await app?.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
