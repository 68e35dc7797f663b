import { describe, expect, it } from 'vitest';
import { parseSchedule, type Schedule } from '../../../../src/formats/schedule/index.js';
import {
  Scheduler,
  type JobReport,
  type SchedulerEnv,
  type SiteJob,
} from '../../../../src/site/daemon/index.js';

/** A clock and timers the test moves by hand. */
class FakeEnv implements SchedulerEnv {
  t = Date.UTC(2026, 11, 3, 10, 0, 0);
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now = () => this.t;
  random = () => 0.5;
  setTimer = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimer = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

const every = (text: string): Schedule => {
  const parsed = parseSchedule(text);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.schedule;
};

function job(
  site: string,
  name: SiteJob['name'],
  run: SiteJob['run'],
  overrides: Partial<SiteJob> = {},
): SiteJob {
  return { site, name, schedule: every('1h'), jitterMs: 0, timeoutMs: 600_000, run, ...overrides };
}

const ok = (items = 1): JobReport => ({ ok: true, items, summary: 'done' });

describe('Scheduler', () => {
  it('runs a job at start when it never succeeded, then every period after its start', async () => {
    const env = new FakeEnv();
    const starts: number[] = [];
    const s = new Scheduler({ env });
    s.setSiteJobs('A', [job('A', 'discovery', async () => (starts.push(env.now()), ok()))]);
    await env.advance(0);
    await env.advance(3 * 3_600_000);
    expect(starts.map((t) => (t - starts[0]!) / 60_000)).toEqual([0, 60, 120, 180]);
    expect(s.states()).toMatchObject([
      { site: 'A', job: 'discovery', runs: { ok: 4, failed: 0 }, lastSuccessAt: starts[3] },
    ]);
  });

  it('waits for the next period when the last success (from the status file) is recent, and adds the jitter', async () => {
    const env = new FakeEnv();
    const starts: number[] = [];
    const lastSuccess = env.now() - 20 * 60_000;
    const s = new Scheduler({ env, lastSuccessOf: () => lastSuccess });
    s.setSiteJobs('A', [
      job('A', 'accounting', async () => (starts.push(env.now()), ok()), { jitterMs: 10 * 60_000 }),
    ]);
    await env.advance(30 * 60_000);
    expect(starts).toEqual([]);
    // last success + 1h + half the jitter (random() is 0.5)
    expect(s.states()[0]!.nextRunAt).toBe(lastSuccess + 3_600_000 + 5 * 60_000);
    await env.advance(20 * 60_000);
    expect(starts).toEqual([lastSuccess + 3_600_000 + 5 * 60_000]);
  });

  it('never runs a job beside itself: a run due while the last one goes on is skipped and counted', async () => {
    const env = new FakeEnv();
    let finish: (() => void) | undefined;
    let runs = 0;
    const s = new Scheduler({ env });
    const slow = job(
      'A',
      'images',
      () => {
        runs++;
        return new Promise<JobReport>((resolve) => (finish = () => resolve(ok())));
      },
      { schedule: every('10m'), timeoutMs: 3_600_000 },
    );
    s.setSiteJobs('A', [slow]);
    await env.advance(35 * 60_000);
    expect(runs).toBe(1);
    expect(s.states()[0]).toMatchObject({ isRunning: true });
    finish!();
    await env.advance(0);
    // the starts it ran past are skipped, not made up in a burst: the next one is a period from now
    expect(s.states()[0]).toMatchObject({ isRunning: false, runs: { ok: 1, skipped: 1 } });
    expect(s.states()[0]!.nextRunAt).toBe(env.now() + 10 * 60_000);
    await env.advance(10 * 60_000);
    expect(runs).toBe(2);
  });

  it('keeps at most `concurrency` jobs running; a hanging site holds one slot, never the others', async () => {
    const env = new FakeEnv();
    const running = new Set<string>();
    let most = 0;
    const s = new Scheduler({ env, concurrency: 2 });
    const tracked = (site: string, hang = false) =>
      job(site, 'discovery', async () => {
        running.add(site);
        most = Math.max(most, running.size);
        if (hang) await new Promise(() => undefined);
        await new Promise((resolve) => setImmediate(resolve));
        running.delete(site);
        return ok();
      });
    s.setSiteJobs('DEAD', [tracked('DEAD', true)]);
    for (const site of ['B', 'C', 'D']) s.setSiteJobs(site, [tracked(site)]);
    await env.advance(0);
    await env.advance(0);
    expect(most).toBe(2);
    expect(
      s
        .states()
        .filter((st) => st.runs.ok === 1)
        .map((st) => st.site),
    ).toEqual(['B', 'C', 'D']);
  });

  it('stops a run past its time limit through its signal and reports it failed', async () => {
    const env = new FakeEnv();
    let signalled: AbortSignal | undefined;
    const s = new Scheduler({ env });
    s.setSiteJobs('A', [
      job('A', 'accounting', (signal) => ((signalled = signal), new Promise<JobReport>(() => undefined)), {
        timeoutMs: 60_000,
      }),
    ]);
    await env.advance(61_000);
    expect(signalled?.aborted).toBe(true);
    expect(s.states()[0]).toMatchObject({
      isRunning: false,
      runs: { failed: 1 },
      lastReport: { ok: false, summary: 'accounting of A ran past 60000 ms' },
    });
  });

  it('on stop lets a running job finish within the grace time, plans nothing more, and aborts one that goes on', async () => {
    const env = new FakeEnv();
    const signals: AbortSignal[] = [];
    const s = new Scheduler({ env });
    s.setSiteJobs('A', [
      job('A', 'discovery', (signal) => (signals.push(signal), new Promise<JobReport>(() => undefined))),
    ]);
    await env.advance(0);
    const started = Date.now();
    await s.stop(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(s.states()[0]!.nextRunAt).toBeUndefined();
    await env.advance(5 * 3_600_000);
    expect(signals).toHaveLength(1);
  });

  it('applies a changed schedule and drops the jobs a changed config no longer has', async () => {
    const env = new FakeEnv();
    const s = new Scheduler({ env, lastSuccessOf: () => env.now() });
    s.setSiteJobs('A', [job('A', 'discovery', async () => ok()), job('A', 'images', async () => ok())]);
    s.setSiteJobs('A', [job('A', 'discovery', async () => ok(), { schedule: every('15m') })]);
    expect(s.states().map((st) => [st.job, st.schedule, st.nextRunAt! - env.now()])).toEqual([
      ['discovery', '15m', 15 * 60_000],
    ]);
  });

  it('with a shared queue offers each due job with its period instead of running it, and runs what comes back through runNow', async () => {
    const env = new FakeEnv();
    const offers: [string, string, number, number][] = [];
    let runs = 0;
    let finish: (() => void) | undefined;
    const s = new Scheduler({
      env,
      dispatch: async (j, periodMs) => void offers.push([j.site, j.name, periodMs, env.now()]),
    });
    s.setSiteJobs('A', [
      job('A', 'discovery', async () => {
        runs++;
        await new Promise<void>((resolve) => (finish = resolve));
        return ok(3);
      }),
    ]);
    await env.advance(2 * 3_600_000);
    // offered at start (never succeeded) and every hour, never run without runNow
    expect(
      offers.map(([site, name, period, at]) => [site, name, period, (at - offers[0]![3]) / 60_000]),
    ).toEqual([
      ['A', 'discovery', 3_600_000, 0],
      ['A', 'discovery', 3_600_000, 60],
      ['A', 'discovery', 3_600_000, 120],
    ]);
    expect(runs).toBe(0);
    const first = s.runNow('A', 'discovery');
    await settle();
    // a second run of the same job while the first goes on is not started, and counted as skipped
    expect(await s.runNow('A', 'discovery')).toBeUndefined();
    expect(await s.runNow('B', 'discovery')).toBeUndefined();
    finish!();
    expect(await first).toEqual(ok(3));
    expect(runs).toBe(1);
    expect(s.states()).toMatchObject([{ job: 'discovery', runs: { ok: 1, skipped: 1 } }]);
    // a run taken from the queue does not move the offers' plan
    expect(s.states()[0]!.nextRunAt).toBe(offers[2]![3] + 3_600_000);
  });
});
