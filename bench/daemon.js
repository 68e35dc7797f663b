// Benchmark of `fedstack site run` in central mode: 200 site files (default; BENCH_SITES), each
// with three jobs (accounting, discovery, images) every 10 s that each make 3 GET requests to a
// loopback stand-in answering after 50–300 ms (real HTTP, a site's API latency). The daemon runs in
// a child process for BENCH_SECONDS (default 60): `max_drift_s` is the latest any run started after
// it was due, `peak_rss_mib` the child's peak RSS; `--concurrency` is 64 (BENCH_CONCURRENCY), enough
// for 600 half-second jobs every 10 s. Then, with the schedules at 1 h, the jobs run once at start
// and the child's CPU is measured over 30 s from 25 s after (`idle_cpu_percent`). In
// the same run the baseline: the same jobs on plain setTimeout chains (no scheduler), whose drift,
// RSS and idle CPU are given beside (`baseline_*`).
//
// Run:  npm run build && node bench/daemon.js
// Prints ONE JSON line. Targets (issue): max_drift_s < 2, peak_rss_mib < 300, idle_cpu_percent < 2.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SITES = Number(process.env.BENCH_SITES ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const IDLE_SECONDS = 30;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

/** The stand-in: any GET answered with a small JSON body after 50–300 ms, in its own process. */
function startStandIn() {
  const source = `
    const http = require('node:http');
    const server = http.createServer((req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 50 + Math.random() * 250);
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) =>
    child.stdout.once('data', (d) => resolve({ child, url: `http://127.0.0.1:${String(d).trim()}` })),
  );
}

function writeSites(dir, every) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < SITES; i++) {
    const name = `BENCH-SITE-${String(i).padStart(3, '0')}`;
    writeFileSync(
      path.join(dir, `${name}.yaml`),
      `gocdb: ${name}\nendpoint: https://keystone-${i}.example.org:5000/v3\n` +
        `schedules:\n  accounting: ${every}\n  discovery: ${every}\n  images: ${every}\n  jitter: 1s\n`,
    );
  }
}

async function child(mode, dir, standin, seconds, idleFrom) {
  const state = mkdtempSync(path.join(os.tmpdir(), 'fedstack-bench-daemon-state-'));
  try {
    const { stdout } = await run(
      process.execPath,
      [
        path.join(HERE, 'lib', 'daemon-child.js'),
        mode,
        dir,
        state,
        standin,
        String(seconds),
        String(idleFrom),
      ],
      { maxBuffer: 1 << 20, timeout: (seconds + 60) * 1000 },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1));
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

async function main() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fedstack-bench-daemon-'));
  const { child: standIn, url } = await startStandIn();
  try {
    const busy = path.join(root, 'busy');
    const idle = path.join(root, 'idle');
    writeSites(busy, '10s');
    writeSites(idle, '1h');
    const active = await child('daemon', busy, url, SECONDS, 0);
    const baseline = await child('baseline', busy, url, SECONDS, 0);
    // idle: every job runs once at start (no status yet); CPU is counted once those are done
    const quiet = await child('daemon', idle, url, IDLE_SECONDS + 25, 25);
    const quietBaseline = await child('baseline', idle, url, IDLE_SECONDS + 25, 25);
    const result = {
      bench: 'daemon',
      sites: SITES,
      jobs: SITES * 3,
      seconds: SECONDS,
      concurrency: Number(process.env.BENCH_CONCURRENCY ?? 64),
      node: process.version,
      cpus: os.cpus().length,
      runs: active.runs,
      max_drift_s: Number(active.maxDriftSeconds.toFixed(3)),
      p99_drift_s: Number(active.p99DriftSeconds.toFixed(3)),
      peak_rss_mib: Math.round(active.maxRssKiB / 1024),
      busy_cpu_percent: Number(active.cpuPercent.toFixed(1)),
      idle_cpu_percent: Number(quiet.cpuPercent.toFixed(2)),
      baseline_runs: baseline.runs,
      baseline_max_drift_s: Number(baseline.maxDriftSeconds.toFixed(3)),
      baseline_peak_rss_mib: Math.round(baseline.maxRssKiB / 1024),
      baseline_busy_cpu_percent: Number(baseline.cpuPercent.toFixed(1)),
      baseline_idle_cpu_percent: Number(quietBaseline.cpuPercent.toFixed(2)),
      targets: { max_drift_s: 2, peak_rss_mib: 300, idle_cpu_percent: 2 },
    };
    result.targets.is_met =
      result.max_drift_s < 2 && result.peak_rss_mib < 300 && result.idle_cpu_percent < 2;
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    standIn.kill();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
