// Debian packages a test needs, installed when missing: for unit-only runs, which skip the
// testbed's install step (testbed/openstack.sh install, which installs every package the tests use).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

const UPDATE_TIMEOUT_MS = 300_000;
const INSTALL_TIMEOUT_MS = 600_000;

async function isInstalled(pkg: string): Promise<boolean> {
  try {
    const { stdout } = await run('dpkg', ['-s', pkg]);
    // a removed package whose configuration files remain is known to dpkg, but not installed
    return /^Status: install ok installed$/m.test(stdout);
  } catch {
    return false;
  }
}

function failure(what: string, error: unknown): string {
  const e = error as { killed?: boolean; signal?: string; stderr?: string; message?: string };
  if (e.killed) return `${what} took too long (killed with ${e.signal ?? 'a signal'})`;
  const detail = (e.stderr ?? '').trim().split('\n').slice(-5).join('\n') || e.message || String(error);
  return `${what} failed:\n${detail}`;
}

/**
 * Installs the missing ones of `packages` with apt-get (as root), or fails naming them.
 * @throws Error naming each missing package and how to install it.
 */
export async function ensureOsPackages(packages: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const pkg of packages) if (!(await isInstalled(pkg))) missing.push(pkg);
  if (missing.length === 0) return;
  const names = missing.join(' ');
  const how = `apt-get install --no-install-recommends ${names}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`the tests need the Debian package(s) ${names}; install them as root: ${how}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['update', '-qq'], { env, timeout: UPDATE_TIMEOUT_MS, maxBuffer: 16 << 20 });
  } catch (error) {
    throw new Error(`${failure('apt-get update', error)}\n(needed to install ${names}; or run: ${how})`, {
      cause: error,
    });
  }
  try {
    await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
      env,
      timeout: INSTALL_TIMEOUT_MS,
      maxBuffer: 16 << 20,
    });
  } catch (error) {
    throw new Error(`${failure(`installing the Debian package(s) ${names}`, error)}\n(by hand: ${how})`, {
      cause: error,
    });
  }
  const still: string[] = [];
  for (const pkg of missing) if (!(await isInstalled(pkg))) still.push(pkg);
  if (still.length > 0) throw new Error(`apt-get ran but ${still.join(' ')} is still not installed`);
}
