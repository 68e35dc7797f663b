// Talking to a `fedstack site run` process in integration tests: waiting for a condition, reading
// its /metrics and /status.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'undici';
import { CLI } from './cli.js';

/** Polls `probe` every half second until it gives a value; throws naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** GET with five-second timeouts. */
export async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await request(url, { headersTimeout: 5_000, bodyTimeout: 5_000 });
  return { status: res.statusCode, text: await res.body.text() };
}

/** Runs of `job` at `site` with `outcome`, from a /metrics text. */
export function runsOf(text: string, site: string, job: string, outcome: string): number {
  const pattern = new RegExp(
    `fedstack_site_job_runs_total\\{site="${site}",job="${job}",outcome="${outcome}"\\} (\\d+)`,
  );
  return Number(pattern.exec(text)?.[1] ?? 0);
}

/** A `fedstack site run` child process with its stderr collected. */
export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Everything it logged so far. */
  log(): string;
}

/** Starts `fedstack site run` with `args`. */
export function spawnDaemon(args: readonly string[]): DaemonProcess {
  const child = spawn(process.execPath, [CLI, 'site', 'run', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, log: () => log };
}
