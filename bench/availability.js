// Benchmark of the monitor's status history, its A/R reports and its scheduler.
//
// 1. History and A/R, on SQLite and on PostgreSQL: 500 endpoints (50 sites × 10) with a
//    Keystone-TCP result every 5 minutes for 90 days (12,960,000 results, mostly OK, with CRITICAL
//    and UNKNOWN episodes and OUTAGE downtimes), recorded one day at a time through the store the
//    scheduler writes with (ResultStore.record). Then daily and monthly A/R of every endpoint
//    (`ar_seconds`, both reports). Baseline, same run and store: the same daily figures from every
//    stored result (read back and turned into timelines, downtimes left out), as a tool that
//    keeps no runs must;
//    `ratio_to_every_result` is ours over it.
// 2. The scheduler: 2,000 endpoints × 3 metrics at a 5-minute interval, in-process TCP checks of a
//    local listener (its own process), for BENCH_SCHEDULER_SECONDS (default 150) after the first
//    checks are due. `max_start_delay_s` is the largest delay of a start past its due time,
//    `scheduler_cpu_percent` this process's CPU over the window (one core = 100). Baseline: the
//    same checks as Nagios runs them, Debian's check_tcp spawned per check (100 of them), CPU per
//    check `ratio_cpu_to_check_tcp`.
//
// Run:  npm run build && node bench/availability.js
// Env:  BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test; "off" skips it),
//       BENCH_DAYS (90), BENCH_ENDPOINTS (500), BENCH_SCHEDULER_SECONDS (150).
// Prints ONE JSON line. Targets (issue): sqlite.ar_seconds and postgres.ar_seconds < 5,
// max_start_delay_s < 5, scheduler_cpu_percent < 25.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import {
  HubStore,
  Monitor,
  Registry,
  ResultStore,
  availabilityReport,
  loadMonitorConfig,
  migrateToLatest,
} from '../dist/hub/index.js';
import { availability } from '../dist/index.js';
import { prng } from './lib/prng.js';

const run = promisify(execFile);
const PG_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAYS = Number(process.env.BENCH_DAYS ?? 90);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 500);
const SCHEDULER_SECONDS = Number(process.env.BENCH_SCHEDULER_SECONDS ?? 150);
const METRIC = 'org.nagios.Keystone-TCP';
const STEP_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
const START = Date.UTC(2024, 0, 1);

function dayString(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

async function seedRegistry(registry, endpoints) {
  const keys = [];
  const sites = Math.ceil(endpoints / 10);
  for (let s = 0; s < sites; s++) {
    const site = `BENCH-SITE-${String(s).padStart(3, '0')}`;
    await registry.putSite(site, {
      certificationStatus: 'Certified',
      productionStatus: 'Production',
      extensions: {},
    });
    for (let e = 0; e < 10 && keys.length < endpoints; e++) {
      const ep = await registry.addEndpoint(site, {
        serviceType: 'org.openstack.nova',
        hostname: `keystone${e}.site${s}.example`,
        url: `https://keystone${e}.site${s}.example:5000/v3`,
        isMonitored: true,
        isInProduction: true,
        extensions: {},
      });
      keys.push(ep);
    }
    // a 4-hour OUTAGE of the site's endpoints every 30 days
    for (let d = 5; d < DAYS; d += 30) {
      const start = (START + d * DAY_MS + 2 * 3_600_000) / 1000;
      await registry.addDowntime(site, {
        classification: 'SCHEDULED',
        severity: 'OUTAGE',
        description: 'bench',
        start,
        end: start + 4 * 3600,
      });
    }
  }
  return keys;
}

async function history(location) {
  const store = HubStore.open(location);
  try {
    await migrateToLatest(store);
    const registry = new Registry(store);
    const results = new ResultStore(store);
    const config = loadMonitorConfig();
    const reportConfig = { ...config, profile: { 'org.openstack.nova': [METRIC] } };
    const endpoints = await seedRegistry(registry, ENDPOINTS);
    const series = [];
    for (const e of endpoints)
      series.push(
        await results.seriesId({
          endpointKey: e.primaryKey,
          metric: METRIC,
          siteName: e.siteName,
          serviceType: e.serviceType,
          hostname: e.hostname,
        }),
      );
    const rnd = prng(42);
    // per endpoint: the status now and when the episode ends
    const status = series.map(() => ({ code: 'OK', until: 0 }));
    const validForMs = (900 + 3 * 180) * 1000;
    let total = 0;
    const t0 = process.hrtime.bigint();
    for (let d = 0; d < DAYS; d++) {
      const batch = [];
      for (let t = START + d * DAY_MS; t < START + (d + 1) * DAY_MS; t += STEP_MS) {
        for (let i = 0; i < series.length; i++) {
          const s = status[i];
          if (t >= s.until) {
            const x = rnd();
            // about one CRITICAL episode (1–3 h) every 15 days, an UNKNOWN one (1 h) every 30 days
            if (x < 1 / 4320) {
              s.code = 'CRITICAL';
              s.until = t + (1 + Math.floor(rnd() * 3)) * 3_600_000;
            } else if (x < 1 / 4320 + 1 / 8640) {
              s.code = 'UNKNOWN';
              s.until = t + 3_600_000;
            } else {
              s.code = 'OK';
              s.until = t;
            }
          }
          batch.push({
            seriesId: series[i],
            atMs: t,
            status: s.code,
            durationMs: 4,
            summary: `${s.code}: TCP connection`,
            perfdata: "'time'=0.004s",
            validForMs,
          });
        }
      }
      await results.record(batch, []);
      total += batch.length;
      if ((d + 1) % 10 === 0)
        process.stderr.write(
          `${location.kind}: day ${d + 1}/${DAYS}, ${total} results, ${Math.round(Number(process.hrtime.bigint() - t0) / 1e9)} s\n`,
        );
    }
    const recordSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const from = dayString(START);
    const to = dayString(START + (DAYS - 1) * DAY_MS);
    const timed = async (fn) => {
      const s = process.hrtime.bigint();
      const value = await fn();
      return { value, seconds: Number(process.hrtime.bigint() - s) / 1e9 };
    };
    const daily = await timed(() =>
      availabilityReport(results, registry, reportConfig, {
        from,
        to,
        granularity: 'daily',
        level: 'endpoint',
      }),
    );
    const monthly = await timed(() =>
      availabilityReport(results, registry, reportConfig, {
        from,
        to,
        granularity: 'monthly',
        level: 'endpoint',
      }),
    );
    const sites = await availabilityReport(results, registry, reportConfig, {
      from,
      to,
      granularity: 'monthly',
      level: 'site',
    });
    // baseline: the daily figures of every endpoint from every stored result
    const baseline = await timed(async () => {
      const out = [];
      const days = [];
      for (let d = 0; d < DAYS; d++) days.push({ start: START + d * DAY_MS, end: START + (d + 1) * DAY_MS });
      const period = { start: days[0].start, end: days[days.length - 1].end };
      for (const id of series) {
        const rows = await results.history(id, period.start, period.end, 1_000_000);
        const timeline = availability.metricTimeline(
          rows.map((r) => ({ at: r.atMs, status: r.status })),
          period,
          validForMs,
        );
        for (const d of availability.durationsPerPeriod(timeline, days))
          out.push(availability.availabilityOf(d));
      }
      return out;
    });
    return {
      results: total,
      record_seconds: Math.round(recordSeconds * 10) / 10,
      results_per_second: Math.round(total / recordSeconds),
      ar_seconds: Math.round((daily.seconds + monthly.seconds) * 1000) / 1000,
      ar_daily_seconds: Math.round(daily.seconds * 1000) / 1000,
      ar_monthly_seconds: Math.round(monthly.seconds * 1000) / 1000,
      daily_rows: daily.value.length,
      monthly_rows: monthly.value.length,
      sites_meeting_ola: sites.filter((r) => r.ola?.isMet).length,
      site_months: sites.length,
      baseline_every_result_seconds: Math.round(baseline.seconds * 1000) / 1000,
      ratio_to_every_result: Math.round((daily.seconds / baseline.seconds) * 1000) / 1000,
      baseline_endpoint_days: baseline.value.length,
    };
  } finally {
    await store.close();
  }
}

/** A TCP listener in its own process, so its work is not counted in the scheduler's CPU. */
async function startTarget() {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `
    const s = require('node:net').createServer((c) => c.end());
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));
  `,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = await once(child.stdout, 'data');
  return { child, port: Number(String(line).trim()) };
}

async function scheduler(dir, port) {
  const store = HubStore.open({ kind: 'sqlite', file: path.join(dir, 'scheduler.sqlite') });
  await migrateToLatest(store);
  const registry = new Registry(store);
  for (let s = 0; s < 200; s++) {
    const site = `SCHED-${s}`;
    await registry.putSite(site, {
      certificationStatus: 'Certified',
      productionStatus: 'Production',
      extensions: {},
    });
    for (let e = 0; e < 10; e++)
      await registry.addEndpoint(site, {
        serviceType: 'org.openstack.nova',
        hostname: '127.0.0.1',
        url: `http://127.0.0.1:${port}/v3`,
        isMonitored: true,
        isInProduction: true,
        extensions: {},
      });
  }
  const file = path.join(dir, 'monitor.yaml');
  const metric = (name) => [
    `  ${name}:`,
    '    check: tcp',
    '    interval: 300',
    '    retry: 60',
    '    attempts: 3',
    '    timeout: 10',
  ];
  writeFileSync(
    file,
    [
      'concurrency: 50',
      'metrics:',
      ...metric('bench.TCP-1'),
      ...metric('bench.TCP-2'),
      ...metric('bench.TCP-3'),
      'profile:',
      '  org.openstack.nova: [bench.TCP-1, bench.TCP-2, bench.TCP-3]',
    ].join('\n'),
  );
  const monitor = new Monitor({
    store,
    registry,
    config: loadMonitorConfig(file),
    hubUrl: 'http://127.0.0.1:9',
  });
  await monitor.start();
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, SCHEDULER_SECONDS * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Date.now() - t0;
  const stats = monitor.stats();
  await monitor.stop();
  await store.close();
  return {
    checks: stats.checks,
    started: stats.started,
    stored: stats.stored,
    max_start_delay_s: Math.round(stats.maxStartDelayMs) / 1000,
    scheduler_cpu_percent: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10,
    cpu_ms_per_check: Math.round(((cpu.user + cpu.system) / 1000 / Math.max(1, stats.started)) * 1000) / 1000,
  };
}

/** CPU per check of Debian's check_tcp, spawned per check as Nagios does. */
async function checkTcpBaseline(port) {
  const plugin = '/usr/lib/nagios/plugins/check_tcp';
  const n = 100;
  const before = process.resourceUsage();
  for (let i = 0; i < n; i++) await run(plugin, ['-H', '127.0.0.1', '-p', String(port), '-t', '10']);
  const after = process.resourceUsage();
  // the plugins' own CPU is not in resourceUsage: main() adds it from /proc
  return {
    n,
    parentCpuMs: (after.userCPUTime + after.systemCPUTime - before.userCPUTime - before.systemCPUTime) / 1000,
  };
}

/** CPU of this process's waited-for children so far (cutime + cstime of /proc/self/stat), ms. */
function childrenCpuMs() {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * (1000 / 100);
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-bench-ar-'));
  const out = { endpoints: ENDPOINTS, days: DAYS, machine_cores: os.availableParallelism() };
  try {
    out.sqlite = await history({ kind: 'sqlite', file: path.join(dir, 'history.sqlite') });
    if (PG_URL !== 'off') {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      const schema = `fedstack_bench_${randomBytes(4).toString('hex')}`;
      try {
        await admin.query(`create schema ${schema}`);
        out.postgres = await history({ kind: 'postgres', url: PG_URL, schema });
      } catch (error) {
        out.postgres = { error: String(error?.message ?? error) };
      } finally {
        await admin.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
        await admin.end();
      }
    }
    const target = await startTarget();
    try {
      Object.assign(out, await scheduler(dir, target.port));
      const children = childrenCpuMs();
      const base = await checkTcpBaseline(target.port);
      const pluginCpuMs = (childrenCpuMs() - children + base.parentCpuMs) / base.n;
      out.check_tcp_cpu_ms_per_check = Math.round(pluginCpuMs * 1000) / 1000;
      out.ratio_cpu_to_check_tcp = Math.round((out.cpu_ms_per_check / pluginCpuMs) * 1000) / 1000;
    } finally {
      target.child.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  out.targets = {
    isSqliteArMet: (out.sqlite?.ar_seconds ?? Infinity) < 5,
    isPostgresArMet: (out.postgres?.ar_seconds ?? Infinity) < 5,
    isStartDelayMet: (out.max_start_delay_s ?? Infinity) < 5,
    isCpuMet: (out.scheduler_cpu_percent ?? Infinity) < 25,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

await main();
