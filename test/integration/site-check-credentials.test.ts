// `fedstack site check` on the testbed: credential problems give the documented exit status, and no password is printed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testbedRoot } from '../helpers/testbed.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-check-cred-'));
const site = parse(readFileSync(path.join(testbedRoot(), 'site-a', 'site.yaml'), 'utf8')) as Record<
  string,
  unknown
>;
const password = readFileSync(path.join(testbedRoot(), 'site-a', 'admin-password'), 'utf8').trim();
/** A password to look for in the output (the testbed's own is a common word). */
const LEAKABLE = 'PW-d0-n0t-pr1nt';

function writeConfig(name: string, config: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}
const withPasswordFile = (config: Record<string, unknown>, file: string) => ({
  ...config,
  credentials: { ...(config.credentials as object), password_file: file },
});

describe('fedstack site check: credentials on the testbed', () => {
  writeFileSync(path.join(dir, 'admin-password'), `${password}\n`);

  for (const json of [false, true]) {
    it(`refuses the password in the endpoint URL with status 2 and never prints it${json ? ' (--json)' : ''}`, async () => {
      const endpoint = `http://admin:${LEAKABLE}@127.0.0.1:5000/v3`;
      const file = writeConfig('userinfo', withPasswordFile({ ...site, endpoint }, 'admin-password'));
      const { code, stdout, stderr } = await runCli([
        'site',
        'check',
        '--config',
        file,
        '--log-level',
        'debug',
        ...(json ? ['--json'] : []),
      ]);
      expect(code).toBe(2);
      expect(stderr).toContain(`${file}: endpoint: must not carry credentials`);
      expect(stdout + stderr).not.toContain(LEAKABLE);
    });
  }

  it('exits 2 for a missing password file while Keystone answers, before any request', async () => {
    const file = writeConfig('missing-file', withPasswordFile(site, 'no-such-password'));
    const { code, stdout, stderr } = await runCli([
      'site',
      'check',
      '--config',
      file,
      '--log-level',
      'debug',
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('credentials.password_file: cannot read a secret from');
    expect(stderr).not.toContain('openstack request');
  });

  it('exits 2 for a missing password file when Keystone is unreachable too', async () => {
    const config = { ...withPasswordFile(site, 'no-such-password'), endpoint: 'http://127.0.0.1:59999/v3' };
    const { code, stderr } = await runCli(['site', 'check', '--config', writeConfig('missing-dead', config)]);
    expect(code).toBe(2);
    expect(stderr).toContain('credentials.password_file: cannot read a secret from');
  });

  it("exits 2 for a VO's own unset secret variable, though the service account works", async () => {
    const vos = (site.vos as { name: string; auth: Record<string, unknown> }[]).map((vo, i) =>
      i === 0
        ? {
            ...vo,
            auth: {
              ...vo.auth,
              credentials: {
                type: 'password',
                username: 'admin',
                password_env: 'FEDSTACK_TEST_UNSET_SECRET',
              },
            },
          }
        : vo,
    );
    const file = writeConfig('vo-secret', { ...withPasswordFile(site, 'admin-password'), vos });
    const { code, stdout, stderr } = await runCli(['site', 'check', '--config', file], {
      env: { FEDSTACK_TEST_UNSET_SECRET: '' },
    });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'vos[0].auth.credentials.password_env: environment variable FEDSTACK_TEST_UNSET_SECRET is not set',
    );
  });

  it('refuses a password written inline with status 2, naming the key and not the value', async () => {
    const config = { ...site, credentials: { ...(site.credentials as object), password: LEAKABLE } };
    delete (config.credentials as Record<string, unknown>).password_file;
    const { code, stderr } = await runCli(['site', 'check', '--config', writeConfig('inline', config)]);
    expect(code).toBe(2);
    expect(stderr).toContain('credentials.password: is a secret written inline');
    expect(stderr).not.toContain(LEAKABLE);
  });

  it('exits 1 when Keystone refuses a readable password', async () => {
    writeFileSync(path.join(dir, 'wrong-password'), 'not-the-password\n');
    const file = writeConfig('wrong', withPasswordFile(site, 'wrong-password'));
    const { code, stdout } = await runCli(['site', 'check', '--config', file]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^authenticate\s+FAIL\s+identity: POST .* 401/m);
  });
});
