// Nagios' soft and hard states, as a pure step: a check result in, the new state and when to check next out.

export type CheckStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

/** When and how often a check runs. Times in ms. */
export interface CheckTiming {
  readonly intervalMs: number;
  readonly retryMs: number;
  /** Results of one non-OK status in a row before it is a hard state (Nagios' max_check_attempts). */
  readonly maxAttempts: number;
}

/** A check's state between results. */
export interface CheckState {
  /** The last hard state (OK before any result). */
  readonly hardStatus: CheckStatus;
  /** The status of the last result. */
  readonly status: CheckStatus;
  readonly type: 'HARD' | 'SOFT';
  /** Non-OK results in a row (1 for the first), 0 while OK. */
  readonly attempt: number;
}

export const INITIAL_STATE: CheckState = { hardStatus: 'OK', status: 'OK', type: 'HARD', attempt: 0 };

/** What one result did. */
export interface CheckStep {
  readonly state: CheckState;
  /** The result is a hard one: stored in the history (a hard state, or a change to one). */
  readonly isHard: boolean;
  /** The hard state changed (a notification, for the webhook). */
  readonly isHardChange: boolean;
  /** Delay until the next run. */
  readonly nextInMs: number;
}

/**
 * The state after a result, following Nagios: a non-OK result from a hard OK starts soft attempts at
 * the retry interval; the `maxAttempts`-th in a row makes it hard; an OK ends the problem at once (a
 * hard recovery if it was hard, a soft recovery otherwise); a hard non-OK that changes to another
 * non-OK status changes the hard state at once. With `maxAttempts` 1 every result is hard.
 */
export function nextCheckState(state: CheckState, status: CheckStatus, timing: CheckTiming): CheckStep {
  if (status === 'OK') {
    const isHardChange = state.hardStatus !== 'OK';
    return {
      state: INITIAL_STATE,
      isHard: true,
      isHardChange,
      nextInMs: timing.intervalMs,
    };
  }
  if (state.type === 'HARD' && state.hardStatus !== 'OK') {
    // already in a hard problem: another non-OK status is a hard change at once
    return {
      state: { hardStatus: status, status, type: 'HARD', attempt: state.attempt + 1 },
      isHard: true,
      isHardChange: status !== state.hardStatus,
      nextInMs: timing.intervalMs,
    };
  }
  const attempt = state.status === 'OK' ? 1 : state.attempt + 1;
  if (attempt >= timing.maxAttempts) {
    return {
      state: { hardStatus: status, status, type: 'HARD', attempt },
      isHard: true,
      isHardChange: true,
      nextInMs: timing.intervalMs,
    };
  }
  return {
    state: { ...state, status, type: 'SOFT', attempt },
    isHard: false,
    isHardChange: false,
    nextInMs: timing.retryMs,
  };
}
