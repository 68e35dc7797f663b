import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors.js';
import { parseAtropeSources } from '../../../../src/site/images/images-config.js';
import { validateSiteConfig } from '../../../../src/site/site-config.js';

const ATROPE_SAMPLE = path.resolve(
  import.meta.dirname,
  '../../../fixtures/imagelist/atrope-sources.yaml.sample',
);

const BASE = {
  gocdb: 'TEST-SITE',
  endpoint: 'https://k.example.org:5000/v3',
  vos: [
    { name: 'ops', auth: { project_id: 'p-ops' } },
    { name: 'fedcloud.egi.eu', auth: { project_id: 'p-fedcloud' } },
  ],
};
const APPDB = {
  name: 'egi',
  url: 'https://vmcaster.appdb.egi.eu/store/vo/fedcloud.egi.eu/image.list',
  endorser: {
    dn: '/DC=EU/DC=EGI/C=NL/O=Hosts/O=EGI.eu/CN=appdb.egi.eu',
    ca: '/DC=ORG/DC=SEE-GRID/CN=SEE-GRID CA 2013',
  },
  token_env: 'APPDB_TOKEN',
};

const withImages = (images: unknown) => ({ ...BASE, images });

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
const siteError = (images: unknown) => errorOf(() => validateSiteConfig(withImages(images), 'site.yaml'));

describe('images section of the site YAML', () => {
  it('reads a full section into camelCase names', () => {
    const config = validateSiteConfig(
      withImages({
        sync: true,
        formats: ['raw'],
        cache_dir: '/var/cache/fedstack/images',
        visibility: 'private',
        tag: 'fedstack-test',
        ca_path: '/etc/ca',
        sources: [
          {
            ...APPDB,
            images: ['662b0e71-3e21-5f43-b6a1-cc2f51319fa7'],
            prefix: 'EGI ',
            vos: ['fedcloud.egi.eu'],
          },
          {
            name: 'registry',
            registry: 'https://registry.egi.eu',
            project: 'egi_vm_images',
            tag_pattern: '^[^-]*$',
            username: 'robot$sync',
            password_env: 'HARBOR_PASSWORD',
            enabled: false,
          },
        ],
      }),
      'site.yaml',
    );
    expect(config.images).toEqual({
      isSyncEnabled: true,
      formats: ['raw'],
      cacheDir: '/var/cache/fedstack/images',
      visibility: 'private',
      tag: 'fedstack-test',
      caPath: '/etc/ca',
      sources: [
        {
          kind: 'hepix',
          name: 'egi',
          isEnabled: true,
          location: { kind: 'url', url: APPDB.url },
          endorser: APPDB.endorser,
          images: ['662b0e71-3e21-5f43-b6a1-cc2f51319fa7'],
          prefix: 'EGI ',
          vos: ['fedcloud.egi.eu'],
          project: undefined,
          visibility: undefined,
          tokenEnv: 'APPDB_TOKEN',
          tokenFile: undefined,
        },
        {
          kind: 'oci',
          name: 'registry',
          isEnabled: false,
          registry: 'https://registry.egi.eu',
          apiUrl: undefined,
          repository: undefined,
          project: 'egi_vm_images',
          tagPattern: '^[^-]*$',
          username: 'robot$sync',
          passwordEnv: 'HARBOR_PASSWORD',
          passwordFile: undefined,
          tokenEnv: undefined,
          tokenFile: undefined,
          images: [],
          prefix: '',
          vos: undefined,
          visibility: undefined,
        },
      ],
    });
  });

  it('fills the defaults when the YAML has no images section', () => {
    expect(validateSiteConfig(BASE, 'site.yaml').images).toEqual({
      isSyncEnabled: false,
      formats: ['qcow2', 'raw'],
      cacheDir: undefined,
      visibility: 'shared',
      tag: 'fedstack',
      caPath: '/etc/grid-security/certificates',
      sources: [],
    });
  });

  it('loads the catch-all keys alone (sync and formats)', () => {
    const config = validateSiteConfig(withImages({ sync: true, formats: ['qcow2', 'raw'] }), 'site.yaml');
    expect(config.images).toMatchObject({ isSyncEnabled: true, formats: ['qcow2', 'raw'], sources: [] });
  });

  it.each([
    [{ formats: ['qcow3'] }, 'images.formats[0]', /expected one of/],
    [{ formats: [] }, 'images.formats', /1/],
    [{ visibility: 'public' }, 'images.visibility', /expected one of/],
    [{ sources: [{ ...APPDB, name: undefined }] }, 'images.sources[0].name', /is required/],
    [{ sources: [{ name: 'x' }] }, 'images.sources[0].url', /one of url, file or registry/],
    [{ sources: [{ ...APPDB, file: 'list.json' }] }, 'images.sources[0].file', /cannot be given with url/],
    [
      { sources: [{ ...APPDB, tag_pattern: 'x' }] },
      'images.sources[0].tag_pattern',
      /only applies to a registry/,
    ],
    [
      { sources: [{ name: 'r', registry: 'https://r.example.org' }] },
      'images.sources[0].project',
      /is required/,
    ],
    [
      { sources: [{ name: 'r', registry: 'https://r.example.org', project: 'p', endorser: APPDB.endorser }] },
      'images.sources[0].endorser',
      /only applies to an image list/,
    ],
    [
      { sources: [{ name: 'r', registry: 'https://r.example.org', project: 'p', password_env: 'X' }] },
      'images.sources[0].username',
      /is required with password_env/,
    ],
    [
      { sources: [{ name: 'r', registry: 'https://r.example.org', project: 'p', tag_pattern: '(' }] },
      'images.sources[0].tag_pattern',
      /not a valid regular expression/,
    ],
    [{ sources: [{ ...APPDB, enabled: 'yes' }] }, 'images.sources[0].enabled', /expected boolean/],
    [{ sources: [{ ...APPDB, endorser: { dn: 'x' } }] }, 'images.sources[0].endorser.ca', /is required/],
    [{ sources: [{ ...APPDB, colour: 'red' }] }, 'images.sources[0].colour', /is not a key/],
    [{ sources: [APPDB, APPDB] }, 'images.sources[1].name', /listed twice/],
    [
      { sources: [{ ...APPDB, vos: ['ops', 'vo.unknown'] }] },
      'images.sources[0].vos[1]',
      /not a VO of this site/,
    ],
  ])('refuses %j and names the key path %s', (images, path, message) => {
    const error = siteError(images);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', file: 'site.yaml', path });
    expect(error.message.startsWith(`site.yaml: ${path}: `)).toBe(true);
    expect(error.message).toMatch(message);
  });

  it('refuses a token written inline in a source and never shows it', () => {
    const error = siteError({ sources: [{ ...APPDB, token_env: undefined, token: 'S3CR3T-appdb' }] });
    expect(error.path).toBe('images.sources[0].token');
    expect(error.message).toContain('token_env');
    expect(error.message).not.toContain('in a `credentials` block');
    expect(error.message).not.toContain('S3CR3T');
  });

  it('refuses a registry password written inline', () => {
    const error = siteError({
      sources: [
        { name: 'r', registry: 'https://r.example.org', project: 'p', username: 'u', password: 'S3CR3T-x' },
      ],
    });
    expect(error.path).toBe('images.sources[0].password');
    expect(error.message).not.toContain('S3CR3T');
  });

  it('refuses an AppDB token in the list URL (user:password@)', () => {
    const error = siteError({
      sources: [
        { ...APPDB, url: 'https://S3CR3T-tok:x-oauth-basic@vmcaster.appdb.egi.eu/store/vo/x/image.list' },
      ],
    });
    expect(error.path).toBe('images.sources[0].url');
    expect(error.message).not.toContain('S3CR3T');
  });
});

describe('atrope sources.yaml', () => {
  it('maps the atrope sample onto the same model', () => {
    const { sources, warnings } = parseAtropeSources(readFileSync(ATROPE_SAMPLE, 'utf8'), 'sources.yaml');
    expect(sources.map((s) => s.name)).toEqual(['ttycorelinux egi', 'vo.fedcloud.egi.eu', 'harbor_project']);
    expect(sources[0]).toMatchObject({
      kind: 'hepix',
      isEnabled: true,
      location: {
        kind: 'url',
        url: 'https://vmcaster.appdb.egi.eu/store/vappliance/tinycorelinux/image.list',
      },
      endorser: {
        dn: '/DC=EU/DC=EGI/C=NL/O=Hosts/O=EGI.eu/CN=appdb.egi.eu',
        ca: '/DC=ORG/DC=SEE-GRID/CN=SEE-GRID CA 2013',
      },
      images: [],
      prefix: '',
      vos: [],
    });
    expect(sources[1]).toMatchObject({
      kind: 'hepix',
      images: ['662b0e71-3e21-5f43-b6a1-cc2f51319fa7'],
      prefix: 'FEDCLOUD ',
      project: 'bb02bda767b4490a82b2f62f9347a0f5',
      tokenEnv: undefined,
    });
    expect(sources[2]).toMatchObject({
      kind: 'oci',
      registry: 'https://harbor.adress',
      apiUrl: 'http://harbor.adress/api/v2.0',
      project: 'myproject',
      prefix: 'HARBOR ',
      username: 'user',
      visibility: 'shared',
      vos: ['vo_name'],
      passwordEnv: undefined,
    });
    // the inline password is not carried over; the disabled stubs without a url are skipped
    expect(warnings.map((w) => w.path.join('.'))).toEqual([
      'harbor_project.auth_password',
      'foo.enabled',
      'bar.enabled',
    ]);
    expect(JSON.stringify({ sources, warnings })).not.toContain('"password"');
  });

  it('takes Fedstack references in the atrope file instead of inline secrets', () => {
    const { sources, warnings } = parseAtropeSources(
      'appdb:\n  url: https://vmcaster.appdb.egi.eu/store/vo/ops/image.list\n  token: S3CR3T-t\n  token_file: appdb.token\n',
      'sources.yaml',
    );
    expect(sources[0]).toMatchObject({ tokenFile: 'appdb.token' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.path).toEqual(['appdb', 'token']);
    expect(JSON.stringify({ sources, warnings })).not.toContain('S3CR3T');
  });

  it('names the atrope key path of a bad value', () => {
    const error = errorOf(() => parseAtropeSources('a:\n  file_path: ""\n', 'sources.yaml'));
    expect(error).toMatchObject({ file: 'sources.yaml', path: 'a.file_path' });
    const missing = errorOf(() => parseAtropeSources('h:\n  type: harbor\n  project: p\n', 'sources.yaml'));
    expect(missing).toMatchObject({ path: 'h.registry_host' });
    expect(missing.message).toContain('is required');
  });

  it('refuses the public sharing model and an unknown type', () => {
    const text =
      'h:\n  type: harbor\n  registry_host: r.example.org\n  project: p\n  sharing_model: public\n';
    expect(errorOf(() => parseAtropeSources(text, 'sources.yaml')).path).toBe('h.sharing_model');
    expect(errorOf(() => parseAtropeSources('x:\n  type: ftp\n', 'sources.yaml')).path).toBe('x.type');
  });

  it('refuses a document that is not a mapping', () => {
    expect(errorOf(() => parseAtropeSources('- a\n', 'sources.yaml')).path).toBe('(top level)');
  });
});
