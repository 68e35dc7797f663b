import { describe, expect, it } from 'vitest';
import { EXIT_CODES, pluginOutput, thresholdStatus } from '../../../src/probe/index.js';

describe('plugin output', () => {
  it('writes STATUS: summary | perfdata on one line, the steps only when verbose', () => {
    const result = {
      status: 'OK' as const,
      summary: 'token scoped\nin 0.4 s | fast',
      perfdata: { login: 0.41234, "it's": 1 },
      steps: ['login: done', 'scope: done'],
    };
    expect(pluginOutput(result, false)).toBe("OK: token scoped in 0.4 s / fast | 'login'=0.412s 'its'=1s\n");
    expect(pluginOutput(result, true)).toBe(
      "OK: token scoped in 0.4 s / fast | 'login'=0.412s 'its'=1s\nlogin: done\nscope: done\n",
    );
    expect(pluginOutput({ status: 'UNKNOWN', summary: 'bad' }, true)).toBe('UNKNOWN: bad\n');
  });

  it('compares an age with -w and -c, a threshold of 0 being off', () => {
    expect([1, 8, 31].map((days) => thresholdStatus(days, 7, 30))).toEqual(['OK', 'WARNING', 'CRITICAL']);
    expect(thresholdStatus(1000, 0, 0)).toBe('OK');
    expect(thresholdStatus(8, 0, 30)).toBe('OK');
    expect(thresholdStatus(7, 7, 30)).toBe('OK');
  });

  it('exits as Nagios wants', () => {
    expect(EXIT_CODES).toEqual({ OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 });
  });
});
