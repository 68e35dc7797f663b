import { describe, expect, it } from 'vitest';
import {
  INITIAL_STATE,
  nextCheckState,
  type CheckState,
  type CheckStatus,
} from '../../../../src/hub/monitor/index.js';

const TIMING = { intervalMs: 900_000, retryMs: 180_000, maxAttempts: 3 };

function walk(statuses: readonly CheckStatus[]) {
  let state: CheckState = INITIAL_STATE;
  return statuses.map((s) => {
    const step = nextCheckState(state, s, TIMING);
    state = step.state;
    return {
      type: step.state.type,
      hard: step.state.hardStatus,
      stored: step.isHard,
      change: step.isHardChange,
      next: step.nextInMs,
    };
  });
}

describe('soft and hard states', () => {
  it('retries a problem at the retry interval and makes it hard at the third attempt', () => {
    expect(walk(['CRITICAL', 'CRITICAL', 'CRITICAL', 'CRITICAL'])).toEqual([
      { type: 'SOFT', hard: 'OK', stored: false, change: false, next: 180_000 },
      { type: 'SOFT', hard: 'OK', stored: false, change: false, next: 180_000 },
      { type: 'HARD', hard: 'CRITICAL', stored: true, change: true, next: 900_000 },
      { type: 'HARD', hard: 'CRITICAL', stored: true, change: false, next: 900_000 },
    ]);
  });

  it('ends a soft problem without a hard change, and a hard one with a recovery', () => {
    expect(walk(['WARNING', 'OK']).map((s) => [s.type, s.hard, s.change])).toEqual([
      ['SOFT', 'OK', false],
      ['HARD', 'OK', false],
    ]);
    expect(walk(['UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'OK']).map((s) => [s.hard, s.change])).toEqual([
      ['OK', false],
      ['OK', false],
      ['UNKNOWN', true],
      ['OK', true],
    ]);
  });

  it('changes a hard problem to another non-OK status at once, and counts soft attempts of any non-OK status', () => {
    expect(
      walk(['CRITICAL', 'WARNING', 'CRITICAL', 'WARNING']).map((s) => [s.type, s.hard, s.change]),
    ).toEqual([
      ['SOFT', 'OK', false],
      ['SOFT', 'OK', false],
      ['HARD', 'CRITICAL', true],
      ['HARD', 'WARNING', true],
    ]);
  });

  it('makes every result hard with one attempt', () => {
    const step = nextCheckState(INITIAL_STATE, 'CRITICAL', { ...TIMING, maxAttempts: 1 });
    expect(step).toMatchObject({
      isHard: true,
      isHardChange: true,
      state: { type: 'HARD', hardStatus: 'CRITICAL' },
    });
  });
});
