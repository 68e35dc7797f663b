// The shared job queue of several `fedstack site run --queue` processes over one config dir:
// pg-boss on the hub's PostgreSQL. Every process offers a site job when it falls due; pg-boss
// keeps one run per schedule window (singletonKey + singletonSeconds) and hands it to whichever
// process fetches it first. While a process runs a site job it holds a PostgreSQL advisory lock on
// it, so that no two processes run the same site job at once; the lock goes with the process's
// connection, so a killed process frees its site jobs at once.
import type PgBoss from 'pg-boss';
import pg from 'pg';
import type { Logger } from '../../log.js';
import { describeError } from '../../errors.js';
import { redactUrl } from '../../redact-url.js';
import type { JobReport, SiteJobName } from './site-jobs.js';

/** The pg-boss queue the site jobs go through. */
export const SITE_JOB_QUEUE = 'fedstack-site-jobs';

/** The PostgreSQL schema pg-boss keeps its tables in, unless told. */
export const DEFAULT_QUEUE_SCHEMA = 'fedstack_site_queue';

/** A run a process took from the queue. */
export interface QueuedRun {
  readonly id: string;
  readonly site: string;
  readonly job: SiteJobName;
}

interface RunData {
  site: string;
  job: SiteJobName;
}

const JOB_NAMES = new Set<string>(['accounting', 'discovery', 'images']);

function isRunData(data: unknown): data is RunData {
  const d = data as Partial<RunData> | null;
  return typeof d?.site === 'string' && typeof d.job === 'string' && JOB_NAMES.has(d.job);
}

/** Options of {@link PgJobQueue.open}. */
export interface JobQueueOptions {
  /** `postgres://user@host:port/db`. */
  readonly url: string;
  readonly schema?: string;
  readonly logger: Logger;
  /** How often expired runs are swept, s; default 10. */
  readonly maintenanceIntervalSeconds?: number;
}

/** pg-boss plus the lock connection; {@link open} starts both. */
export class PgJobQueue {
  private constructor(
    private readonly boss: PgBoss,
    private readonly locks: pg.Client,
    private readonly logger: Logger,
  ) {}

  /** Connects, creates (or migrates) pg-boss's schema and the queue. */
  static async open(options: JobQueueOptions): Promise<PgJobQueue> {
    const { logger } = options;
    // loaded here, not with the module: only daemons given --queue need it
    const { default: Boss } = await import('pg-boss');
    const boss = new Boss({
      connectionString: options.url,
      schema: options.schema ?? DEFAULT_QUEUE_SCHEMA,
      application_name: 'fedstack site run',
      max: 4,
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 10,
      // a window's run stays on record for two days, so that a restart never runs a daily job twice
      archiveCompletedAfterSeconds: 2 * 86_400,
    });
    boss.on('error', (error) =>
      logger.error({ queue: redactUrl(options.url), error: describeError(error) }, 'job queue error'),
    );
    await boss.start();
    await boss.createQueue(SITE_JOB_QUEUE, { name: SITE_JOB_QUEUE, policy: 'standard', retryLimit: 0 });
    const locks = new pg.Client({
      connectionString: options.url,
      application_name: 'fedstack site run (locks)',
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    locks.on('error', (error) =>
      logger.error({ error: describeError(error) }, 'the lock connection to the job queue failed'),
    );
    try {
      await locks.connect();
    } catch (error) {
      await boss.stop({ graceful: false, wait: true });
      throw error;
    }
    return new PgJobQueue(boss, locks, logger);
  }

  /**
   * Offers a due run of `job` at `site`. Of all the offers of all processes in one window of
   * `windowMs` (the job's period), one becomes a run; the others return false.
   */
  async offer(site: string, job: SiteJobName, windowMs: number, timeoutMs: number): Promise<boolean> {
    const id = await this.boss.send(SITE_JOB_QUEUE, { site, job } satisfies RunData, {
      singletonKey: `${site}/${job}`,
      singletonSeconds: Math.max(1, Math.floor(windowMs / 1000)),
      // a run whose process died is given up after its deadline; the next window runs again
      expireInSeconds: Math.ceil(timeoutMs / 1000) + 30,
      retryLimit: 0,
    });
    return id !== null;
  }

  /** Takes up to `n` runs that are due. */
  async take(n: number): Promise<QueuedRun[]> {
    const jobs = await this.boss.fetch<unknown>(SITE_JOB_QUEUE, { batchSize: n });
    const runs: QueuedRun[] = [];
    for (const j of jobs ?? []) {
      if (isRunData(j.data)) runs.push({ id: j.id, site: j.data.site, job: j.data.job });
      else {
        this.logger.warn({ id: j.id }, 'a queued run without site and job; dropped');
        await this.boss.fail(SITE_JOB_QUEUE, j.id, { error: 'no site and job' });
      }
    }
    return runs;
  }

  /**
   * Runs `fn` holding the lock of `site`'s `job` across all processes; undefined without calling
   * it when another process holds the lock.
   */
  async withLock<T>(site: string, job: SiteJobName, fn: () => Promise<T>): Promise<T | undefined> {
    const key = `fedstack-site-job/${site}/${job}`;
    const taken = await this.locks.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
      [key],
    );
    if (!taken.rows[0]?.ok) return undefined;
    try {
      return await fn();
    } finally {
      await this.locks
        .query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key])
        .catch((error: unknown) =>
          this.logger.error({ site, job, error: describeError(error) }, 'cannot release a site job lock'),
        );
    }
  }

  /** Marks a taken run done, with what it did. */
  async finish(run: QueuedRun, report: JobReport): Promise<void> {
    await this.boss.complete(SITE_JOB_QUEUE, run.id, { ...report });
  }

  /** Stops pg-boss and closes the lock connection (which frees every lock still held). */
  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true });
    await this.locks.end().catch(() => undefined);
  }
}
