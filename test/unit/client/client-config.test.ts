import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadClientConfig } from '../../../src/client/client-config.js';
import { ConfigError } from '../../../src/errors.js';
import { thrownBy } from '../../helpers/expect-rejection.js';

describe('client config', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-client-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = (extra: Record<string, string> = {}) => ({
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    ...extra,
  });

  it('has defaults without a file, and keeps its cache under XDG_CACHE_HOME', () => {
    const c = loadClientConfig({}, env());
    expect(c).toMatchObject({ timeoutMs: 10_000, concurrency: 16, identityProvider: 'egi.eu', sites: {} });
    expect(c.file).toBeUndefined();
    expect(c.cacheDir).toBe(path.join(dir, 'cache', 'fedstack'));
  });

  it('reads client.yaml from XDG_CONFIG_HOME, then the FEDSTACK_* variables, then the options', () => {
    mkdirSync(path.join(dir, 'config', 'fedstack'), { recursive: true });
    writeFileSync(
      path.join(dir, 'config', 'fedstack', 'client.yaml'),
      'hub: https://hub.example.org/\nvo: from.file\nsite: FILE-SITE\ntimeout_seconds: 5\n' +
        'sites:\n  CESGA:\n    federation_endpoint: https://front.example.org/v3\n    protocol: oidc\n',
    );
    const fromFile = loadClientConfig({}, env());
    expect(fromFile).toMatchObject({
      hub: 'https://hub.example.org',
      vo: 'from.file',
      site: 'FILE-SITE',
      timeoutMs: 5000,
    });
    expect(fromFile.sites.CESGA).toEqual({
      federationEndpoint: 'https://front.example.org/v3',
      protocol: 'oidc',
    });
    const fromEnv = loadClientConfig({}, env({ FEDSTACK_VO: 'from.env', FEDSTACK_TIMEOUT_SECONDS: '7' }));
    expect(fromEnv).toMatchObject({ vo: 'from.env', timeoutMs: 7000, site: 'FILE-SITE' });
    expect(
      loadClientConfig({ vo: 'from.option', timeoutSeconds: 2 }, env({ FEDSTACK_VO: 'from.env' })),
    ).toMatchObject({
      vo: 'from.option',
      timeoutMs: 2000,
    });
  });

  it('names the file and key of a bad value, and refuses unknown keys', () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'timeout_seconds: -1\n');
    const error = thrownBy(() => loadClientConfig({ config: file }, env()), ConfigError);
    expect(error.message).toMatch(new RegExp(`^${file}: timeout_seconds: `));
    writeFileSync(file, 'sites:\n  X:\n    endpoit: https://x/v3\n');
    expect(thrownBy(() => loadClientConfig({ config: file }, env()), ConfigError).message).toMatch(
      /sites\.X: .*endpoit/,
    );
    expect(
      thrownBy(() => loadClientConfig({ config: path.join(dir, 'missing.yaml') }, env()), ConfigError)
        .message,
    ).toMatch(/missing\.yaml: cannot read the file \(ENOENT\)/);
    expect(
      thrownBy(() => loadClientConfig({}, env({ FEDSTACK_HUB_URL: 'not a url' })), ConfigError).message,
    ).toMatch(/hub/);
  });
});
