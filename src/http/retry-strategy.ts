// The retry strategy of outbound HTTP: error classes, capped full-jitter backoff, Retry-After, a retry budget.

/**
 * What kind of failure a response or network error is: `transient` (reset, refused, 502–504),
 * `throttling` (429), `server` (other 5xx) or `client` (4xx). Only the first two are retried.
 */
export type HttpErrorClass = 'transient' | 'throttling' | 'server' | 'client';

/** Methods that may be sent again after a failure without the caller saying so (as undici's retry handler). */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * The class of an error status. A 409 counts as transient only when `isConflictTransient` (operations
 * whose conflict is a task state that passes, such as Nova's "instance is in task_state …").
 */
export function classifyStatus(status: number, isConflictTransient = false): HttpErrorClass {
  if (status === 429) return 'throttling';
  if (status === 502 || status === 503 || status === 504) return 'transient';
  if (status === 409 && isConflictTransient) return 'transient';
  return status >= 500 ? 'server' : 'client';
}

/** True for the classes a retry can cure. */
export function isRetryableClass(errorClass: HttpErrorClass): boolean {
  return errorClass === 'transient' || errorClass === 'throttling';
}

/** Bounds of the backoff; defaults 250 ms base, 5 000 ms cap. */
export interface BackoffOptions {
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * The wait before retry number `attempt` (1 after the first failure): full jitter,
 * `random() × min(maxDelayMs, baseDelayMs × 2^attempt)`, in ms.
 * @param random a source of numbers in [0, 1), injected so tests are exact
 */
export function backoffDelayMs(attempt: number, random: () => number, options: BackoffOptions = {}): number {
  const base = options.baseDelayMs ?? 250;
  const cap = options.maxDelayMs ?? 5_000;
  return random() * Math.min(cap, base * 2 ** attempt);
}

/**
 * The wait a `Retry-After` header asks for, in ms: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)
 * measured from `nowMs`; undefined when absent or unreadable. A date in the past means 0.
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const dateMs = Date.parse(text);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}

/** What decides whether and when to retry. */
export interface RetryPlanInput {
  /** Attempts made so far (1 after the first). */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly errorClass: HttpErrorClass;
  /** Whether the request may be sent again at all (idempotent, or marked safe by the caller). */
  readonly isRetrySafe: boolean;
  /** The response's `Retry-After` in ms, if any. */
  readonly retryAfterMs?: number;
  /** Longest `Retry-After` worth waiting for, ms; a longer one ends the retries. */
  readonly maxRetryAfterMs: number;
  /** Time left before the caller's deadline, ms; undefined for none. */
  readonly remainingMs?: number;
  readonly random: () => number;
  readonly backoff?: BackoffOptions;
}

/** Why no retry follows, or how long to wait before it. */
export type RetryPlan =
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'stop'; readonly reason: 'not-retryable' | 'attempts' | 'retry-after' | 'deadline' };

/**
 * Decides whether a failed attempt is sent again and after what wait. The wait is the full-jitter
 * backoff, or the server's `Retry-After` when that is longer (never earlier than the server asked);
 * a wait that would end past the caller's deadline stops instead.
 */
export function planRetry(input: RetryPlanInput): RetryPlan {
  if (!input.isRetrySafe || !isRetryableClass(input.errorClass))
    return { kind: 'stop', reason: 'not-retryable' };
  if (input.attempt >= input.maxAttempts) return { kind: 'stop', reason: 'attempts' };
  if (input.retryAfterMs !== undefined && input.retryAfterMs > input.maxRetryAfterMs)
    return { kind: 'stop', reason: 'retry-after' };
  const jitterMs = backoffDelayMs(input.attempt, input.random, input.backoff);
  const delayMs = Math.max(jitterMs, input.retryAfterMs ?? 0);
  if (input.remainingMs !== undefined && delayMs >= input.remainingMs)
    return { kind: 'stop', reason: 'deadline' };
  return { kind: 'retry', delayMs };
}

/** Sizes of a {@link RetryBudget}; defaults 500 capacity, 5 per retry, 10 per retry after a timeout. */
export interface RetryBudgetOptions {
  readonly capacity?: number;
  readonly retryCost?: number;
  readonly timeoutRetryCost?: number;
}

/**
 * A shared allowance of retries (a token bucket, as the AWS SDKs' retry quota): every retry takes
 * tokens, every success gives one back (a retried success gives its cost back). When a remote is
 * down, the budget runs dry and calls fail at once instead of multiplying the load.
 */
export class RetryBudget {
  readonly capacity: number;
  readonly #retryCost: number;
  readonly #timeoutRetryCost: number;
  #available: number;

  constructor(options: RetryBudgetOptions = {}) {
    this.capacity = options.capacity ?? 500;
    this.#retryCost = options.retryCost ?? 5;
    this.#timeoutRetryCost = options.timeoutRetryCost ?? 10;
    this.#available = this.capacity;
  }

  /** Tokens left. */
  get available(): number {
    return this.#available;
  }

  /** Takes the cost of one retry; returns the tokens taken, or undefined (no retry) when too few are left. */
  acquire(isAfterTimeout: boolean): number | undefined {
    const cost = isAfterTimeout ? this.#timeoutRetryCost : this.#retryCost;
    if (cost > this.#available) return undefined;
    this.#available -= cost;
    return cost;
  }

  /** Gives tokens back after a success: what its retries took, or 1 for a first-attempt success. */
  release(tokensTaken: number): void {
    this.#available = Math.min(this.capacity, this.#available + (tokensTaken > 0 ? tokensTaken : 1));
  }
}
