// Runs the built `fedstack` CLI as a real process.
import { execFile } from 'node:child_process';
import path from 'node:path';

/** Path of the built CLI (npm test builds before running). */
export const CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');

/** Runs `fedstack <args>`; resolves with exit code, stdout and stderr (never rejects on exit status). */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: { ...process.env, ...options.env },
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 << 20,
        cwd: options.cwd,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
