// `fedstack site import-config` on the appliance's config files, adjusted to log in to testbed
// site-a, gives a site YAML that `fedstack site check` accepts against the testbed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testbedEnv, writeTestbedSiteYaml } from '../helpers/testbed.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/appliance');

describe('fedstack site import-config, then fedstack site check on the testbed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-import-it-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports cASO, its VO mapping, openstack.rc and SSM configs into a YAML that site check accepts', async () => {
    const env = testbedEnv('site-a');
    // the credentials adjusted to the testbed: Keystone URL, account, and the VO projects' ids
    const caso = readFileSync(path.join(FIXTURES, 'caso.conf'), 'utf8')
      .replace('auth_url = https://keystone.example.org:5000/v3', `auth_url = ${env.OS_AUTH_URL}`)
      .replace('username = caso', `username = ${env.OS_USERNAME}`)
      .replace('password = not-a-real-password', `password = ${env.OS_PASSWORD}`);
    writeFileSync(path.join(dir, 'caso.conf'), caso);
    const { projects } = writeTestbedSiteYaml(dir, () => ({}), 'site-a', 'testbed.yaml');
    writeFileSync(
      path.join(dir, 'voms.json'),
      JSON.stringify(Object.fromEntries(projects.map((p) => [p.vo, { projects: [p.projectId] }]))),
    );
    const rc = readFileSync(path.join(FIXTURES, 'openstack.rc'), 'utf8').replace(
      'https://keystone.example.org:5000/v3',
      env.OS_AUTH_URL!,
    );
    writeFileSync(path.join(dir, 'openstack.rc'), rc);

    const output = path.join(dir, 'fedstack', 'site.yaml');
    const imported = await runCli([
      'site',
      'import-config',
      '--caso',
      path.join(dir, 'caso.conf'),
      '--voms',
      path.join(dir, 'voms.json'),
      '--openstack-rc',
      path.join(dir, 'openstack.rc'),
      '--ssm',
      path.join(FIXTURES, 'sender.cfg'),
      '--output',
      output,
      '--json',
    ]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const report = JSON.parse(imported.stdout) as { valid: boolean; unmapped: { option: string }[] };
    expect(report.valid).toBe(true);
    expect(report.unmapped.map((u) => u.option)).toEqual(
      expect.arrayContaining([
        'DEFAULT.extractor',
        'DEFAULT.messengers',
        'keystone_auth.project_name',
        'OS_AUTH_TYPE',
      ]),
    );
    // the password (a common word on the testbed) is no value of the report, nor in the YAML
    expect(imported.stdout).not.toContain(JSON.stringify(env.OS_PASSWORD));
    expect(readFileSync(output, 'utf8')).not.toMatch(new RegExp(`: ${env.OS_PASSWORD}$`, 'm'));

    const check = await runCli(['site', 'check', '--config', output, '--json']);
    expect(check.stderr).toBe('');
    const result = JSON.parse(check.stdout) as { ok: boolean; checks: { status: string; name: string }[] };
    expect(result.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(result.ok).toBe(true);
    expect(check.code).toBe(0);
  });
});
