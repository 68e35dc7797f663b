// The retry strategy: classes of failure, full-jitter backoff, Retry-After, deadline and budget.
import { describe, expect, it } from 'vitest';
import {
  RetryBudget,
  backoffDelayMs,
  classifyStatus,
  parseRetryAfterMs,
  planRetry,
  type RetryPlanInput,
} from '../../../src/http/index.js';

const plan = (over: Partial<RetryPlanInput>) =>
  planRetry({
    attempt: 1,
    maxAttempts: 4,
    errorClass: 'transient',
    isRetrySafe: true,
    maxRetryAfterMs: 30_000,
    random: () => 0.5,
    ...over,
  });

describe('retry strategy', () => {
  it('classifies statuses: 429 throttling, 502-504 transient, other 5xx server, 4xx client', () => {
    expect([429, 502, 503, 504, 500, 501, 400, 404, 409].map((s) => classifyStatus(s))).toEqual([
      'throttling',
      'transient',
      'transient',
      'transient',
      'server',
      'server',
      'client',
      'client',
      'client',
    ]);
    expect(classifyStatus(409, true)).toBe('transient');
  });

  it('waits random x min(cap, base x 2^attempt)', () => {
    expect(backoffDelayMs(1, () => 0.5)).toBe(250);
    expect(backoffDelayMs(10, () => 0.999)).toBeCloseTo(4995);
    expect(backoffDelayMs(2, () => 1, { baseDelayMs: 100, maxDelayMs: 300 })).toBe(300);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-03T10:00:00Z');
    expect(parseRetryAfterMs('7', now)).toBe(7000);
    expect(parseRetryAfterMs('Thu, 03 Dec 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfterMs('Thu, 03 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });

  it('retries only safe requests and retryable classes, within attempts', () => {
    expect(plan({})).toEqual({ kind: 'retry', delayMs: 250 });
    expect(plan({ isRetrySafe: false })).toEqual({ kind: 'stop', reason: 'not-retryable' });
    expect(plan({ errorClass: 'server' })).toEqual({ kind: 'stop', reason: 'not-retryable' });
    expect(plan({ errorClass: 'client' })).toEqual({ kind: 'stop', reason: 'not-retryable' });
    expect(plan({ attempt: 4 })).toEqual({ kind: 'stop', reason: 'attempts' });
  });

  it('honours Retry-After but never past the deadline or the longest wait allowed', () => {
    expect(plan({ errorClass: 'throttling', retryAfterMs: 2000 })).toEqual({ kind: 'retry', delayMs: 2000 });
    expect(plan({ retryAfterMs: 2000, remainingMs: 1500 })).toEqual({ kind: 'stop', reason: 'deadline' });
    expect(plan({ retryAfterMs: 60_000 })).toEqual({ kind: 'stop', reason: 'retry-after' });
  });

  it('runs a budget dry while failures go on and refills it with successes', () => {
    const budget = new RetryBudget({ capacity: 12, retryCost: 5, timeoutRetryCost: 10 });
    expect(budget.acquire(false)).toBe(5);
    expect(budget.acquire(false)).toBe(5);
    expect(budget.acquire(false)).toBeUndefined();
    budget.release(5);
    expect(budget.available).toBe(7);
    expect(budget.acquire(true)).toBeUndefined();
    budget.release(0);
    budget.release(0);
    budget.release(0);
    expect(budget.acquire(true)).toBe(10);
  });
});
