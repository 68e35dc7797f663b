// Keeps site jobs on their schedules: jitter, no overlap of a job with itself, a cap on jobs
// running at once, a deadline per run, a run at start when the last success is too old, and a
// stop that lets running jobs finish within a grace time.
import { nextRunAt, periodOf } from '../../formats/schedule/index.js';
import type { JobReport, SiteJob } from './site-jobs.js';

/** What the scheduler knows of one job, as status and metrics show it. */
export interface JobState {
  readonly site: string;
  readonly job: string;
  readonly schedule: string;
  readonly isRunning: boolean;
  /** Epoch ms of the next planned start; undefined once stopped. */
  readonly nextRunAt?: number;
  readonly lastRunAt?: number;
  readonly lastSuccessAt?: number;
  readonly lastDurationMs?: number;
  readonly lastReport?: JobReport;
  /** Runs by outcome since the daemon started. */
  readonly runs: RunCounts;
}

/** Runs of a job by outcome; `skipped`: due while the previous run still went on. */
export interface RunCounts {
  ok: number;
  failed: number;
  skipped: number;
}

/** The clock and timers the scheduler uses; tests give their own. */
export interface SchedulerEnv {
  readonly now: () => number;
  readonly setTimer: (fn: () => void, ms: number) => unknown;
  readonly clearTimer: (timer: unknown) => void;
  /** 0 ≤ x < 1, for the jitter. */
  readonly random: () => number;
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** Jobs of all sites running at the same time; default 4. */
  readonly concurrency?: number;
  /** Called after every run (to write status files and metrics). */
  readonly onRun?: (state: JobState) => void | Promise<void>;
  /** The last success of a job before this start (from its status file), to run at once when too old. */
  readonly lastSuccessOf?: (site: string, job: string) => number | undefined;
  /**
   * Shared-queue mode: a due job is handed to this (to offer it to the queue) instead of run here;
   * the runs come back through {@link Scheduler.runNow}.
   */
  readonly dispatch?: (job: SiteJob, periodMs: number) => Promise<void>;
  readonly env?: SchedulerEnv;
}

const REAL_ENV: SchedulerEnv = {
  now: Date.now,
  setTimer: (fn, ms) => setTimeout(fn, Math.min(ms, 2 ** 31 - 1)),
  clearTimer: (t) => clearTimeout(t as NodeJS.Timeout),
  random: Math.random,
};

interface Entry {
  job: SiteJob;
  state: Mutable<JobState>;
  timer?: unknown;
  running?: Promise<void>;
  controller?: AbortController;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A counting semaphore: at most `limit` holders. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.free = Math.max(1, limit);
  }

  async take(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    return () => {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

/** Schedules the jobs of many sites; one site's slow or failing job never holds back another's. */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly env: SchedulerEnv;
  private readonly slots: Slots;
  private isStopped = false;

  constructor(private readonly options: SchedulerOptions) {
    this.env = options.env ?? REAL_ENV;
    this.slots = new Slots(options.concurrency ?? 4);
  }

  private keyOf(site: string, job: string): string {
    return `${site}\u0000${job}`;
  }

  /**
   * Adds or replaces the jobs of `site` (a changed config): jobs no longer there are removed (a
   * running one finishes), the others keep their state and get the new schedule.
   */
  setSiteJobs(site: string, jobs: readonly SiteJob[]): void {
    for (const [key, entry] of this.entries)
      if (entry.job.site === site && !jobs.some((j) => j.name === entry.job.name)) {
        this.env.clearTimer(entry.timer);
        this.entries.delete(key);
      }
    for (const job of jobs) {
      const key = this.keyOf(site, job.name);
      const existing = this.entries.get(key);
      if (existing) {
        const isChanged = existing.job.schedule.text !== job.schedule.text;
        existing.job = job;
        existing.state.schedule = job.schedule.text;
        if (isChanged && !existing.running) this.plan(existing, this.env.now());
        continue;
      }
      const lastSuccessAt = this.options.lastSuccessOf?.(site, job.name);
      const entry: Entry = {
        job,
        state: {
          site,
          job: job.name,
          schedule: job.schedule.text,
          isRunning: false,
          ...(lastSuccessAt !== undefined ? { lastSuccessAt } : {}),
          runs: { ok: 0, failed: 0, skipped: 0 },
        },
      };
      this.entries.set(key, entry);
      const now = this.env.now();
      const isStale = lastSuccessAt === undefined || now - lastSuccessAt > periodOf(job.schedule, now);
      // a run at start when the last success is too old, spread by the jitter; else the next planned time
      if (isStale) this.at(entry, now + this.jitter(entry));
      else this.plan(entry, lastSuccessAt);
    }
  }

  /** Removes every job of `site` (its file went away); a running one finishes. */
  removeSite(site: string): void {
    this.setSiteJobs(site, []);
  }

  /** The state of every job, sorted by site and job. */
  states(): JobState[] {
    return [...this.entries.values()]
      .map((e) => ({ ...e.state, runs: { ...e.state.runs } }))
      .sort((a, b) => (a.site === b.site ? a.job.localeCompare(b.job) : a.site.localeCompare(b.site)));
  }

  private jitter(entry: Entry): number {
    return Math.floor(this.env.random() * entry.job.jitterMs);
  }

  private plan(entry: Entry, afterMs: number): void {
    let due = nextRunAt(entry.job.schedule, afterMs, this.jitter(entry));
    // a long stop (or a run longer than the period) never queues a burst of runs: the next one only
    if (due < this.env.now()) {
      // the run went on past its next start (or the daemon was stopped): that start is skipped
      entry.state.runs.skipped++;
      due = nextRunAt(entry.job.schedule, this.env.now(), this.jitter(entry));
    }
    this.at(entry, due);
  }

  private at(entry: Entry, due: number): void {
    if (this.isStopped) return;
    this.env.clearTimer(entry.timer);
    entry.state.nextRunAt = due;
    entry.timer = this.env.setTimer(() => void this.fire(entry), Math.max(0, due - this.env.now()));
  }

  private async fire(entry: Entry): Promise<void> {
    if (this.isStopped || this.entries.get(this.keyOf(entry.job.site, entry.job.name)) !== entry) return;
    const { dispatch } = this.options;
    if (dispatch) {
      const now = this.env.now();
      this.plan(entry, now);
      await dispatch(entry.job, periodOf(entry.job.schedule, now));
      return;
    }
    if (entry.running) {
      // no overlap: the run still going counts, this one is skipped
      entry.state.runs.skipped++;
      this.plan(entry, this.env.now());
      return;
    }
    await this.start(entry);
  }

  private async start(entry: Entry): Promise<JobReport | undefined> {
    const run = this.runOnce(entry);
    entry.running = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await run;
    } finally {
      entry.running = undefined;
    }
  }

  /**
   * Runs `site`'s `job` now (a run taken from the shared queue), within the concurrency cap;
   * undefined, without running it, when this process has no such job, is stopping or runs the job
   * already (counted as skipped).
   */
  async runNow(site: string, job: string): Promise<JobReport | undefined> {
    const entry = this.entries.get(this.keyOf(site, job));
    if (!entry || this.isStopped) return undefined;
    if (entry.running) {
      entry.state.runs.skipped++;
      return undefined;
    }
    return this.start(entry);
  }

  private async runOnce(entry: Entry): Promise<JobReport | undefined> {
    const release = await this.slots.take();
    if (this.isStopped) {
      release();
      return undefined;
    }
    const { job, state } = entry;
    const controller = new AbortController();
    entry.controller = controller;
    const started = this.env.now();
    state.isRunning = true;
    state.lastRunAt = started;
    const deadline = this.env.setTimer(
      () => controller.abort(new Error(`${job.name} of ${job.site} ran past ${job.timeoutMs} ms`)),
      job.timeoutMs,
    );
    let report: JobReport;
    try {
      report = await Promise.race([
        job.run(controller.signal),
        new Promise<JobReport>((resolve) =>
          controller.signal.addEventListener('abort', () =>
            resolve({ ok: false, items: 0, summary: String((controller.signal.reason as Error)?.message) }),
          ),
        ),
      ]);
    } finally {
      this.env.clearTimer(deadline);
      release();
      entry.controller = undefined;
    }
    state.isRunning = false;
    state.lastDurationMs = this.env.now() - started;
    state.lastReport = report;
    if (report.ok) {
      state.lastSuccessAt = started;
      state.runs.ok++;
    } else state.runs.failed++;
    if (!this.options.dispatch) this.plan(entry, started);
    await this.options.onRun?.({ ...state, runs: { ...state.runs } });
    return report;
  }

  /**
   * Stops planning; running jobs get `graceMs` to finish, then their signals abort (the jobs stop
   * at their next safe point: an outbox element or a watermark is written whole or not at all)
   * and the scheduler waits for them.
   */
  async stop(graceMs: number): Promise<void> {
    this.isStopped = true;
    const running: Promise<void>[] = [];
    for (const entry of this.entries.values()) {
      this.env.clearTimer(entry.timer);
      entry.state.nextRunAt = undefined;
      if (entry.running) running.push(entry.running);
    }
    const all = Promise.allSettled(running);
    let timer: NodeJS.Timeout | undefined;
    const isLate = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (isLate) {
      for (const entry of this.entries.values()) entry.controller?.abort(new Error('the daemon is stopping'));
      await all;
    }
  }
}
