// Parsers of command-line option values shared by the `fedstack` commands.
import { InvalidArgumentError } from 'commander';

/** An option value that must be a whole number above 0, e.g. `--concurrency 4`. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive integer (found ${JSON.stringify(value)})`);
  return n;
}
