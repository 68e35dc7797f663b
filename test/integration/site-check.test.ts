import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testbedRoot, type TestbedSiteName } from '../helpers/testbed.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-check-'));

function siteYaml(site: TestbedSiteName): Record<string, unknown> {
  return parse(readFileSync(path.join(testbedRoot(), site, 'site.yaml'), 'utf8')) as Record<string, unknown>;
}

function writeConfig(name: string, config: Record<string, unknown>, password = 'secret'): string {
  writeFileSync(path.join(dir, `${name}.password`), `${password}\n`);
  const file = path.join(dir, `${name}.yaml`);
  const credentials = { ...(config.credentials as object), password_file: `${name}.password` };
  writeFileSync(file, stringify({ ...config, credentials }));
  return file;
}

describe('fedstack site check on the testbed', () => {
  for (const site of ['site-a', 'site-b'] as const) {
    it(`passes every check on ${site}`, async () => {
      const { code, stdout } = await runCli([
        'site',
        'check',
        '--config',
        writeConfig(site, siteYaml(site)),
        '--json',
      ]);
      const report = JSON.parse(stdout) as {
        ok: boolean;
        checks: { check: string; status: string; reason: string }[];
      };
      expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
      expect(report.ok).toBe(true);
      expect(code).toBe(0);
      const names = report.checks.map((c) => c.check);
      for (const service of ['identity', 'compute', 'image', 'network', 'volumev3'])
        expect(names).toContain(`service ${service}`);
      expect(names.filter((n) => n.includes('image sync creates and deletes an image'))).toHaveLength(2);
    });
  }

  it('fails with one clear line on a wrong password', async () => {
    const { code, stdout } = await runCli([
      'site',
      'check',
      '--config',
      writeConfig('wrong-password', siteYaml('site-a'), 'not-the-password'),
    ]);
    expect(code).toBe(1);
    const failed = stdout.split('\n').filter((l) => l.includes('FAIL'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(
      /^authenticate\s+FAIL\s+identity: POST http:\/\/127\.0\.0\.1:5000\/v3\/auth\/tokens 401: The request you have made requires authentication/,
    );
    expect(stdout).not.toContain('not-the-password');
  });

  it('fails with one clear line on an unknown project id', async () => {
    const config = siteYaml('site-a');
    const vos = config.vos as { name: string; auth: { project_id: string } }[];
    config.vos = [
      vos[0],
      { name: 'unknown.example.org', auth: { project_id: '00000000000000000000000000000000' } },
    ];
    const { code, stdout } = await runCli([
      'site',
      'check',
      '--config',
      writeConfig('unknown-project', config),
    ]);
    expect(code).toBe(1);
    const failed = stdout.split('\n').filter((l) => l.includes('FAIL'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(
      /^vo unknown\.example\.org: scope to project 0{32}\s+FAIL\s+identity: POST .* 401/,
    );
  });

  it('fails with one clear line, within its timeout, on an unreachable endpoint', async () => {
    const config = { ...siteYaml('site-a'), endpoint: 'http://127.0.0.1:59999/v3/', timeout_seconds: 3 };
    const started = Date.now();
    const { code, stdout } = await runCli(['site', 'check', '--config', writeConfig('unreachable', config)]);
    expect(code).toBe(1);
    expect(stdout.split('\n').filter((l) => l.includes('FAIL'))).toEqual([
      expect.stringMatching(
        /^keystone reachable\s+FAIL\s+probe: GET http:\/\/127\.0\.0\.1:59999\/v3\/: unreachable \(ECONNREFUSED\)/,
      ),
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('exits 2 and names the field for an invalid config', async () => {
    const config = {
      ...siteYaml('site-a'),
      vos: [{ name: 'vo.access.egi.eu', auth: {} }],
      endpoint: 'not a url',
    };
    const file = writeConfig('invalid', config);
    const { code, stderr, stdout } = await runCli(['site', 'check', '--config', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${file}: `);
    expect(stderr).toContain('endpoint: ');
    expect(stderr).toContain('vos[0].auth.project_id: is required');
  });

  it('keeps passwords and tokens out of the logs at debug level', async () => {
    const password = 'secret';
    const { stderr, code } = await runCli([
      'site',
      'check',
      '--config',
      writeConfig('debug', siteYaml('site-a'), password),
      '--log-level',
      'debug',
    ]);
    expect(code).toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(20); // every request is logged
    expect(lines.every((l) => JSON.parse(l).level === 20)).toBe(true);
    expect(stderr).not.toMatch(/"secret"|:secret|secret"/);
    // Keystone fernet tokens start with gAAAAA; none may appear anywhere
    expect(stderr).not.toMatch(/gAAAAA/);
    expect(stderr).toContain('"url":"http://127.0.0.1:5000/v3/auth/tokens"');
  });
});
