import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { IniError } from '../../../../src/formats/ini/index.js';
import { importUpstreamConfigs, type UpstreamFile } from '../../../../src/site/import-config/index.js';
import { loadSiteConfig } from '../../../../src/site/site-config.js';
import { runCli } from '../../../helpers/cli.js';
import { thrownBy } from '../../../helpers/expect-rejection.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/appliance');
const fixture = (name: string): UpstreamFile => ({
  file: path.join(FIXTURES, name),
  text: readFileSync(path.join(FIXTURES, name), 'utf8'),
});
const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('importUpstreamConfigs', () => {
  const result = importUpstreamConfigs(
    {
      caso: fixture('caso.conf'),
      voMapping: fixture('voms.json'),
      openstackRc: fixture('openstack.rc'),
      atropeConf: fixture('atrope.conf'),
      cloudkeeper: fixture('cloudkeeper.yml'),
      ssmSender: fixture('sender.cfg'),
    },
    { atropeVoMap: fixture('vo_map.yaml') },
  );
  const unmapped = (file: string) =>
    result.unmapped.filter((u) => u.file.endsWith(file)).map((u) => `${u.option}: ${u.reason}`);

  it('takes the site, Keystone, VOs, accounting, sending and image sync from the files that give them', () => {
    expect(result.site).toMatchObject({
      gocdb: 'EXAMPLE-SITE',
      endpoint: 'https://keystone.example.org:5000/v3',
      region: 'RegionOne',
      protocol: 'openid',
      // ops first: it owns the shared images; its second project is accounted for it
      vos: [
        { name: 'ops', auth: { project_id: '9a8b7c6d5e4f30211203f4e5d6c7b8a9' } },
        { name: 'vo.access.egi.eu', auth: { project_id: '3f1c2a4b5d6e7f8091a2b3c4d5e6f708' } },
      ],
      credentials: { type: 'password', username: 'caso', password_file: 'secrets/keystone-password' },
      accounting: {
        service_name: 'EXAMPLE-SITE-cloud',
        vo_properties: ['accounting:VO', 'VO', 'egi.VO'],
        record_types: ['cloud', 'ip', 'accelerator', 'storage'],
        outbox_dir: '/var/spool/apel/outgoing/openstack',
        vo_map: { '0123456789abcdef0123456789abcdef': 'ops' },
        ams: {
          url: 'https://msg.argo.grnet.gr',
          project: 'accounting',
          topic: 'eu-egi-cloud-accounting',
          token_file: 'secrets/ams-token',
        },
      },
      images: {
        sync: true,
        formats: ['qcow2', 'raw'],
        tag: 'atrope',
        ca_path: '/etc/grid-security/certificates',
        cache_dir: '/var/lib/atrope/cache',
        sources: [
          {
            name: 'cloudkeeper-1',
            url: 'https://vmcaster.appdb.egi.eu/store/vo/vo.access.egi.eu/image.list',
          },
        ],
      },
    });
  });

  it('keeps every secret out of the YAML and returns it apart, naming where it came from', () => {
    const yaml = stringify(result.site);
    for (const secret of ['not-a-real-password', 'not-a-real-ams-token', 'an-access-token-that-expires'])
      expect(yaml).not.toContain(secret);
    expect(result.secrets.map((s) => [s.name, s.value, path.basename(s.from)])).toEqual([
      ['keystone-password', 'not-a-real-password', 'caso.conf keystone_auth.password'],
      ['ams-token', 'not-a-real-ams-token', 'sender.cfg messaging.token'],
    ]);
  });

  it('names every option it did not carry over, with the reason', () => {
    expect(unmapped('caso.conf')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DEFAULT\.extractor: prometheus: Fedstack has no such extractor/),
        expect.stringMatching(/^DEFAULT\.messengers: logstash: Fedstack sends to APEL \(AMS\) only/),
        expect.stringMatching(/^DEFAULT\.projects: egi-ops: Fedstack accounts the VO projects/),
        expect.stringMatching(/^DEFAULT\.spooldir: .*default_extract_from/),
        expect.stringMatching(/^keystone_auth\.project_name: Fedstack scopes a session to each VO project/),
        expect.stringMatching(/^keystone_auth\.cafile: Fedstack uses the system CA bundle/),
        expect.stringMatching(/^ssm\.max_size: /),
        'logstash.host: the [logstash] section is not read by Fedstack',
      ]),
    );
    expect(unmapped('voms.json')).toEqual([
      expect.stringMatching(
        /^\/fedcloud\.egi\.eu\/Role=VMOperators: names project "fedcloud", not a Keystone project id/,
      ),
    ]);
    expect(unmapped('openstack.rc')).toEqual([
      expect.stringMatching(/^OS_AUTH_TYPE: a login was already taken from .*caso\.conf/),
      expect.stringMatching(/^OS_CACERT: /),
    ]);
    expect(unmapped('sender.cfg')).toEqual(
      expect.arrayContaining([
        'certificates.key: Fedstack sends with the AMS token; messages are not signed with the host certificate',
      ]),
    );
    expect(unmapped('cloudkeeper.yml')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^image-list: cloudkeeper trusts any signer .* add endorser/),
        expect.stringMatching(/^ca-dir: gives images\.ca_path .* kept that/),
      ]),
    );
    expect(unmapped('atrope.conf')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^glance_3f1c2a4b5d6e7f8091a2b3c4d5e6f708\.auth_type: per-project logins/),
      ]),
    );
  });

  it('writes a YAML that Fedstack loads', () => {
    const file = path.join(dir, 'site.yaml');
    writeFileSync(file, stringify(result.site));
    const config = loadSiteConfig(file);
    expect(config.gocdb).toBe('EXAMPLE-SITE');
    expect(config.vos.map((v) => v.name)).toEqual(['ops', 'vo.access.egi.eu']);
    expect(config.images?.sources.map((s) => s.name)).toEqual(['cloudkeeper-1']);
  });

  it('reads the 0.x cloud-info-provider YAML and cloudkeeper-os mapping, and reports names that are no ids', () => {
    const old = importUpstreamConfigs({
      cloudInfo: fixture('cloud-info-provider-0.13.0-sample.openstack.yaml'),
      voMapping: fixture('cloudkeeper-os-0.9.9-voms.json.sample'),
    });
    expect(old.site.vos).toEqual([]);
    expect(old.unmapped.map((u) => u.option)).toEqual(
      expect.arrayContaining([
        'compute.shares.ops.auth.project_id',
        'dteam',
        'ops',
        'gocdb',
        'endpoint',
        'credentials',
        'vos',
      ]),
    );
  });

  it('names the file and line of an input it cannot parse', () => {
    const error = thrownBy(
      () =>
        importUpstreamConfigs({
          caso: { file: '/etc/caso/caso.conf', text: '[DEFAULT]\nsite_name CESGA\n' },
        }),
      IniError,
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/^\/etc\/caso\/caso\.conf:2: expected "key = value"/);
  });
});

describe('fedstack site import-config', () => {
  it('writes the YAML and the secrets (0600), prints no secret, and refuses to replace the output without --force', async () => {
    const output = path.join(dir, 'cli', 'site.yaml');
    const args = [
      'site',
      'import-config',
      '--caso',
      path.join(FIXTURES, 'caso.conf'),
      '--voms',
      path.join(FIXTURES, 'voms.json'),
    ];
    const run = await runCli([...args, '--ssm', path.join(FIXTURES, 'sender.cfg'), '--output', output]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^wrote .*site\.yaml: site EXAMPLE-SITE, 2 VO\(s\), accounting/);
    expect(run.stdout).toMatch(/option\(s\) not carried over:\n {2}.*caso\.conf DEFAULT\.projects/);
    for (const secret of ['not-a-real-password', 'not-a-real-ams-token']) {
      expect(run.stdout).not.toContain(secret);
      expect(readFileSync(output, 'utf8')).not.toContain(secret);
    }
    const secretFile = path.join(dir, 'cli', 'secrets', 'keystone-password');
    expect(readFileSync(secretFile, 'utf8')).toBe('not-a-real-password\n');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(loadSiteConfig(output).credentials).toMatchObject({ type: 'password', username: 'caso' });

    const again = await runCli([...args, '--output', output]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/site\.yaml: exists; give --force to replace it/);
    expect((await runCli([...args, '--output', output, '--force', '--no-secrets'])).code).toBe(0);
  });
});
