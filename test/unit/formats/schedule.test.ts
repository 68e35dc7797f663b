import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { nextRunAt, parseSchedule, periodOf } from '../../../src/formats/schedule/index.js';
import { loadSiteConfig } from '../../../src/site/site-config.js';
import { thrownBy } from '../../helpers/expect-rejection.js';

const at = (iso: string) => Date.parse(iso);

describe('schedules', () => {
  it('reads intervals and cron expressions and gives the next run', () => {
    const hourly = parseSchedule('1h');
    expect(hourly).toEqual({ schedule: { kind: 'interval', ms: 3_600_000, text: '1h' } });
    const cron = parseSchedule('10 * * * *');
    if (!('schedule' in cron) || !('schedule' in hourly)) throw new Error('expected schedules');
    expect(nextRunAt(cron.schedule, at('2026-12-03T10:05:00Z'), 0)).toBe(at('2026-12-03T10:10:00Z'));
    expect(nextRunAt(cron.schedule, at('2026-12-03T10:10:00Z'), 30_000)).toBe(at('2026-12-03T11:10:30Z'));
    expect(nextRunAt(hourly.schedule, 1_000, 5)).toBe(3_601_005);
    expect(periodOf(cron.schedule, at('2026-12-03T10:05:00Z'))).toBe(3_600_000);
  });

  it('says what is wrong with a schedule it cannot read', () => {
    expect(parseSchedule('0.5s')).toEqual({ problem: '0.5s is shorter than 1s' });
    expect(parseSchedule('hourly')).toMatchObject({
      problem: expect.stringMatching(/expected an interval such as 30m/),
    });
    expect(parseSchedule('61 * * * *')).toMatchObject({
      problem: expect.stringMatching(/no valid cron expression/),
    });
  });

  describe('in the site YAML', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-schedules-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const load = (extra: string) => {
      const file = path.join(dir, 'site.yaml');
      writeFileSync(file, `gocdb: SITE\nendpoint: https://keystone.example.org:5000/v3\n${extra}`);
      return () => loadSiteConfig(file);
    };

    it('defaults to the appliance’s times', () => {
      const { schedules } = load('')();
      expect([schedules.accounting, schedules.discovery, schedules.images].map((s) => s.text)).toEqual([
        '1h',
        '1h',
        '8h',
      ]);
      expect(schedules.jitterMs).toBe(300_000);
      expect(schedules.timeoutsMs).toEqual({ accounting: 1_800_000, discovery: 600_000, images: 21_600_000 });
    });

    it('reads the time limits of the jobs, intervals only', () => {
      const { schedules } = load('schedules:\n  timeouts:\n    discovery: 90s\n')();
      expect(schedules.timeoutsMs).toMatchObject({ accounting: 1_800_000, discovery: 90_000 });
      expect(
        thrownBy(load('schedules:\n  timeouts:\n    images: "0 * * * *"\n'), ConfigError).message,
      ).toMatch(/schedules\.timeouts\.images: expected an interval such as 30s, 5m or 6h/);
      expect(thrownBy(load('schedules:\n  timeouts:\n    sync: 1h\n'), ConfigError).message).toMatch(
        /schedules\.timeouts.*sync/,
      );
    });

    it('names the key of a bad schedule', () => {
      const error = thrownBy(load('schedules:\n  images: every night\n'), ConfigError);
      expect(error.message).toMatch(/schedules\.images: expected an interval such as 30m, 1h or 8h/);
      expect(thrownBy(load('schedules:\n  jitter: "*/5 * * * *"\n'), ConfigError).message).toMatch(
        /schedules\.jitter: expected an interval such as 30s, 5m or 6h/,
      );
    });
  });
});
