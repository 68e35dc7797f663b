// Parsers of command-line option values shared by the `fedstack` commands.
import { InvalidArgumentError } from 'commander';

/** An option value that must be a whole number above 0, e.g. `--concurrency 4`. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive integer (found ${JSON.stringify(value)})`);
  return n;
}

/**
 * True when exactly one of `--config` and `--config-dir` is given; otherwise says so on stderr and
 * sets exit status 2 (a bad command line, as a bad config).
 */
export function hasOneConfigSource(opts: { config?: string; configDir?: string }, command: string): boolean {
  if (!opts.config !== !opts.configDir) return true;
  process.stderr.write(`fedstack: ${command}: give exactly one of --config or --config-dir\n`);
  process.exitCode = 2;
  return false;
}
