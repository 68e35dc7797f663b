import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDiscoveryCommand } from '../../../../src/site/discovery/index.js';

const DEAD_SITE = `gocdb: DEAD-SITE
endpoint: http://127.0.0.1:1/v3
vos:
  - name: ops
    auth:
      project_id: 0123456789abcdef0123456789abcdef
credentials:
  type: password
  username: nobody
  password_env: FEDSTACK_TEST_DEAD_PASSWORD
timeout_seconds: 2
`;

describe('fedstack site discovery', () => {
  let dir: string;
  let stdout: string;
  let stderr: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-discovery-'));
    stdout = '';
    stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    process.env.FEDSTACK_TEST_DEAD_PASSWORD = 'not-a-real-password';
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (...args: string[]) =>
    createDiscoveryCommand().parseAsync(
      ['--no-gocdb', '--log-level', 'silent', '--site-timeout', '20', ...args],
      { from: 'user' },
    );

  it('asks for exactly one of --config and --config-dir, with exit status 2', async () => {
    await run();
    expect(process.exitCode).toBe(2);
    expect(stderr).toContain('give exactly one of --config or --config-dir');
  });

  it('reports an invalid site config with its key and exit status 2', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'gocdb: BAD\nendpoint: not-a-url\n');
    await run('--config', file);
    expect(process.exitCode).toBe(2);
    const status = JSON.parse(stdout) as { status: string; errorCode: string; error: string };
    expect(status).toMatchObject({ site: 'bad', status: 'failed', errorCode: 'CONFIG_INVALID' });
    expect(status.error).toContain('endpoint');
  });

  it('reports a site whose Keystone is unreachable as failed, writes no document and exits 1', async () => {
    const config = path.join(dir, 'dead.yaml');
    const output = path.join(dir, 'dead.json');
    writeFileSync(config, DEAD_SITE);
    await run('--config', config, '--output', output);
    expect(process.exitCode).toBe(1);
    const status = JSON.parse(stdout) as {
      status: string;
      shares: { vo: string; state: string; info: string }[];
    };
    expect(status).toMatchObject({
      site: 'DEAD-SITE',
      status: 'failed',
      error: expect.stringMatching(/^no share could be collected: ops: authentication: /),
    });
    expect(status).not.toHaveProperty('output');
    expect(status.shares[0]).toMatchObject({
      vo: 'ops',
      state: 'critical',
      info: expect.stringContaining('authentication'),
    });
    expect(existsSync(output)).toBe(false);
  });

  it('prints the status, not an empty LDIF document, for a site without any working share', async () => {
    const config = path.join(dir, 'dead.yaml');
    writeFileSync(config, DEAD_SITE);
    await run('--config', config, '--format', 'ldif');
    expect(JSON.parse(stdout)).toMatchObject({ site: 'DEAD-SITE', status: 'failed' });
    expect(stdout).not.toContain('dn: ');
  });

  it('runs every site of a directory and reports each, one broken config not stopping the others', async () => {
    const configs = path.join(dir, 'sites');
    const out = path.join(dir, 'out');
    mkdirSync(configs);
    writeFileSync(path.join(configs, 'a-broken.yaml'), 'gocdb: [not, a, string]\n');
    writeFileSync(path.join(configs, 'b-dead.yaml'), DEAD_SITE);
    writeFileSync(path.join(configs, 'notes.txt'), 'not a site');
    await run('--config-dir', configs, '--output', out, '--concurrency', '2');
    expect(process.exitCode).toBe(1);
    const { sites } = JSON.parse(stdout) as { sites: { site: string; status: string; output?: string }[] };
    expect(sites.map((s) => [s.site, s.status])).toEqual([
      ['a-broken', 'failed'],
      ['DEAD-SITE', 'failed'],
    ]);
    expect(sites[1]!.output).toBeUndefined();
    expect(existsSync(path.join(out, 'DEAD-SITE.json'))).toBe(false);
  });

  it('needs a token to publish', async () => {
    await run('--config', 'site.yaml', '--publish', 'http://127.0.0.1:1');
    expect(process.exitCode).toBe(2);
    expect(stderr).toContain('--publish needs --token-file or --token-dir');
  });

  it('reports each catch-all site config without credentials as invalid, naming the key, and goes on', async () => {
    const configs = path.join(dir, 'catchall');
    mkdirSync(configs);
    const fixtures = path.resolve(import.meta.dirname, '../../../fixtures/discovery');
    for (const name of ['BIFI', 'CESNET-MCCG2', 'IFCA-LCG2']) {
      copyFileSync(path.join(fixtures, `catchall-site-${name}.yaml`), path.join(configs, `${name}.yaml`));
    }
    await run('--config-dir', configs);
    const { sites } = JSON.parse(stdout) as {
      sites: { site: string; status: string; errorCode: string; error: string }[];
    };
    expect(sites.map((s) => [s.site, s.status, s.errorCode])).toEqual([
      ['BIFI', 'failed', 'CONFIG_INVALID'],
      ['CESNET-MCCG2', 'failed', 'CONFIG_INVALID'],
      ['IFCA-LCG2', 'failed', 'CONFIG_INVALID'],
    ]);
    expect(sites[0]!.error).toContain('credentials: is required');
    expect(process.exitCode).toBe(1);
  });
});
