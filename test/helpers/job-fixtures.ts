// Shared pieces of the job tests: a site config on a stub OpenStack whose listings are all empty, and a fixed clock.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, beforeEach } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { JobContext } from '../../src/site/jobs/index.js';
import { validateSiteConfig } from '../../src/site/site-config.js';
import { startStub, tokenBody } from './stub-server.js';

export const PROJECT = '0123456789abcdef0123456789abcdef';
/** The fixed "now" of the job tests: 2026-03-01T12:00:00Z. */
export const NOW_MS = Date.parse('2026-03-01T12:00:00Z');
export const PASSWORD_ENV = 'FEDSTACK_TEST_JOB_PASSWORD';

/** Answers like an OpenStack with one empty project: a token, and empty lists everywhere. */
export function emptyOpenStack(base: () => string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '';
    const json = (body: unknown, status = 200): void =>
      void res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'POST' && url.startsWith('/v3/auth/tokens'))
      return void res.writeHead(201, { 'X-Subject-Token': 't' }).end(tokenBody(base()));
    if (url === '/compute/v2.1/')
      return json({ version: { id: 'v2.1', status: 'CURRENT', version: '2.79' } });
    if (url.includes('/servers')) return json({ servers: [] });
    if (url.includes('/flavors')) return json({ flavors: [] });
    if (url.includes('/images')) return json({ images: [] });
    if (url.includes('/floatingips')) return json({ floatingips: [] });
    if (url.includes('/ports')) return json({ ports: [] });
    if (url.includes('/limits')) return json({ limits: { absolute: {} } });
    if (url.includes('/os-quota-sets')) return json({ quota_set: {} });
    if (url.includes('/quotas')) return json({ quota: {} });
    json({ error: { message: `no stub for ${req.method} ${url}` } }, 404);
  };
}

/**
 * For the test file that calls it: sets the site password variable before each test and unsets it
 * after, then closes the stub started by the returned function, an `emptyOpenStack` on 127.0.0.1.
 */
export function emptyOpenStackPerTest(): () => ReturnType<typeof startStub> {
  let close: (() => Promise<void>) | undefined;
  beforeEach(() => {
    process.env[PASSWORD_ENV] = 'pw';
  });
  afterEach(async () => {
    delete process.env[PASSWORD_ENV];
    await close?.();
    close = undefined;
  });
  return async () => {
    let url = '';
    const stub = await startStub(emptyOpenStack(() => url));
    url = stub.url;
    close = stub.close;
    return stub;
  };
}

/** A validated site config on `endpoint` with its own state directory. */
export function siteConfig(endpoint: string, accounting: Record<string, unknown> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-job-'));
  const config = validateSiteConfig(
    {
      gocdb: 'JOB-SITE',
      endpoint,
      vos: [{ name: 'vo.example.org', auth: { project_id: PROJECT } }],
      credentials: { type: 'password', username: 'fedstack', password_env: PASSWORD_ENV },
      accounting: { project_tag: '', state_dir: 'state', record_types: ['cloud'], ...accounting },
      timeout_seconds: 2,
    },
    path.join(dir, 'site.yaml'),
  );
  return { config, dir, stateDir: path.join(dir, 'state') };
}

/** A job context with the fixed clock and a signal that never aborts (unless given). */
export function contextOf(
  config: JobContext['config'],
  signal: AbortSignal = new AbortController().signal,
): JobContext {
  return { config, logger: silentLogger, signal, clock: () => NOW_MS };
}
