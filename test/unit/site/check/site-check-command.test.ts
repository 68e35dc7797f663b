// `fedstack site check` against a stub Keystone: exit statuses of credential problems, and URLs printed without secrets.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { createSiteCommand } from '../../../../src/site/index.js';
import { startStub } from '../../../helpers/stub-server.js';

const PASSWORD = 'PW-never-printed';
const PROJECT = '0123456789abcdef0123456789abcdef';

/** A Keystone that answers the probe, and logins as `accept` says; its catalog URLs may carry credentials. */
async function keystone(accept: boolean, catalogBase?: (url: string) => string) {
  const stub = await startStub((req, res) => {
    if (req.method === 'POST' && req.url!.endsWith('/auth/tokens')) {
      if (!accept)
        return res.writeHead(401, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            error: { code: 401, message: 'The request you have made requires authentication.' },
          }),
        );
      const base = catalogBase ? catalogBase(stub.url) : stub.url;
      const endpoint = (type: string) => ({
        type,
        name: type,
        endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/${type}` }],
      });
      return res.writeHead(201, { 'X-Subject-Token': 'tok', 'content-type': 'application/json' }).end(
        JSON.stringify({
          token: {
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            methods: ['password'],
            user: { id: 'u1', name: 'fedstack' },
            project: { id: PROJECT, name: 'p' },
            roles: [],
            catalog: ['identity', 'compute', 'image', 'network', 'volumev3'].map(endpoint),
          },
        }),
      );
    }
    res.writeHead(300, { 'content-type': 'application/json' }).end('{}');
  });
  return stub;
}

describe('fedstack site check: credential problems and printed URLs', () => {
  let dir: string;
  let stdout: string;
  let stderr: string;
  let close: (() => Promise<void>) | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-check-unit-'));
    stdout = '';
    stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    process.env.FEDSTACK_TEST_CHECK_PASSWORD = PASSWORD;
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    delete process.env.FEDSTACK_TEST_CHECK_PASSWORD;
    await close?.();
    close = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function config(endpoint: string, extra: Record<string, unknown> = {}): string {
    const file = path.join(dir, 'site.yaml');
    writeFileSync(
      file,
      stringify({
        gocdb: 'TEST-SITE',
        endpoint,
        vos: [{ name: 'vo.example.org', auth: { project_id: PROJECT } }],
        credentials: { type: 'password', username: 'fedstack', password_env: 'FEDSTACK_TEST_CHECK_PASSWORD' },
        accounting: { project_tag: '' },
        timeout_seconds: 2,
        ...extra,
      }),
    );
    return file;
  }

  const check = (...args: string[]) =>
    createSiteCommand().parseAsync(['check', '--log-level', 'silent', ...args], { from: 'user' });

  it('refuses a password in the endpoint URL with exit status 2, naming endpoint and never the password', async () => {
    await check('--config', config(`http://admin:${PASSWORD}@127.0.0.1:1/v3`));
    expect(process.exitCode).toBe(2);
    expect(stderr).toContain('endpoint: must not carry credentials');
    expect(stdout + stderr).not.toContain(PASSWORD);
  });

  it('refuses a password in the endpoint URL also with --json, printing nothing on stdout', async () => {
    await check('--config', config(`http://admin:${PASSWORD}@127.0.0.1:1/v3`), '--json');
    expect(process.exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).not.toContain(PASSWORD);
  });

  it('prints catalog URLs without their userinfo, in the table and in --json', async () => {
    const stub = await keystone(true, (url) => url.replace('http://', `http://svc:${PASSWORD}@`));
    close = stub.close;
    await check('--config', config(`${stub.url}/v3`));
    const table = stdout;
    stdout = '';
    await check('--config', config(`${stub.url}/v3`), '--json');
    const report = JSON.parse(stdout) as { checks: { check: string; reason: string }[] };
    expect(report.checks.find((c) => c.check === 'service compute')?.reason).toContain(`${stub.url}/compute`);
    for (const out of [table, stdout, stderr]) expect(out).not.toContain(PASSWORD);
  });

  it('exits 2 for a missing secret variable when Keystone is unreachable, before contacting it', async () => {
    delete process.env.FEDSTACK_TEST_CHECK_PASSWORD;
    await check('--config', config('http://127.0.0.1:1/v3'));
    expect(process.exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'credentials.password_env: environment variable FEDSTACK_TEST_CHECK_PASSWORD is not set',
    );
  });

  it('exits 2 for a missing secret variable when Keystone answers, without sending anything', async () => {
    const stub = await keystone(true);
    close = stub.close;
    delete process.env.FEDSTACK_TEST_CHECK_PASSWORD;
    await check('--config', config(`${stub.url}/v3`));
    expect(process.exitCode).toBe(2);
    expect(stub.requests).toEqual([]);
  });

  it("exits 2 for a VO's own unreadable secret file, also when the service account works", async () => {
    const stub = await keystone(true);
    close = stub.close;
    const vos = [
      {
        name: 'vo.example.org',
        auth: {
          project_id: PROJECT,
          credentials: { type: 'application_credential', id: 'ac', secret_file: 'missing.secret' },
        },
      },
    ];
    await check('--config', config(`${stub.url}/v3`, { vos }));
    expect(process.exitCode).toBe(2);
    expect(stderr).toContain('vos[0].auth.credentials.secret_file: cannot read a secret from');
    expect(stub.requests).toEqual([]);
  });

  it('exits 1 when Keystone refuses the credentials, naming the refusal', async () => {
    const stub = await keystone(false);
    close = stub.close;
    await check('--config', config(`${stub.url}/v3`));
    expect(process.exitCode).toBe(1);
    expect(stdout).toMatch(/^authenticate\s+FAIL\s+identity: POST .*\/v3\/auth\/tokens 401/m);
    expect(stdout).not.toContain(PASSWORD);
  });

  it('exits 1 when Keystone is unreachable and the secret can be read', async () => {
    await check('--config', config('http://127.0.0.1:1/v3'));
    expect(process.exitCode).toBe(1);
    expect(stdout).toMatch(
      /^keystone reachable\s+FAIL\s+probe: GET http:\/\/127\.0\.0\.1:1\/v3: unreachable/m,
    );
  });
});
