// Unit tests of the portal's config file (`fedstack hub --portal-config FILE`): defaults, the OIDC
// client with its secret file, and errors that name the file and the key.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { DEFAULT_PORTAL, loadPortalConfig } from '../../../src/hub/portal/index.js';
import { thrownBy } from '../../helpers/expect-rejection.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-portal-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `text` to `name` in the test's directory; returns its path. */
function write(name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const OIDC = [
  'oidc:',
  '  issuer: https://aai.example.org/auth/realms/egi/',
  '  client_id: fedstack-portal',
  '  public_url: https://hub.example.org/',
];

describe('loadPortalConfig', () => {
  it('gives the defaults for an empty file: data pages for admins, no sign-in', () => {
    const portal = loadPortalConfig(write('portal.yaml', ''));
    expect(portal).toEqual(DEFAULT_PORTAL);
    expect(portal.access).toBe('admin');
    expect(portal.login).toBeUndefined();
    expect(portal).toMatchObject({
      admins: [],
      identityProvider: 'egi.eu',
      timeoutMs: 10_000,
      concurrency: 16,
      sessionMaxMs: 12 * 3_600_000,
    });
  });

  it('reads every key, with times in ms and the trailing slashes of the URLs dropped', () => {
    const file = write(
      'portal.yaml',
      [
        'access: public',
        ...OIDC,
        '  scope: openid email',
        'admins: [ "a1b2@egi.eu", "c3d4@egi.eu" ]',
        'identity_provider: egi-test',
        'timeout_seconds: 2.5',
        'concurrency: 4',
        'session_hours: 2',
        'vo_mappings: { vo.example.eu: "urn:mace:egi.eu:group:vo.example.eu:role=vm_operator#aai.egi.eu" }',
        '',
      ].join('\n'),
    );
    expect(loadPortalConfig(file)).toEqual({
      ...DEFAULT_PORTAL,
      access: 'public',
      login: {
        issuer: 'https://aai.example.org/auth/realms/egi',
        clientId: 'fedstack-portal',
        scope: 'openid email',
        publicUrl: 'https://hub.example.org',
      },
      admins: ['a1b2@egi.eu', 'c3d4@egi.eu'],
      identityProvider: 'egi-test',
      voMappings: { 'vo.example.eu': 'urn:mace:egi.eu:group:vo.example.eu:role=vm_operator#aai.egi.eu' },
      timeoutMs: 2500,
      concurrency: 4,
      sessionMaxMs: 2 * 3_600_000,
    });
  });

  it('gives the default scope and no secret to a public client', () => {
    const { login } = loadPortalConfig(write('portal.yaml', OIDC.join('\n')));
    expect(login).toEqual({
      issuer: 'https://aai.example.org/auth/realms/egi',
      clientId: 'fedstack-portal',
      scope: 'openid profile email eduperson_entitlement offline_access',
      publicUrl: 'https://hub.example.org',
    });
    expect(login && 'clientSecret' in login).toBe(false);
  });

  it('reads the client secret from the first line of client_secret_file, relative to the config file', () => {
    write('conf/secrets/portal-secret', '  s3cr3t-value  \nsecond line\n');
    const file = write(
      'conf/portal.yaml',
      [...OIDC, '  client_secret_file: secrets/portal-secret', 'ca_path: certs'].join('\n'),
    );
    // the working directory is not the config's: the relative paths must follow the file
    expect(process.cwd()).not.toBe(path.join(dir, 'conf'));
    const portal = loadPortalConfig(file);
    expect(portal.login?.clientSecret).toBe('s3cr3t-value');
    expect(portal.caPath).toBe(path.join(dir, 'conf', 'certs'));
  });

  it('reads an absolute client_secret_file as it is', () => {
    const secret = write('elsewhere/secret', 'abs-secret\n');
    const file = write('conf/portal.yaml', [...OIDC, `  client_secret_file: ${secret}`].join('\n'));
    expect(loadPortalConfig(file).login?.clientSecret).toBe('abs-secret');
  });
});

describe('loadPortalConfig errors', () => {
  it('names the file and the key of a bad access value', () => {
    const file = write('portal.yaml', 'access: everyone\n');
    const error = thrownBy(() => loadPortalConfig(file), ConfigError);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.file).toBe(file);
    expect(error.path).toBe('access');
    expect(error.message.startsWith(`${file}: access: `)).toBe(true);
    expect(error.message).toMatch(/public|admin/);
  });

  it('names an unknown key, at the top level and inside oidc', () => {
    const top = write('top.yaml', 'access: public\ncolour: red\n');
    const e1 = thrownBy(() => loadPortalConfig(top), ConfigError);
    expect(e1.file).toBe(top);
    expect(e1.path).toBe('(top level)');
    expect(e1.message).toContain(top);
    expect(e1.message).toContain('colour');
    const inner = write('inner.yaml', [...OIDC, '  client_secret: inline'].join('\n'));
    const e2 = thrownBy(() => loadPortalConfig(inner), ConfigError);
    expect(e2.path).toBe('oidc');
    expect(e2.message).toContain('client_secret');
  });

  it('names the nested key of a bad value', () => {
    const file = write(
      'portal.yaml',
      ['oidc:', '  issuer: not a url', '  client_id: x', '  public_url: https://h'].join('\n'),
    );
    const error = thrownBy(() => loadPortalConfig(file), ConfigError);
    expect(error.path).toBe('oidc.issuer');
    expect(error.message.startsWith(`${file}: oidc.issuer: `)).toBe(true);
    const timeout = write('timeout.yaml', 'timeout_seconds: 0\n');
    expect(thrownBy(() => loadPortalConfig(timeout), ConfigError).path).toBe('timeout_seconds');
  });

  it('names the missing secret file, resolved', () => {
    const file = write('conf/portal.yaml', [...OIDC, '  client_secret_file: nowhere/secret'].join('\n'));
    const error = thrownBy(() => loadPortalConfig(file), ConfigError);
    const secret = path.join(dir, 'conf', 'nowhere', 'secret');
    expect(error.file).toBe(secret);
    expect(error.message).toBe(`${secret}: cannot read the OIDC client secret (ENOENT)`);
  });

  it('refuses a secret file whose first line is empty or blank', () => {
    for (const text of ['', '\nsecret on line 2\n', '   \t\n']) {
      const secret = write('secret', text);
      const file = write('portal.yaml', [...OIDC, '  client_secret_file: secret'].join('\n'));
      const error = thrownBy(() => loadPortalConfig(file), ConfigError);
      expect(error.file).toBe(secret);
      expect(error.message).toBe(`${secret}: the first line is empty; expected the OIDC client secret`);
    }
  });

  it('names a config file that cannot be read, or is not YAML', () => {
    const missing = path.join(dir, 'missing.yaml');
    expect(thrownBy(() => loadPortalConfig(missing), ConfigError).message).toBe(
      `${missing}: cannot read the portal config (ENOENT)`,
    );
    const broken = write('broken.yaml', 'access: [public\n');
    const error = thrownBy(() => loadPortalConfig(broken), ConfigError);
    expect(error.file).toBe(broken);
    expect(error.message).toContain(`${broken}: not valid YAML`);
  });
});
