// The hub's monitor: every metric of the profile against every monitored endpoint of the registry, on
// its interval, with Nagios' soft and hard states, bounded concurrency and a time limit per check;
// hard results go to the status history in batches, hard state changes to an optional webhook.
import { describeError } from '../../errors.js';
import { httpRequest } from '../../http/index.js';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import type { RegistryEndpoint } from '../../formats/gocdb/index.js';
import type { Registry } from '../registry/index.js';
import type { HubStore } from '../store/hub-store.js';
import { INITIAL_STATE, nextCheckState, type CheckState, type CheckTiming } from './check-state.js';
import { validityMs, type MetricSpec, type MonitorConfig } from './monitor-config.js';
import { ResultStore, type StoredResult, type StoredState } from './result-store.js';
import { runCheck, type CheckOutcome, type CheckTarget } from './run-check.js';

/** Options of {@link Monitor}. */
export interface MonitorOptions {
  readonly store: HubStore;
  readonly registry: Registry;
  readonly config: MonitorConfig;
  /** The hub's own URL, for the checks that read it (information system, accounting). */
  readonly hubUrl: string;
  readonly logger?: Logger;
  /** Runs one check; default {@link runCheck} (benchmarks and tests give their own). */
  readonly run?: (target: CheckTarget, spec: MetricSpec) => Promise<CheckOutcome>;
  /** How often the registry is read again for new or removed endpoints, ms; default 60 000. */
  readonly refreshMs?: number;
  /** How often buffered hard results are written, ms; default 1 000. */
  readonly flushMs?: number;
}

/** One scheduled check: a metric of an endpoint. */
interface Check {
  readonly id: string;
  readonly seriesId: number;
  readonly endpoint: RegistryEndpoint;
  readonly metric: string;
  readonly spec: MetricSpec;
  readonly timing: CheckTiming;
  state: CheckState;
  dueAt: number;
  isRemoved: boolean;
}

/** Figures of a running monitor (for `/metrics`, status and the benchmark). */
export interface MonitorStats {
  readonly checks: number;
  readonly running: number;
  readonly started: number;
  /** The largest delay between a check's due time and its start, ms. */
  readonly maxStartDelayMs: number;
  readonly stored: number;
}

/** A small binary heap of checks by due time. */
class DueQueue {
  private readonly items: Check[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Check | undefined {
    return this.items[0];
  }
  push(c: Check): void {
    const a = this.items;
    a.push(c);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.dueAt <= a[i]!.dueAt) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): Check | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.dueAt < a[m]!.dueAt) m = l;
        if (r < a.length && a[r]!.dueAt < a[m]!.dueAt) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** First runs are spread over the interval, at most this long (Nagios' inter-check delay). */
const FIRST_RUN_SPREAD_MS = 15 * 60_000;

/** Spreads first runs over the interval (a stable offset per check), so a start is not a burst. */
function offsetOf(id: string, spanMs: number): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % Math.max(1, spanMs);
}

function targetOf(e: RegistryEndpoint): CheckTarget {
  return {
    site: e.siteName,
    hostname: e.hostname,
    url: e.url ?? `https://${e.hostname}`,
    extensions: e.extensions,
  };
}

/** The monitor. `start()` it; `stop()` waits for running checks (up to their time limit) and writes what is buffered. */
export class Monitor {
  private readonly o: MonitorOptions;
  private readonly logger: Logger;
  private readonly results: ResultStore;
  private readonly checks = new Map<string, Check>();
  private readonly queue = new DueQueue();
  private readonly buffer: StoredResult[] = [];
  private readonly states = new Map<number, StoredState>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private isStopped = false;
  private started = 0;
  private stored = 0;
  private maxStartDelayMs = 0;

  constructor(options: MonitorOptions) {
    this.o = options;
    this.logger = options.logger ?? silentLogger;
    this.results = new ResultStore(options.store);
  }

  /** Reads the registry and the stored states, then schedules every check. */
  async start(): Promise<void> {
    const saved = new Map((await this.results.states()).map((s) => [s.seriesId, s]));
    await this.refresh(saved);
    this.refreshTimer = setInterval(() => void this.refresh(new Map()), this.o.refreshMs ?? 60_000);
    this.flushTimer = setInterval(() => void this.flush(), this.o.flushMs ?? 1_000);
    this.refreshTimer.unref();
    this.flushTimer.unref();
    this.arm();
  }

  stats(): MonitorStats {
    return {
      checks: this.checks.size,
      running: this.running.size,
      started: this.started,
      maxStartDelayMs: this.maxStartDelayMs,
      stored: this.stored,
    };
  }

  /** Adds checks of new monitored endpoints, drops those of removed ones. */
  private async refresh(saved: Map<number, StoredState>): Promise<void> {
    let endpoints: RegistryEndpoint[];
    try {
      endpoints = await this.o.registry.endpoints({ isMonitored: true });
    } catch (error) {
      this.logger.error(
        { error: describeError(error) },
        'cannot read the registry; the checks stay as they were',
      );
      return;
    }
    const wanted = new Set<string>();
    const fresh: Omit<Check, 'dueAt'>[] = [];
    for (const e of endpoints) {
      for (const metric of this.o.config.profile[e.serviceType] ?? []) {
        const id = `${e.primaryKey}/${metric}`;
        wanted.add(id);
        if (this.checks.has(id)) continue;
        const spec = this.o.config.metrics[metric]!;
        const seriesId = await this.results.seriesId({
          endpointKey: e.primaryKey,
          metric,
          siteName: e.siteName,
          serviceType: e.serviceType,
          hostname: e.hostname,
        });
        const timing = {
          intervalMs: spec.interval * 1000,
          retryMs: spec.retry * 1000,
          maxAttempts: spec.attempts,
        };
        const prior = saved.get(seriesId);
        fresh.push({
          id,
          seriesId,
          endpoint: e,
          metric,
          spec,
          timing,
          state: prior?.state ?? INITIAL_STATE,

          isRemoved: false,
        });
      }
    }
    // due times from after the series were read: with thousands, that read takes a while
    const now = Date.now();
    for (const c of fresh) {
      const prior = saved.get(c.seriesId);
      const check: Check = {
        ...c,
        dueAt: prior
          ? Math.max(
              now,
              prior.lastAtMs + (prior.state.type === 'SOFT' ? c.timing.retryMs : c.timing.intervalMs),
            )
          : now + offsetOf(c.id, Math.min(c.timing.intervalMs, FIRST_RUN_SPREAD_MS)),
      };
      this.checks.set(check.id, check);
      this.queue.push(check);
    }
    for (const [id, check] of this.checks) {
      if (wanted.has(id)) continue;
      check.isRemoved = true;
      this.checks.delete(id);
    }
    this.arm();
  }

  /** Sets the timer to the next due check. */
  private arm(): void {
    if (this.isStopped) return;
    if (this.timer) clearTimeout(this.timer);
    const next = this.queue.peek();
    if (!next) return;
    this.timer = setTimeout(() => this.dispatch(), Math.max(0, next.dueAt - Date.now()));
  }

  /** Starts every due check while there is room. */
  private dispatch(): void {
    this.timer = undefined;
    const limit = this.o.config.concurrency;
    const now = Date.now();
    while (this.running.size < limit) {
      const next = this.queue.peek();
      if (!next || next.dueAt > now) break;
      this.queue.pop();
      if (next.isRemoved) continue;
      this.launch(next, now);
    }
    // full: the next start comes when a running check ends
    if (this.running.size < limit) this.arm();
  }

  private launch(check: Check, now: number): void {
    this.started++;
    this.maxStartDelayMs = Math.max(this.maxStartDelayMs, now - check.dueAt);
    const run = this.o.run ?? ((t, s) => runCheck(t, s, this.o.hubUrl));
    const guardMs = check.spec.timeout * 1000 + 5_000;
    let guard: NodeJS.Timeout | undefined;
    const overdue = new Promise<CheckOutcome>((resolve) => {
      guard = setTimeout(
        () =>
          resolve({
            status: 'UNKNOWN',
            summary: `UNKNOWN: the check did not end within ${check.spec.timeout} s`,
            perfdata: '',
            durationMs: guardMs,
          }),
        guardMs,
      );
    });
    const task = Promise.race([
      run(targetOf(check.endpoint), check.spec).catch((error: unknown): CheckOutcome => ({
        status: 'UNKNOWN',
        summary: `UNKNOWN: ${describeError(error)}`,
        perfdata: '',
        durationMs: Date.now() - now,
      })),
      overdue,
    ]).then((outcome) => {
      clearTimeout(guard);
      this.settle(check, now, outcome);
    });
    this.running.add(task);
    void task.finally(() => {
      this.running.delete(task);
      if (!this.isStopped) this.dispatch();
    });
  }

  private settle(check: Check, startedAt: number, outcome: CheckOutcome): void {
    const step = nextCheckState(check.state, outcome.status, check.timing);
    const previous = check.state.hardStatus;
    check.state = step.state;
    const doneAt = startedAt + outcome.durationMs;
    if (step.isHard) {
      this.buffer.push({
        seriesId: check.seriesId,
        atMs: startedAt,
        status: outcome.status,
        durationMs: outcome.durationMs,
        summary: outcome.summary.slice(0, 1000),
        perfdata: outcome.perfdata.slice(0, 1000),
        validForMs: validityMs(check.spec),
      });
    }
    this.states.set(check.seriesId, {
      seriesId: check.seriesId,
      state: step.state,
      lastAtMs: startedAt,
      summary: outcome.summary.slice(0, 1000),
    });
    if (step.isHardChange) this.notify(check, previous, outcome, startedAt);
    if (check.isRemoved || this.isStopped) return;
    check.dueAt = Math.max(doneAt, startedAt + step.nextInMs);
    this.queue.push(check);
  }

  private notify(check: Check, previous: string, outcome: CheckOutcome, at: number): void {
    const line = {
      site: check.endpoint.siteName,
      endpoint: check.endpoint.primaryKey,
      hostname: check.endpoint.hostname,
      serviceType: check.endpoint.serviceType,
      metric: check.metric,
      status: outcome.status,
      previous,
      summary: outcome.summary,
      at: new Date(at).toISOString(),
    };
    this.logger.info(line, 'hard state change');
    const url = this.o.config.webhook;
    if (!url) return;
    httpRequest(
      {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(line),
        deadlineAtMs: Date.now() + 10_000,
      },
      { timeoutMs: 10_000, logName: 'webhook' },
    ).then(
      (res) => res.body?.cancel(),
      (error: unknown) =>
        this.logger.warn({ error: describeError(error) }, 'the state change webhook failed'),
    );
  }

  /** Writes the buffered hard results and states (one transaction). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.length === 0 && this.states.size === 0) return;
      const results = this.buffer.splice(0);
      const states = [...this.states.values()];
      this.states.clear();
      try {
        await this.results.record(results, states);
        this.stored += results.length;
      } catch (error) {
        this.logger.error(
          { error: describeError(error), results: results.length },
          'cannot store check results; they are kept for the next write',
        );
        this.buffer.unshift(...results);
        for (const s of states) if (!this.states.has(s.seriesId)) this.states.set(s.seriesId, s);
      }
    });
    return this.flushing;
  }

  /** Stops scheduling, waits for the running checks, writes what is buffered. */
  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.timer);
    clearInterval(this.refreshTimer);
    clearInterval(this.flushTimer);
    await Promise.allSettled([...this.running]);
    await this.flush();
  }
}
