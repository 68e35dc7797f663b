import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../../src/errors.js';
import { validateSiteConfig } from '../../../src/site/site-config.js';
import { thrownBy } from '../../helpers/expect-rejection.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/discovery');
const SAMPLES = readdirSync(FIXTURES).filter((f) => /^catchall-site-.*\.yaml$/.test(f));

const errorOf = (value: unknown) => thrownBy(() => validateSiteConfig(value, 'site.yaml'), ConfigError);
const messageOf = (value: unknown) => errorOf(value).message;

const BASE = {
  gocdb: 'TEST-SITE',
  endpoint: 'https://k.example.org:5000/v3',
  vos: [{ name: 'vo.example.org', auth: { project_id: '0123456789abcdef0123456789abcdef' } }],
  credentials: { type: 'password', username: 'fedstack', password_env: 'FEDSTACK_OS_PASSWORD' },
};

describe('site config validation', () => {
  it('calls a missing key required, naming file and key', () => {
    expect(messageOf({ gocdb: 'TEST-SITE' })).toBe('site.yaml: endpoint: is required (expected string)');
  });

  it('says a present value has the wrong type rather than calling it missing', () => {
    const message = messageOf({
      gocdb: 'TEST-SITE',
      endpoint: 'https://k.example.org/v3',
      timeout_seconds: '30',
    });
    expect(message).toMatch(/^site\.yaml: timeout_seconds: .*expected number/);
    expect(message).not.toContain('required');
  });

  it('puts the file and the first bad key path in the error fields', () => {
    const error = errorOf({ ...BASE, timeout_seconds: -1 });
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', file: 'site.yaml', path: 'timeout_seconds' });
  });
});

describe('catch-all site files', () => {
  it.each(SAMPLES)('loads the real sample %s as it is', (file) => {
    const value = parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Record<string, unknown>;
    const config = validateSiteConfig(value, file);
    expect(config.gocdb).toBe(value.gocdb);
    expect(config.vos.length).toBe((value.vos as unknown[]).length);
  });

  it('loads every key the catch-all schema defines, with Fedstack keys beside them', () => {
    const config = validateSiteConfig(
      {
        ...BASE,
        auth: 'v3applicationcredential',
        region: 'RegionOne',
        protocol: 'openid',
        images: { sync: true, formats: ['qcow2', 'raw'] },
        accounting: { enabled: true, site_name: 'OTHER-NAME' },
        vos: [
          { name: 'ops', auth: { project_id: 'p1' }, defaultNetwork: 'private', publicNetwork: 'public' },
        ],
      },
      'site.yaml',
    );
    expect(config.accounting.siteName).toBe('OTHER-NAME');
  });
});

describe('unknown keys', () => {
  it.each([
    [
      { ...BASE, vos: [{ name: 'ops', auth: { project_id: 'p1', projectid: 'p2' } }] },
      'vos[0].auth.projectid',
    ],
    [{ ...BASE, vos: [{ name: 'ops', auth: { project_id: 'p1' }, shares: 2 }] }, 'vos[0].shares'],
    [{ ...BASE, images: { sync: true, format: ['raw'] } }, 'images.format'],
    [{ ...BASE, accounting: { enable: true } }, 'accounting.enable'],
    [
      { ...BASE, accounting: { ams: { url: 'https://msg.example.org', topik: 't' } } },
      'accounting.ams.topik',
    ],
    [{ ...BASE, credentials: { ...BASE.credentials, user_domain: 'x' } }, 'credentials.user_domain'],
    [{ ...BASE, endpoint_url: 'https://k.example.org' }, 'endpoint_url'],
  ])('refuses an unknown key and names its path (%#)', (value, keyPath) => {
    const error = errorOf(value);
    expect(error.path).toBe(keyPath);
    expect(error.message).toBe(
      `site.yaml: ${keyPath}: is not a key of the site YAML (EGI catch-all schema or Fedstack)`,
    );
  });

  it('lists every unknown key, each with its path', () => {
    const message = messageOf({ ...BASE, colour: 1, accounting: { enable: true, sitename: 'x' } });
    expect(message).toContain('colour: is not a key');
    expect(message).toContain('accounting.enable: is not a key');
    expect(message).toContain('accounting.sitename: is not a key');
  });
});

describe('secrets written inline', () => {
  const SECRET = 'hunter2-do-not-print';
  it.each([
    [
      { ...BASE, vos: [{ name: 'ops', auth: { project_id: 'p1', password: SECRET } }] },
      'vos[0].auth.password',
    ],
    [{ ...BASE, credentials: { ...BASE.credentials, password: SECRET } }, 'credentials.password'],
    [
      { ...BASE, credentials: { type: 'application_credential', id: 'a', secret: SECRET } },
      'credentials.secret',
    ],
    [{ ...BASE, credentials: { type: 'nonsense', token: SECRET } }, 'credentials.token'],
    [
      { ...BASE, accounting: { ams: { url: 'https://msg.example.org', token: SECRET } } },
      'accounting.ams.token',
    ],
    [
      { ...BASE, vos: [{ name: 'ops', auth: { project_id: 'p1', application_credential_secret: SECRET } }] },
      'vos[0].auth.application_credential_secret',
    ],
    [
      { ...BASE, vos: [{ name: 'ops', auth: { project_id: 'p1' }, defaultNetwork: { token: SECRET } }] },
      'vos[0].defaultNetwork.token',
    ],
  ])('refuses a secret at %# with advice to use *_env or *_file, never showing it', (value, keyPath) => {
    const error = errorOf(value);
    expect(error.path).toBe(keyPath);
    expect(error.message).toMatch(/is a secret written inline.*_env`.*_file`/);
    expect(error.message).not.toContain(SECRET);
    expect(JSON.stringify(error)).not.toContain(SECRET);
    expect(String((error.cause as { message?: string } | undefined)?.message ?? '')).not.toContain(SECRET);
  });
});

describe('URLs with credentials', () => {
  it.each([
    ['endpoint', { ...BASE, endpoint: 'http://admin:PW-secret@127.0.0.1:5000/v3' }],
    ['endpoint', { ...BASE, endpoint: 'https://k.example.org/v3?token=PW-secret' }],
    ['endpoints.compute', { ...BASE, endpoints: { compute: 'https://u:PW-secret@nova.example.org/v2.1' } }],
    [
      'accounting.ams.url',
      { ...BASE, accounting: { ams: { url: 'https://msg.example.org/?key=PW-secret' } } },
    ],
  ])('refuses %s carrying credentials and names the field, not the value', (field, value) => {
    const error = errorOf(value);
    expect(error.path).toBe(field);
    expect(error.message).toBe(
      `site.yaml: ${field}: must not carry credentials (user:password@ or a secret query parameter); ` +
        'secrets are given only by reference (`*_env` or `*_file`); the value is not shown',
    );
    expect(error.message).not.toContain('PW-secret');
  });
});

describe('credentials', () => {
  it('asks a password login for username or user_id', () => {
    const error = errorOf({ ...BASE, credentials: { type: 'password', password_env: 'X' } });
    expect(error.path).toBe('credentials.username');
  });
});
