// Bounds async work by a time limit, aborting its signal when the limit passes.
import { TimeoutError } from './errors.js';

/**
 * Resolves like `work(signal)`, or rejects with a TimeoutError after `timeoutMs`, aborting `signal`
 * so that the work can stop its requests.
 */
export async function withDeadline<T>(
  what: string,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(what, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
