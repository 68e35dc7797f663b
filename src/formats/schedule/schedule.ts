// Job schedules as the site YAML writes them: an interval (`90s`, `30m`, `1h`, `8h`, `1d`) or a
// five-field cron expression (`10 * * * *`, UTC); parsing and the next run time, pure.
import { CronExpressionParser } from 'cron-parser';

/** A parsed schedule. */
export type Schedule =
  | { readonly kind: 'interval'; readonly ms: number; readonly text: string }
  | { readonly kind: 'cron'; readonly expression: string; readonly text: string };

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `text`; undefined with a reason when it is neither an interval of at least one second
 * nor a valid five-field cron expression.
 * @example parseSchedule('8h') // { kind: 'interval', ms: 28_800_000, text: '8h' }
 */
export function parseSchedule(text: string): { schedule: Schedule } | { problem: string } {
  const trimmed = text.trim();
  const interval = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(trimmed);
  if (interval) {
    const ms = Number(interval[1]) * UNITS[interval[2]!]!;
    if (ms < 1_000) return { problem: `${trimmed} is shorter than 1s` };
    return { schedule: { kind: 'interval', ms, text: trimmed } };
  }
  if (trimmed.split(/\s+/).length !== 5)
    return {
      problem: `expected an interval such as 30m, 1h or 8h, or a five-field cron expression; found "${trimmed}"`,
    };
  try {
    CronExpressionParser.parse(trimmed, { tz: 'UTC' });
  } catch (error) {
    return { problem: `"${trimmed}" is no valid cron expression: ${(error as Error).message}` };
  }
  return { schedule: { kind: 'cron', expression: trimmed, text: trimmed } };
}

/** The typical time between runs, ms: the interval, or the gap after `fromMs` for a cron schedule. */
export function periodOf(schedule: Schedule, fromMs: number): number {
  if (schedule.kind === 'interval') return schedule.ms;
  const next = nextRunAt(schedule, fromMs, 0);
  return nextRunAt(schedule, next, 0) - next;
}

/**
 * When the next run is due after a run (or the start) at `afterMs`: the interval later, or the
 * cron expression's next time; plus `jitterMs` (a random delay the caller draws, so that many
 * sites do not all start at once).
 */
export function nextRunAt(schedule: Schedule, afterMs: number, jitterMs: number): number {
  if (schedule.kind === 'interval') return afterMs + schedule.ms + jitterMs;
  const next = CronExpressionParser.parse(schedule.expression, {
    currentDate: new Date(afterMs),
    tz: 'UTC',
  }).next();
  return next.getTime() + jitterMs;
}
