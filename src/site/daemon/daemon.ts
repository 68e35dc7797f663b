// `fedstack site run` as a function: loads one site file or a directory of them, schedules every
// job, serves /healthz, /readyz, /metrics and /status, and picks up changed files without a restart.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import fastify, { type FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { listSiteConfigs, loadSiteConfig, type SiteConfig } from '../site-config.js';
import { writeAtomically } from '../write-atomically.js';
import { PgJobQueue, type QueuedRun } from './job-queue.js';
import { Scheduler, type JobState, type SchedulerEnv } from './scheduler.js';
import { outboxBacklogOf, siteJobsOf, siteStateDir, type JobReport, type SiteJob } from './site-jobs.js';

/** Options of {@link startDaemon}. */
export interface DaemonOptions {
  /** One site YAML… */
  readonly config?: string;
  /** …or a directory of them (central mode). */
  readonly configDir?: string;
  /** Status files and discovery documents, one directory per site. */
  readonly stateDir: string;
  /** `host:port` of the status server; undefined: none. */
  readonly listen?: { readonly host: string; readonly port: number };
  readonly concurrency?: number;
  /**
   * Shared-queue mode: several daemons over the same config dir share the site jobs through
   * pg-boss on this PostgreSQL (`postgres://…`), each run done by one of them.
   */
  readonly queue?: { readonly url: string; readonly schema?: string; readonly pollMs?: number };
  /** How often the config directory is read again for changes, ms; default 10 000. */
  readonly reloadIntervalMs?: number;
  readonly logger: Logger;
  /** Jobs per site; default {@link siteJobsOf} (tests give their own). */
  readonly jobsOf?: (config: SiteConfig, stateDir: string, logger: Logger) => SiteJob[];
  readonly env?: SchedulerEnv;
}

/** A running daemon. */
export interface Daemon {
  readonly scheduler: Scheduler;
  /** The status server's address, when it listens. */
  readonly url?: string;
  /** Config files that could not be loaded (their last good version, if any, keeps running). */
  readonly configProblems: () => readonly { readonly file: string; readonly message: string }[];
  /** Stops scheduling, lets running jobs finish within `graceMs`, then closes the server. */
  stop(graceMs: number): Promise<void>;
}

/** The status file of a job: `<stateDir>/<site>/<job>.json`. */
export function jobStatusFile(stateDir: string, site: string, job: string): string {
  return path.join(siteStateDir(stateDir, site), `${job}.json`);
}

/** A job state as its status file holds it (times in ISO 8601). */
export function jobStatusJson(state: JobState): Record<string, unknown> {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    site: state.site,
    job: state.job,
    schedule: state.schedule,
    running: state.isRunning,
    nextRunAt: iso(state.nextRunAt),
    lastRunAt: iso(state.lastRunAt),
    lastSuccessAt: iso(state.lastSuccessAt),
    lastDurationMs: state.lastDurationMs,
    ok: state.lastReport?.ok,
    items: state.lastReport?.items,
    summary: state.lastReport?.summary,
    runs: state.runs,
  };
}

function lastSuccessFromFile(stateDir: string, site: string, job: string): number | undefined {
  try {
    const parsed = JSON.parse(readFileSync(jobStatusFile(stateDir, site, job), 'utf8')) as {
      lastSuccessAt?: string;
    };
    const ms = parsed.lastSuccessAt ? Date.parse(parsed.lastSuccessAt) : NaN;
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

class DaemonMetrics {
  readonly registry = new Registry();
  private readonly lastRun: Gauge;
  private readonly lastSuccess: Gauge;
  private readonly duration: Histogram;
  private readonly runs: Counter;
  private readonly items: Gauge;
  private readonly running: Gauge;
  readonly backlog: Gauge;
  readonly configErrors: Gauge;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'fedstack_site_' });
    const labels = ['site', 'job'] as const;
    const registers = [this.registry];
    this.lastRun = new Gauge({
      name: 'fedstack_site_job_last_run_timestamp_seconds',
      help: 'Start of the last run',
      labelNames: labels,
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'fedstack_site_job_last_success_timestamp_seconds',
      help: 'Start of the last successful run',
      labelNames: labels,
      registers,
    });
    this.duration = new Histogram({
      name: 'fedstack_site_job_duration_seconds',
      help: 'Duration of job runs',
      labelNames: labels,
      buckets: [1, 5, 15, 60, 300, 900, 3600, 14400],
      registers,
    });
    this.runs = new Counter({
      name: 'fedstack_site_job_runs_total',
      help: 'Job runs by outcome (ok, failed, skipped: the previous run still going)',
      labelNames: [...labels, 'outcome'],
      registers,
    });
    this.items = new Gauge({
      name: 'fedstack_site_job_items',
      help: 'What the last run did: records extracted, shares described, images uploaded',
      labelNames: labels,
      registers,
    });
    this.running = new Gauge({
      name: 'fedstack_site_job_running',
      help: '1 while the job runs',
      labelNames: labels,
      registers,
    });
    this.backlog = new Gauge({
      name: 'fedstack_site_outbox_messages',
      help: 'Accounting messages waiting in the outbox',
      labelNames: ['site'],
      registers,
    });
    this.configErrors = new Gauge({
      name: 'fedstack_site_config_errors',
      help: 'Site files that cannot be loaded',
      registers,
    });
  }

  /** Run counts already added to the counter, per site and job. */
  private readonly counted = new Map<string, JobState['runs']>();

  private record(state: JobState, previous: JobState['runs'] | undefined): void {
    const labels = { site: state.site, job: state.job };
    if (state.lastRunAt !== undefined) this.lastRun.set(labels, state.lastRunAt / 1000);
    if (state.lastSuccessAt !== undefined) this.lastSuccess.set(labels, state.lastSuccessAt / 1000);
    this.items.set(labels, state.lastReport?.items ?? 0);
    this.running.set(labels, state.isRunning ? 1 : 0);
    for (const outcome of ['ok', 'failed', 'skipped'] as const) {
      const added = state.runs[outcome] - (previous?.[outcome] ?? 0);
      if (added > 0) this.runs.inc({ ...labels, outcome }, added);
    }
  }

  /** Adds a finished run's duration: once per run, not per scrape. */
  runFinished(state: JobState): void {
    if (state.lastDurationMs !== undefined)
      this.duration.observe({ site: state.site, job: state.job }, state.lastDurationMs / 1000);
  }

  /** Sets the gauges that change between runs (running, skipped runs). */
  refresh(states: readonly JobState[]): void {
    for (const state of states) {
      const key = `${state.site}\u0000${state.job}`;
      this.record(state, this.counted.get(key));
      this.counted.set(key, { ...state.runs });
    }
  }
}

function mtimeOf(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Starts the daemon. Every loadable site file gets its jobs; a file that cannot be loaded is
 * reported (log, /readyz, metrics) and, when an earlier version of it loaded, that version keeps
 * running. In directory mode the directory is read again every `reloadIntervalMs`: new, changed
 * and removed files take effect without a restart.
 * @throws ConfigError for a single `config` file that cannot be loaded at start.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { logger, stateDir } = options;
  mkdirSync(stateDir, { recursive: true });
  const metrics = new DaemonMetrics();
  const jobsOf = options.jobsOf ?? siteJobsOf;
  const problems = new Map<string, string>();
  const loaded = new Map<string, { site: string; mtimeMs: number | undefined; config: SiteConfig }>();
  const queue = options.queue
    ? await PgJobQueue.open({ url: options.queue.url, schema: options.queue.schema, logger })
    : undefined;
  const concurrency = options.concurrency ?? 4;
  const scheduler = new Scheduler({
    concurrency,
    env: options.env,
    ...(queue
      ? {
          dispatch: async (job: SiteJob, periodMs: number) => {
            try {
              await queue.offer(job.site, job.name, periodMs, job.timeoutMs);
            } catch (error) {
              logger.error(
                { site: job.site, job: job.name, error: describeError(error) },
                'cannot offer a due job to the queue',
              );
            }
          },
        }
      : {}),
    lastSuccessOf: (site, job) => lastSuccessFromFile(stateDir, site, job),
    onRun: async (state) => {
      metrics.runFinished(state);
      const file = jobStatusFile(stateDir, state.site, state.job);
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        await writeAtomically(file, JSON.stringify(jobStatusJson(state), null, 2) + '\n');
      } catch (error) {
        logger.error({ site: state.site, file, error: describeError(error) }, 'cannot write the job status');
      }
      const level = state.lastReport?.ok ? 'info' : 'warn';
      logger[level]({ site: state.site, job: state.job, summary: state.lastReport?.summary }, 'job run');
    },
  });

  const load = (file: string): void => {
    const mtimeMs = mtimeOf(file);
    const known = loaded.get(file);
    if (known && known.mtimeMs === mtimeMs && !problems.has(file)) return;
    let config: SiteConfig;
    try {
      config = loadSiteConfig(file);
    } catch (error) {
      const message = describeError(error);
      if (problems.get(file) !== message)
        logger.error(
          { file, error: message },
          known
            ? 'the changed site file is invalid; its last version keeps running'
            : 'the site file is invalid',
        );
      problems.set(file, message);
      return;
    }
    const owner = [...loaded].find(([f, l]) => f !== file && l.site === config.gocdb);
    if (owner) {
      problems.set(file, `site ${config.gocdb} is also configured in ${owner[0]}; one file per site`);
      return;
    }
    problems.delete(file);
    if (known && known.site !== config.gocdb) scheduler.removeSite(known.site);
    loaded.set(file, { site: config.gocdb, mtimeMs, config });
    scheduler.setSiteJobs(config.gocdb, jobsOf(config, stateDir, logger));
    logger.info({ file, site: config.gocdb }, known ? 'site file reloaded' : 'site file loaded');
  };
  const reload = (): void => {
    const files = options.configDir ? listSiteConfigs(options.configDir) : [options.config!];
    for (const file of files) load(file);
    for (const [file, l] of loaded)
      if (!files.includes(file)) {
        scheduler.removeSite(l.site);
        loaded.delete(file);
        logger.info({ file, site: l.site }, 'site file removed; its jobs stop');
      }
    for (const file of problems.keys()) if (!files.includes(file)) problems.delete(file);
    metrics.configErrors.set(problems.size);
  };

  if (options.config) {
    const config = loadSiteConfig(options.config); // a bad single file stops the start (exit 2)
    loaded.set(options.config, { site: config.gocdb, mtimeMs: mtimeOf(options.config), config });
    scheduler.setSiteJobs(config.gocdb, jobsOf(config, stateDir, logger));
  } else reload();
  const reloader = options.configDir ? setInterval(reload, options.reloadIntervalMs ?? 10_000) : undefined;
  reloader?.unref();

  const worker = queue
    ? workQueue(queue, scheduler, concurrency, options.queue?.pollMs ?? 1_000, logger)
    : undefined;

  let app: FastifyInstance | undefined;
  let url: string | undefined;
  if (options.listen) {
    app = fastify({ logger: false });
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      const list = [...problems].map(([file, message]) => ({ file, message }));
      if (loaded.size === 0)
        return reply.code(503).send({ status: 'unavailable', reason: 'no site file loaded', problems: list });
      return { status: 'ok', sites: loaded.size, problems: list };
    });
    app.get('/status', async () => ({
      jobs: scheduler.states().map(jobStatusJson),
      problems: [...problems].map(([file, message]) => ({ file, message })),
    }));
    app.get('/metrics', async (_request, reply) => {
      metrics.refresh(scheduler.states());
      for (const { site, config } of loaded.values()) {
        const backlog = config.accounting.enabled ? await outboxBacklogOf(config) : undefined;
        if (backlog !== undefined) metrics.backlog.set({ site }, backlog);
      }
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
    url = await app.listen({ host: options.listen.host, port: options.listen.port });
  }
  return {
    scheduler,
    ...(url ? { url } : {}),
    configProblems: () => [...problems].map(([file, message]) => ({ file, message })),
    async stop(graceMs) {
      if (reloader) clearInterval(reloader);
      await worker?.stop();
      await scheduler.stop(graceMs);
      await worker?.drained();
      await queue?.close();
      await app?.close();
    },
  };
}

/**
 * Takes runs from the shared queue while fewer than `concurrency` run here, and runs each under
 * its site job's lock: a run whose job another process runs at the moment is recorded as skipped.
 */
function workQueue(
  queue: PgJobQueue,
  scheduler: Scheduler,
  concurrency: number,
  pollMs: number,
  logger: Logger,
): { stop(): Promise<void>; drained(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  let isStopped = false;
  let wake: (() => void) | undefined;
  const by = `${hostname()}:${process.pid}`;
  const handle = async (run: QueuedRun): Promise<void> => {
    // what the queue keeps of the run: the report, who ran it and when (under the lock)
    let output: JobReport & { by: string; startedAt?: string; endedAt?: string };
    try {
      const ran = await queue.withLock(run.site, run.job, async () => {
        const startedAt = new Date().toISOString();
        const report = await scheduler.runNow(run.site, run.job);
        return report && { ...report, startedAt, endedAt: new Date().toISOString() };
      });
      output = {
        ...(ran ?? {
          ok: false,
          items: 0,
          summary:
            'skipped: the job runs already (here or at another daemon), or its site is not configured here',
        }),
        by,
      };
    } catch (error) {
      output = { ok: false, items: 0, summary: describeError(error), by };
    }
    try {
      await queue.finish(run, output);
    } catch (error) {
      logger.error(
        { site: run.site, job: run.job, error: describeError(error) },
        'cannot mark a queued run done',
      );
    }
  };
  const loop = (async () => {
    while (!isStopped) {
      const free = concurrency - inFlight.size;
      let taken = 0;
      if (free > 0)
        try {
          const runs = await queue.take(free);
          taken = runs.length;
          for (const run of runs) {
            const p = handle(run).finally(() => {
              inFlight.delete(p);
              wake?.();
            });
            inFlight.add(p);
          }
        } catch (error) {
          logger.error({ error: describeError(error) }, 'cannot take runs from the queue');
        }
      if (isStopped || (taken > 0 && taken === free)) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();
  return {
    async stop() {
      isStopped = true;
      wake?.();
      await loop;
    },
    async drained() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
