// Helper of bench/daemon.js (not a benchmark itself): in its own process, so that its RSS and CPU
// are measured alone, it keeps 3 jobs per site of a config directory on schedule, each job making
// 3 GET requests to the stand-in server, and prints ONE JSON line at the end: the drift of every
// run (its start minus the time it was due), peak RSS, and the CPU used in the measured window.
//
// Run:  node bench/lib/daemon-child.js MODE CONFIG_DIR STATE_DIR STANDIN_URL SECONDS [IDLE_FROM_SECONDS]
//   MODE daemon:   `startDaemon` (what `fedstack site run --config-dir` runs), its jobs replaced
//                  by the stand-in requests;
//   MODE baseline: the same jobs on plain setTimeout chains, one per job (no scheduler);
//   CPU is counted from IDLE_FROM_SECONDS (default 0) to the end.
import { listSiteConfigs, loadSiteConfig } from '../../dist/site/site-config.js';
import { startDaemon } from '../../dist/site/daemon/index.js';
import { httpRequest } from '../../dist/http/index.js';
import { silentLogger } from '../../dist/log.js';

const [mode, configDir, stateDir, standin, secondsText, idleFromText] = process.argv.slice(2);
const seconds = Number(secondsText);
const idleFrom = Number(idleFromText ?? 0);
const drifts = [];
const JOBS = ['accounting', 'discovery', 'images'];

async function work(site, signal) {
  for (let i = 0; i < 3; i++) {
    const res = await httpRequest({
      method: 'GET',
      url: `${standin}/${site}/${i}`,
      timeoutMs: 10_000,
      signal,
    });
    await res.text();
  }
  return { ok: true, items: 3, summary: '3 requests' };
}

/** A job whose runs record how late they started against their due time. */
function trackedJob(site, name, schedule, periodMs) {
  let dueAt;
  return {
    site,
    name,
    schedule,
    jitterMs: 0,
    timeoutMs: 60_000,
    run: async (signal) => {
      const now = Date.now();
      if (dueAt !== undefined) drifts.push((now - dueAt) / 1000);
      dueAt = now + periodMs;
      return work(site, signal);
    },
  };
}

let stop;
if (mode === 'daemon') {
  const daemon = await startDaemon({
    configDir,
    stateDir,
    logger: silentLogger,
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 64),
    jobsOf: (config) =>
      JOBS.map((name) => trackedJob(config.gocdb, name, config.schedules[name], config.schedules[name].ms)),
  });
  stop = () => daemon.stop(10_000);
} else {
  const timers = [];
  for (const file of listSiteConfigs(configDir)) {
    const config = loadSiteConfig(file);
    for (const name of JOBS) {
      const job = trackedJob(config.gocdb, name, config.schedules[name], config.schedules[name].ms);
      const loop = async () => {
        const started = Date.now();
        await job.run(new AbortController().signal);
        timers.push(setTimeout(loop, Math.max(0, started + config.schedules[name].ms - Date.now())));
      };
      timers.push(setTimeout(loop, 0));
    }
  }
  stop = async () => timers.forEach(clearTimeout);
}

await new Promise((resolve) => setTimeout(resolve, idleFrom * 1000));
const cpuFrom = process.cpuUsage();
const wallFrom = performance.now();
await new Promise((resolve) => setTimeout(resolve, (seconds - idleFrom) * 1000));
const cpu = process.cpuUsage(cpuFrom);
const wallSeconds = (performance.now() - wallFrom) / 1000;
await stop();
drifts.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    runs: drifts.length,
    maxDriftSeconds: drifts.at(-1) ?? 0,
    p99DriftSeconds: drifts[Math.floor(drifts.length * 0.99)] ?? 0,
    cpuPercent: ((cpu.user + cpu.system) / 1e6 / wallSeconds) * 100,
    maxRssKiB: process.resourceUsage().maxRSS,
  })}\n`,
);
process.exit(0);
