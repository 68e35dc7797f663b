import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateSiteConfig } from '../../../src/site/site-config.js';
import { createSiteSession } from '../../../src/site/site-session.js';
import { rotatingIdp } from '../../helpers/oidc-stub.js';
import { startStub, tokenBody } from '../../helpers/stub-server.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
  delete process.env.FEDSTACK_TEST_REFRESH_TOKEN;
});

/** A Keystone OIDC front (any token accepted) beside a provider that rotates refresh tokens, starting at `rt-0`. */
async function federatedSite() {
  const idp = rotatingIdp('rt-0');
  const stub = await startStub((req, res) => {
    if (idp.handle(req, res, stub.url)) return;
    if (req.url!.includes('/OS-FEDERATION/'))
      return res.writeHead(201, { 'X-Subject-Token': 'keystone-token' }).end(tokenBody(stub.url));
    res.writeHead(404).end();
  });
  return { idp, stub };
}

describe('site sessions', () => {
  it('share one refresh token between the sessions of one config, so a rotating provider accepts it', async () => {
    const { idp, stub } = await federatedSite();
    close = stub.close;
    process.env.FEDSTACK_TEST_REFRESH_TOKEN = 'rt-0';
    const config = validateSiteConfig(
      {
        gocdb: 'TEST-SITE',
        endpoint: `${stub.url}/identity/v3`,
        protocol: 'openid',
        credentials: {
          type: 'oidc',
          refresh_token_env: 'FEDSTACK_TEST_REFRESH_TOKEN',
          issuer_url: `${stub.url}/idp`,
          client_id: 'fedstack',
        },
      },
      'site.yaml',
    );
    const [a, b] = [createSiteSession(config), createSiteSession(config)];
    await Promise.all([a.token(), b.token()]);
    expect(idp.presented).toEqual(['rt-0']);
  });

  it('stores a rotated refresh token back in refresh_token_file, owner-only, so the next run can refresh', async () => {
    const { idp, stub } = await federatedSite();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-rt-'));
    close = async () => {
      await stub.close();
      rmSync(dir, { recursive: true, force: true });
    };
    writeFileSync(path.join(dir, 'refresh-token'), 'rt-0\n');
    const raw = {
      gocdb: 'TEST-SITE',
      endpoint: `${stub.url}/identity/v3`,
      protocol: 'openid',
      credentials: {
        type: 'oidc',
        refresh_token_file: 'refresh-token',
        issuer_url: `${stub.url}/idp`,
        client_id: 'fedstack',
      },
    };
    const file = path.join(dir, 'site.yaml');
    await createSiteSession(validateSiteConfig(raw, file)).token();
    const stored = path.join(dir, 'refresh-token');
    expect(readFileSync(stored, 'utf8')).toBe('rt-1\n');
    expect(statSync(stored).mode & 0o777).toBe(0o600);
    // a later run (a new config load) starts from the stored token, which the provider accepts
    await createSiteSession(validateSiteConfig(raw, file)).token();
    expect(idp.presented).toEqual(['rt-0', 'rt-1']);
    expect(readFileSync(stored, 'utf8')).toBe('rt-2\n');
  });
});
