// The error a promise rejects with or a function throws, checked to be of the expected class.
import { expect } from 'vitest';

/** The rejection of `promise`, which must be an instance of `errorClass` (a resolved promise fails the test). */
export async function rejectionOf<E>(
  promise: Promise<unknown>,
  errorClass: abstract new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(errorClass);
  return error as E;
}

/** The error `run` throws, which must be an instance of `errorClass` (returning fails the test). */
export function thrownBy<E>(run: () => unknown, errorClass: abstract new (...args: never[]) => E): E {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(errorClass);
  return error as E;
}
