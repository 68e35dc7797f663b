// The exit-status contract of the site commands for credential problems: config errors (2) are found
// before anything is contacted; what the site answers (or not) is a failure (1).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, FedstackError } from '../../../src/errors.js';
import { extractAccounting } from '../../../src/site/accounting/extract.js';
import { createDiscoveryCommand } from '../../../src/site/discovery/index.js';
import { SITE_EXIT, exitStatusOf } from '../../../src/site/exit-status.js';
import { validateSiteConfig } from '../../../src/site/site-config.js';
import { silentLogger } from '../../../src/log.js';
import { startStub, tokenBody } from '../../helpers/stub-server.js';

const PROJECT = '0123456789abcdef0123456789abcdef';

function siteWith(endpoint: string, voCredentials?: Record<string, unknown>): Record<string, unknown> {
  return {
    gocdb: 'TEST-SITE',
    endpoint,
    vos: [{ name: 'vo.example.org', auth: { project_id: PROJECT, credentials: voCredentials } }],
    credentials: { type: 'password', username: 'fedstack', password_env: 'FEDSTACK_TEST_EXIT_PASSWORD' },
    accounting: { project_tag: '' },
    timeout_seconds: 2,
  };
}
const MISSING_VO_SECRET = {
  type: 'application_credential',
  id: 'ac',
  secret_env: 'FEDSTACK_TEST_EXIT_UNSET',
};

let close: (() => Promise<void>) | undefined;
beforeEach(() => {
  process.env.FEDSTACK_TEST_EXIT_PASSWORD = 'pw';
  delete process.env.FEDSTACK_TEST_EXIT_UNSET;
});
afterEach(async () => {
  delete process.env.FEDSTACK_TEST_EXIT_PASSWORD;
  await close?.();
  close = undefined;
});

describe('exitStatusOf', () => {
  it('gives 2 for config errors, a missing secret included, and 1 for everything else', () => {
    expect(exitStatusOf(new ConfigError('x'))).toBe(SITE_EXIT.badConfig);
    expect(exitStatusOf(new ConfigError('x', { code: 'CONFIG_SECRET_MISSING' }))).toBe(SITE_EXIT.badConfig);
    expect(exitStatusOf(new FedstackError('OPENSTACK_AUTH', 'refused'))).toBe(SITE_EXIT.failed);
    expect(exitStatusOf(new FedstackError('OPENSTACK_NETWORK', 'unreachable'))).toBe(SITE_EXIT.failed);
    expect(exitStatusOf(new Error('anything'))).toBe(SITE_EXIT.failed);
  });
});

describe('fedstack site accounting extract', () => {
  it("stops with a config error for a VO's unreadable secret before any request, not a failed project", async () => {
    const stub = await startStub((_req, res) =>
      res.writeHead(201, { 'X-Subject-Token': 't' }).end(tokenBody('')),
    );
    close = stub.close;
    const config = validateSiteConfig(siteWith(`${stub.url}/v3`, MISSING_VO_SECRET), 'site.yaml');
    const run = extractAccounting(config, {
      defaultFrom: 0,
      sink: { add: async () => undefined },
      watermarks: undefined,
      logger: silentLogger,
      clock: Date.now,
    });
    await expect(run).rejects.toMatchObject({
      code: 'CONFIG_SECRET_MISSING',
      path: 'vos[0].auth.credentials.secret_env',
    });
    await run.catch((error: unknown) => expect(exitStatusOf(error)).toBe(2));
    expect(stub.requests).toEqual([]);
  });
});

describe('fedstack site discovery', () => {
  let dir: string;
  let stdout: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-exit-'));
    stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  const discover = (file: string) =>
    createDiscoveryCommand().parseAsync(['--no-gocdb', '--log-level', 'silent', '--config', file], {
      from: 'user',
    });

  it("exits 2 for a VO's unreadable secret whether or not Keystone answers", async () => {
    const stub = await startStub((_req, res) =>
      res.writeHead(201, { 'X-Subject-Token': 't' }).end(tokenBody('')),
    );
    close = stub.close;
    for (const endpoint of ['http://127.0.0.1:1/v3', `${stub.url}/v3`]) {
      const file = path.join(dir, 'site.yaml');
      writeFileSync(file, stringify(siteWith(endpoint, MISSING_VO_SECRET)));
      await discover(file);
      expect(process.exitCode).toBe(2);
      expect(JSON.parse(stdout)).toMatchObject({ status: 'failed', errorCode: 'CONFIG_SECRET_MISSING' });
      stdout = '';
    }
    expect(stub.requests).toEqual([]);
  });

  it('exits 1 when the secret is readable but Keystone is unreachable', async () => {
    const file = path.join(dir, 'site.yaml');
    writeFileSync(file, stringify(siteWith('http://127.0.0.1:1/v3')));
    await discover(file);
    expect(process.exitCode).toBe(1);
  });
});
