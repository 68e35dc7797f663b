// The Debian package built from this checkout (`npm run package`): installed with dpkg, the
// command from /usr/bin, `site check` against the testbed, the site daemon as the unit starts
// it (as the fedstack user, its state under /var/lib/fedstack), systemd-analyze verify on the
// units, then removed and purged without a trace.
import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { get, until } from '../helpers/daemon.js';
import { ensureOsPackages } from '../helpers/os-packages.js';
import { testbedRoot } from '../helpers/testbed.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;
const PORT = 19_600 + (process.pid % 50);
const UNITS = ['/lib/systemd/system/fedstack-site.service', '/lib/systemd/system/fedstack-hub.service'];

async function isInstalled(): Promise<boolean> {
  const status = await run('dpkg-query', ['-W', '-f=${Status}', 'fedstack']).catch(() => ({ stdout: '' }));
  return status.stdout.includes('installed') || status.stdout.includes('config-files');
}

async function commandExists(name: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${name}`]).then(
    () => true,
    () => false,
  );
}

/** The `fedstack …` arguments of the unit's ExecStart, without its `$VARIABLES`. */
function execStartArgs(unit: string): string[] {
  const line = /^ExecStart=\/usr\/bin\/fedstack (.+)$/m.exec(readFileSync(unit, 'utf8'))?.[1];
  if (!line) throw new Error(`${unit}: no ExecStart=/usr/bin/fedstack line`);
  return line.split(/\s+/).filter((w) => !w.startsWith('$'));
}

describe('the Debian package', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'fedstack-deb-'));

  afterAll(async () => {
    if (await isInstalled()) await run('dpkg', ['--purge', 'fedstack']).catch(() => undefined);
    rmSync(out, { recursive: true, force: true });
  });

  it('installs, runs from /usr/bin and as its service, and is removed cleanly', async () => {
    expect(process.getuid?.(), 'installing a package needs root').toBe(0);
    expect(await isInstalled(), 'a fedstack package is installed already; remove it first').toBe(false);
    // dpkg-deb and dpkg come with dpkg (Essential on Debian), setpriv with util-linux
    await ensureOsPackages(['dpkg', 'util-linux']);

    const built = await run('npm', ['run', '--silent', 'package'], {
      cwd: ROOT,
      env: { ...process.env, FEDSTACK_PACKAGE_DIR: out },
      timeout: 300_000,
    });
    const deb = built.stdout.trim().split('\n').pop()!;
    expect(deb).toBe(
      path.join(
        out,
        `fedstack_${VERSION}_${(await run('dpkg', ['--print-architecture'])).stdout.trim()}.deb`,
      ),
    );
    const info = (await run('dpkg-deb', ['--field', deb, 'Depends'])).stdout;
    expect(info).toMatch(/nodejs \(>= 20\)/);

    await run('dpkg', ['--install', deb], { timeout: 120_000 });
    expect((await run('/usr/bin/fedstack', ['--version'])).stdout.trim()).toBe(VERSION);
    for (const unit of UNITS) expect(existsSync(unit), unit).toBe(true);
    if (await commandExists('systemd-analyze')) {
      const verified = await run('systemd-analyze', ['verify', ...UNITS]);
      // systemd-analyze also reports other units' problems; none may name ours
      expect(verified.stderr).not.toMatch(/fedstack-(site|hub)\.service/);
    }
    expect((await run('id', ['-u', 'fedstack'])).stdout.trim()).toMatch(/^\d+$/);

    // site check against the testbed from the installed command
    const site = parse(readFileSync(path.join(testbedRoot(), 'site-a', 'site.yaml'), 'utf8')) as {
      credentials: Record<string, unknown>;
    };
    copyFileSync(
      path.join(testbedRoot(), 'site-a', 'admin-password'),
      '/etc/fedstack/secrets/site-a.password',
    );
    const group = Number((await run('id', ['-g', 'fedstack'])).stdout.trim());
    chownSync('/etc/fedstack/secrets/site-a.password', 0, group);
    chmodSync('/etc/fedstack/secrets/site-a.password', 0o640); // readable by the service, not by others
    const yaml = {
      ...site,
      credentials: { ...site.credentials, password_file: '/etc/fedstack/secrets/site-a.password' },
      gocdb_id: '9999G0', // no lookup at the real GOCDB
      accounting: { enabled: false },
      schedules: { discovery: '1h', jitter: '1s' },
    };
    writeFileSync('/etc/fedstack/sites/site-a.yaml', stringify(yaml));
    const check = await run(
      '/usr/bin/fedstack',
      ['site', 'check', '--config', '/etc/fedstack/sites/site-a.yaml'],
      {
        timeout: 120_000,
      },
    );
    expect(check.stdout).toMatch(/PASS/);
    expect(check.stdout).not.toMatch(/\bFAIL\b/);

    // the site daemon as fedstack-site.service starts it, as the fedstack user
    const args = [...execStartArgs(UNITS[0]!), '--listen', `127.0.0.1:${PORT}`];
    // setpriv execs the command as the user (as systemd's User= does), so that SIGTERM reaches it
    const user = ['--reuid=fedstack', '--regid=fedstack', '--init-groups'];
    const daemon = spawn('setpriv', [...user, '/usr/bin/fedstack', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    daemon.stderr.on('data', (c: Buffer) => (log += c.toString()));
    const exited = new Promise<number | null>((resolve) => daemon.on('exit', (code) => resolve(code)));
    const status = '/var/lib/fedstack/site/TESTBED-SITE-A/discovery.json';
    await until('the service’s first discovery run', async () =>
      (await get(`http://127.0.0.1:${PORT}/readyz`)).status === 200 && existsSync(status) ? true : undefined,
    );
    expect(JSON.parse(readFileSync(status, 'utf8')), log).toMatchObject({ ok: true });
    daemon.kill('SIGTERM');
    expect(await exited, log).toBe(0);

    // remove: the program goes, the configuration stays; purge: everything goes
    await run('dpkg', ['--remove', 'fedstack'], { timeout: 120_000 });
    for (const gone of ['/usr/bin/fedstack', '/usr/lib/fedstack', UNITS[0]!])
      expect(existsSync(gone), gone).toBe(false);
    expect(existsSync('/etc/fedstack/site.env')).toBe(true);
    rmSync('/etc/fedstack/sites/site-a.yaml');
    await run('dpkg', ['--purge', 'fedstack'], { timeout: 120_000 });
    for (const gone of ['/etc/fedstack', '/var/lib/fedstack', '/var/cache/fedstack'])
      expect(existsSync(gone), gone).toBe(false);
    await expect(run('id', ['-u', 'fedstack'])).rejects.toThrow();
    expect(await isInstalled()).toBe(false);
  }, 600_000);
});
