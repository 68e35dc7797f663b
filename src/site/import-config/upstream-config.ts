/**
 * The FedCloud appliance's config files turned into one Fedstack site YAML, as a pure function:
 * cASO's `caso.conf` and its VO mapping JSON (`voms.json`, also cloudkeeper-os's `mapping.json`),
 * cloud-info-provider's site YAML (the catch-all format, or the 0.x `openstack.yaml`) and
 * `openstack.rc`, atrope's `sources.yaml` and `atrope.conf`, cloudkeeper's `cloudkeeper.yml`
 * and SSM's `sender.cfg`. Every option that is not carried over is listed with the reason;
 * secrets are never written into the YAML: each is returned apart, and the YAML refers to it by
 * a `*_file` reference.
 * @module
 */
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../errors.js';
import { iniList, iniValue, parseIni, type IniDocument } from '../../formats/ini/index.js';
import { parseShellEnv } from '../../formats/shell-env/index.js';
import { parseAtropeSources } from '../images/images-config.js';

/** One upstream file: where it was read and its text. */
export interface UpstreamFile {
  readonly file: string;
  readonly text: string;
}

/** The upstream files to import; any may be absent. */
export interface UpstreamConfigs {
  readonly caso?: UpstreamFile;
  /** cASO's `mapping_file` (`voms.json`), or cloudkeeper-os's `mapping.json`/`voms.json`. */
  readonly voMapping?: UpstreamFile;
  /** cloud-info-provider's site YAML: the catch-all format (1.x) or the 0.x `openstack.yaml`. */
  readonly cloudInfo?: UpstreamFile;
  readonly openstackRc?: UpstreamFile;
  readonly atropeSources?: UpstreamFile;
  readonly atropeConf?: UpstreamFile;
  readonly cloudkeeper?: UpstreamFile;
  readonly ssmSender?: UpstreamFile;
}

/** An option that was not carried over, and why. */
export interface UnmappedOption {
  readonly file: string;
  /** `section.key` for INI files, the key path for YAML and JSON, the variable for `openstack.rc`. */
  readonly option: string;
  readonly reason: string;
}

/** A secret found in an upstream file: the YAML refers to `secrets/<name>` (see {@link ImportResult}). */
export interface FoundSecret {
  /** File name for it, e.g. `keystone-password`. */
  readonly name: string;
  readonly value: string;
  /** Where it came from, e.g. `caso.conf keystone_auth.password`. */
  readonly from: string;
}

/** What {@link importUpstreamConfigs} made. */
export interface ImportResult {
  /** The site YAML (wire names), ready to be written. */
  readonly site: Record<string, unknown>;
  readonly unmapped: readonly UnmappedOption[];
  /** Secrets to store in `<secretsDir>/<name>` (0600); the YAML's `*_file` keys point there. */
  readonly secrets: readonly FoundSecret[];
}

/** Where the YAML expects a secret: relative to the YAML's directory. */
export const SECRETS_DIR = 'secrets';

const KEYSTONE_ID = /^[0-9a-f]{32}$/;

/** The state of one import: what each file contributed, merged in order. */
class Importer {
  readonly unmapped: UnmappedOption[] = [];
  readonly secrets: FoundSecret[] = [];
  gocdb: string | undefined;
  endpoint: string | undefined;
  region: string | undefined;
  protocol: string | undefined;
  readonly vos = new Map<string, string>();
  credentials: Record<string, unknown> | undefined;
  credentialsFrom: string | undefined;
  readonly accounting: Record<string, unknown> = {};
  readonly voMap: Record<string, string> = {};
  images: Record<string, unknown> | undefined;
  timeoutSeconds: number | undefined;

  /** Sets `images.<key>` unless an earlier file set it (a different value is reported). */
  image(key: string, value: unknown, file: string, option: string): void {
    this.images ??= {};
    const current = this.images[key];
    if (current === undefined) this.images[key] = value;
    else if (JSON.stringify(current) !== JSON.stringify(value))
      this.skip(
        file,
        option,
        `gives images.${key} ${JSON.stringify(value)}, but an earlier file gave ${JSON.stringify(current)}; kept that`,
      );
  }

  skip(file: string, option: string, reason: string): void {
    this.unmapped.push({ file, option, reason });
  }

  /** Stores a secret apart and returns the `*_file` value that refers to it. */
  secret(name: string, value: string, from: string): string {
    const existing = this.secrets.find((s) => s.name === name);
    if (!existing) this.secrets.push({ name, value, from });
    else if (existing.value !== value)
      return this.secret(
        `${name}-${this.secrets.filter((s) => s.name.startsWith(name)).length + 1}`,
        value,
        from,
      );
    return `${SECRETS_DIR}/${name}`;
  }

  /** Sets a scalar the first file that has it gives; a later file with another value is reported. */
  first<K extends 'gocdb' | 'endpoint' | 'region' | 'protocol'>(
    key: K,
    value: string,
    file: string,
    option: string,
  ) {
    const current = this[key];
    if (current === undefined) this[key] = value as this[K];
    else if (current !== value)
      this.skip(file, option, `gives ${key} ${value}, but an earlier file gave ${current}; kept ${current}`);
  }

  addVo(vo: string, project: string, file: string, option: string): void {
    if (!KEYSTONE_ID.test(project)) {
      this.skip(
        file,
        option,
        `names project "${project}", not a Keystone project id: add the VO under vos with the id ` +
          `(openstack project show "${project}" -f value -c id)`,
      );
      return;
    }
    const known = this.vos.get(vo);
    if (known === undefined) {
      this.vos.set(vo, project);
      return;
    }
    // a VO with more projects: the first is the VO's, the others are accounted for it
    if (known !== project) this.voMap[project] = vo;
  }
}

function invalid(file: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError(message, { file }, cause === undefined ? undefined : { cause });
}

function parseYamlOf(input: UpstreamFile): unknown {
  try {
    return parseYaml(input.text, { logLevel: 'error' });
  } catch (error) {
    throw invalid(input.file, `not valid YAML: ${(error as Error).message.split('\n')[0]}`, error);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Keystone credentials: cASO's [keystone_auth] and openstack.rc name the same keystoneauth options

/** keystoneauth options (names without `OS_`, lower case) → credentials; secrets stored apart. */
/** Where keystoneauth options come from, and how that file names an option. */
interface KeystoneSource {
  readonly file: string;
  readonly option: (key: string) => string;
}

function credentialsOf(
  options: ReadonlyMap<string, string>,
  importer: Importer,
  where: KeystoneSource,
): Record<string, unknown> | undefined {
  const type = (options.get('auth_type') ?? 'password').replace(/^v3/, '');
  const { option } = where;
  const secretOf = (key: string, name: string) => {
    const value = options.get(key);
    return value ? importer.secret(name, value, `${where.file} ${option(key)}`) : undefined;
  };
  switch (type) {
    case 'password': {
      const username = options.get('username');
      const userId = options.get('user_id');
      if (!username && !userId) return undefined;
      const password = secretOf('password', 'keystone-password');
      if (!password)
        importer.skip(
          where.file,
          option('password'),
          'is not given: put the password in secrets/keystone-password',
        );
      if (options.has('user_domain_id') && !options.has('user_domain_name'))
        importer.skip(
          where.file,
          option('user_domain_id'),
          'Fedstack names the domain: set credentials.user_domain_name',
        );
      return {
        type: 'password',
        ...(username ? { username } : { user_id: userId }),
        user_domain_name: options.get('user_domain_name') ?? 'Default',
        password_file: password ?? `${SECRETS_DIR}/keystone-password`,
      };
    }
    case 'applicationcredential': {
      const id = options.get('application_credential_id');
      if (!id) {
        importer.skip(
          where.file,
          option('application_credential_name'),
          'Fedstack needs the application credential id (openstack application credential show NAME)',
        );
        return undefined;
      }
      return {
        type: 'application_credential',
        id,
        secret_file:
          secretOf('application_credential_secret', 'application-credential-secret') ??
          `${SECRETS_DIR}/application-credential-secret`,
      };
    }
    case 'oidcaccesstoken':
      importer.skip(
        where.file,
        option('access_token'),
        'an access token lives an hour: Fedstack refreshes one itself; set credentials.refresh_token_file, issuer_url and client_id',
      );
      return {
        type: 'oidc',
        identity_provider: options.get('identity_provider') ?? 'egi.eu',
        access_token_file:
          secretOf('access_token', 'oidc-access-token') ?? `${SECRETS_DIR}/oidc-access-token`,
      };
    case 'oidcrefreshtoken':
    case 'oidcclientcredentials':
    case 'oidcpassword': {
      const issuer = options.get('discovery_endpoint')?.replace(/\/\.well-known\/openid-configuration$/, '');
      const refresh = secretOf('refresh_token', 'oidc-refresh-token');
      if (!refresh)
        importer.skip(
          where.file,
          option('auth_type'),
          `${options.get('auth_type')}: Fedstack logs in with a refresh token; put one in secrets/oidc-refresh-token`,
        );
      const clientSecret = secretOf('client_secret', 'oidc-client-secret');
      return {
        type: 'oidc',
        identity_provider: options.get('identity_provider') ?? 'egi.eu',
        refresh_token_file: refresh ?? `${SECRETS_DIR}/oidc-refresh-token`,
        ...(issuer ? { issuer_url: issuer } : {}),
        ...(options.get('client_id') ? { client_id: options.get('client_id') } : {}),
        ...(clientSecret ? { client_secret_file: clientSecret } : {}),
      };
    }
    default:
      importer.skip(
        where.file,
        option('auth_type'),
        `${options.get('auth_type')} is not a login Fedstack supports (password, application credential, OIDC)`,
      );
      return undefined;
  }
}

/** keystoneauth options that only scope or tune the login: Fedstack scopes per VO itself. */
const SCOPE_OPTIONS = new Set([
  'project_id',
  'project_name',
  'project_domain_id',
  'project_domain_name',
  'tenant_id',
  'tenant_name',
  'system_scope',
  'domain_id',
  'domain_name',
]);
const LOGIN_OPTIONS = new Set([
  'auth_type',
  'auth_url',
  'username',
  'user_id',
  'password',
  'user_domain_name',
  'user_domain_id',
  'application_credential_id',
  'application_credential_name',
  'application_credential_secret',
  'access_token',
  'refresh_token',
  'client_id',
  'client_secret',
  'discovery_endpoint',
  'identity_provider',
  'protocol',
  'region_name',
  'interface',
  'timeout',
  'identity_api_version',
  'auth_version',
]);

function applyKeystoneOptions(
  options: ReadonlyMap<string, string>,
  importer: Importer,
  where: KeystoneSource,
): void {
  const { option } = where;
  const authUrl = options.get('auth_url');
  if (authUrl) importer.first('endpoint', authUrl, where.file, option('auth_url'));
  const region = options.get('region_name');
  if (region) importer.first('region', region, where.file, option('region_name'));
  const protocol = options.get('protocol');
  if (protocol) importer.first('protocol', protocol, where.file, option('protocol'));
  const timeout = Number(options.get('timeout'));
  if (Number.isFinite(timeout) && timeout > 0) importer.timeoutSeconds ??= timeout;
  if (importer.credentials === undefined) importer.credentials = credentialsOf(options, importer, where);
  else if (options.has('auth_type') || options.has('username') || options.has('application_credential_id'))
    importer.skip(
      where.file,
      option('auth_type'),
      `a login was already taken from ${importer.credentialsFrom}; this one is not used`,
    );
  if (importer.credentials !== undefined) importer.credentialsFrom ??= where.file;
  for (const key of options.keys()) {
    if (LOGIN_OPTIONS.has(key)) continue;
    if (SCOPE_OPTIONS.has(key))
      importer.skip(where.file, option(key), 'Fedstack scopes a session to each VO project itself');
    else if (key === 'cafile' || key === 'os_cacert' || key === 'cacert')
      importer.skip(
        where.file,
        option(key),
        'Fedstack uses the system CA bundle (add the site CA there, e.g. update-ca-certificates)',
      );
    else if (key === 'insecure') importer.skip(where.file, option(key), 'Fedstack always verifies TLS');
    else importer.skip(where.file, option(key), 'not a keystoneauth option Fedstack reads');
  }
}

// ---------------------------------------------------------------------------------------------
// cASO

const CASO_RECORD_TYPES: Readonly<Record<string, readonly string[]>> = {
  nova: ['cloud', 'accelerator'],
  cinder: ['storage'],
  neutron: ['ip'],
};

function importCaso(input: UpstreamFile, importer: Importer): { mappingFile?: string } {
  const doc = parseIni(input.text, input.file);
  const file = input.file;
  const get = (section: string, key: string) => iniValue(doc, section, key)?.value.trim();
  const defaults = doc.sections.get('DEFAULT') ?? new Map();
  let mappingFile: string | undefined;
  for (const [key, { value }] of defaults) {
    const v = value.trim();
    switch (key) {
      case 'site_name':
        importer.first('gocdb', v, file, 'DEFAULT.site_name');
        break;
      case 'service_name':
        importer.accounting.service_name = v;
        break;
      case 'projects':
        for (const project of iniList(v))
          importer.skip(
            file,
            'DEFAULT.projects',
            `${project}: Fedstack accounts the VO projects of vos and the projects tagged accounting.project_tag; ` +
              'add it under vos (with its VO) or tag it',
          );
        break;
      case 'caso_tag':
        importer.accounting.project_tag = v;
        break;
      case 'vo_property':
        // the code default is VO, the docs say accounting:VO: Fedstack tries both, the configured one first
        importer.accounting.vo_properties = [...new Set([v, 'VO', 'egi.VO', 'accounting:VO'])];
        break;
      case 'mapping_file':
        mappingFile = v;
        break;
      case 'extractor': {
        const extractors = iniList(v);
        const types = new Set<string>();
        for (const e of extractors) {
          const mapped = CASO_RECORD_TYPES[e];
          if (mapped) for (const t of mapped) types.add(t);
          else
            importer.skip(
              file,
              'DEFAULT.extractor',
              `${e}: Fedstack has no such extractor (energy records are not sent)`,
            );
        }
        importer.accounting.record_types = ['cloud', 'ip', 'accelerator', 'storage'].filter((t) =>
          types.has(t),
        );
        break;
      }
      case 'messengers':
        for (const m of iniList(v))
          if (m !== 'ssm' && m !== 'ssmv4')
            importer.skip(
              file,
              'DEFAULT.messengers',
              m === 'noop'
                ? 'noop: Fedstack always writes the APEL outbox; sending is accounting.ams'
                : `${m}: Fedstack sends to APEL (AMS) only`,
            );
        break;
      case 'region_name':
        importer.first('region', v, file, 'DEFAULT.region_name');
        break;
      case 'spooldir':
      case 'lock_path':
        importer.skip(
          file,
          `DEFAULT.${key}`,
          'Fedstack keeps its own watermarks and lock in accounting.state_dir; set accounting.default_extract_from ' +
            "to the time of cASO's last run so nothing is sent twice",
        );
        break;
      case 'debug':
      case 'log_file':
      case 'log_dir':
      case 'use_stderr':
        importer.skip(file, `DEFAULT.${key}`, 'logging is --log-level; logs go to stderr (the journal)');
        break;
      default:
        importer.skip(file, `DEFAULT.${key}`, 'not a cASO option Fedstack reads');
    }
  }
  const keystone = doc.sections.get('keystone_auth');
  if (keystone)
    applyKeystoneOptions(new Map([...keystone].map(([k, v]) => [k, v.value.trim()])), importer, {
      file,
      option: (key) => `keystone_auth.${key}`,
    });
  const benchmarkName = doc.sections.get('benchmark')?.get('name_key')?.value.trim();
  const benchmarkValue = doc.sections.get('benchmark')?.get('value_key')?.value.trim();
  if (benchmarkName) importer.accounting.benchmark_name_key = benchmarkName;
  if (benchmarkValue) importer.accounting.benchmark_value_key = benchmarkValue;
  const outputPath = get('ssm', 'output_path');
  if (doc.sections.get('ssm')?.has('output_path') && outputPath) importer.accounting.outbox_dir = outputPath;
  skipSections(doc, file, ['DEFAULT', 'keystone_auth', 'benchmark'], importer, {
    ssm: {
      output_path: true,
      max_size: 'Fedstack splits messages by size (under 1 MB, the AMS limit) itself',
    },
    accelerator: 'Fedstack reads the Accelerator:Type/Vendor/Model/Number flavor properties, fixed',
  });
  return mappingFile ? { mappingFile } : {};
}

/** Reports every option of the sections not read, with the given reasons (true: read elsewhere). */
function skipSections(
  doc: IniDocument,
  file: string,
  read: readonly string[],
  importer: Importer,
  reasons: Readonly<Record<string, string | Readonly<Record<string, string | true>>>>,
): void {
  for (const [section, options] of doc.sections) {
    if (read.includes(section)) continue;
    const reason = reasons[section];
    for (const key of options.keys()) {
      const why = typeof reason === 'string' ? reason : reason?.[key];
      if (why === true) continue;
      importer.skip(file, `${section}.${key}`, why ?? `the [${section}] section is not read by Fedstack`);
    }
  }
}

/** `{ vo: { projects: [...] } }` (cASO), `{ vo: { tenant } }` (old), `{ vo: { project, domain } }` (cloudkeeper-os). */
function importVoMapping(input: UpstreamFile, importer: Importer): void {
  let doc: unknown;
  try {
    doc = JSON.parse(input.text);
  } catch (error) {
    throw invalid(input.file, `not valid JSON: ${(error as Error).message}`, error);
  }
  if (!isRecord(doc)) throw invalid(input.file, 'expected an object of VO → projects');
  for (const [vo, entry] of Object.entries(doc)) {
    if (!isRecord(entry)) {
      importer.skip(input.file, vo, 'expected an object with projects, tenant or project');
      continue;
    }
    const projects = [
      ...(Array.isArray(entry.projects) ? entry.projects : []),
      ...(Array.isArray(entry.tenants) ? entry.tenants : []),
      ...(typeof entry.tenant === 'string' ? [entry.tenant] : []),
      ...(typeof entry.project === 'string' ? [entry.project] : []),
    ].filter((p): p is string => typeof p === 'string');
    // a VOMS FQAN such as /fedcloud.egi.eu/Role=VMOperators: the VO is its first part
    const name = vo.startsWith('/') ? vo.split('/')[1]! : vo;
    for (const project of projects) importer.addVo(name, project, input.file, `${vo}`);
    for (const key of Object.keys(entry))
      if (!['projects', 'tenants', 'tenant', 'project', 'domain'].includes(key))
        importer.skip(input.file, `${vo}.${key}`, 'not a VO mapping key Fedstack reads');
  }
}

// ---------------------------------------------------------------------------------------------
// cloud-info-provider

/** Keys of the catch-all site YAML Fedstack reads as they are. */
const CATCHALL_KEYS = new Set([
  'gocdb',
  'endpoint',
  'region',
  'protocol',
  'vos',
  'images',
  'accounting',
  'auth',
  'gocdb_id',
]);

function importCloudInfo(input: UpstreamFile, importer: Importer): void {
  const doc = parseYamlOf(input);
  if (!isRecord(doc)) throw invalid(input.file, 'expected a mapping (the site YAML)');
  const file = input.file;
  if ('gocdb' in doc || 'vos' in doc) {
    if (typeof doc.gocdb === 'string') importer.first('gocdb', doc.gocdb, file, 'gocdb');
    if (typeof doc.endpoint === 'string') importer.first('endpoint', doc.endpoint, file, 'endpoint');
    if (typeof doc.region === 'string') importer.first('region', doc.region, file, 'region');
    if (typeof doc.protocol === 'string') importer.first('protocol', doc.protocol, file, 'protocol');
    for (const [i, vo] of (Array.isArray(doc.vos) ? doc.vos : []).entries()) {
      const auth = isRecord(vo) && isRecord(vo.auth) ? vo.auth : undefined;
      if (isRecord(vo) && typeof vo.name === 'string' && typeof auth?.project_id === 'string')
        importer.addVo(vo.name, auth.project_id, file, `vos[${i}]`);
      else importer.skip(file, `vos[${i}]`, 'expected { name, auth: { project_id } }');
    }
    if (isRecord(doc.images)) importer.images = { ...doc.images, ...importer.images };
    if (isRecord(doc.accounting)) Object.assign(importer.accounting, doc.accounting);
    for (const key of Object.keys(doc))
      if (!CATCHALL_KEYS.has(key)) importer.skip(file, key, 'not a key of the site YAML');
    return;
  }
  // the 0.x openstack.yaml
  const site = isRecord(doc.site) ? doc.site : {};
  if (typeof site.name === 'string') importer.first('gocdb', site.name, file, 'site.name');
  const compute = isRecord(doc.compute) ? doc.compute : {};
  const shares = isRecord(compute.shares) ? compute.shares : {};
  for (const [vo, share] of Object.entries(shares)) {
    const projectId = isRecord(share) && isRecord(share.auth) ? share.auth.project_id : undefined;
    if (typeof projectId === 'string')
      importer.addVo(vo, projectId, file, `compute.shares.${vo}.auth.project_id`);
    else importer.skip(file, `compute.shares.${vo}`, 'has no auth.project_id');
    for (const key of isRecord(share) ? Object.keys(share) : [])
      if (key !== 'auth')
        importer.skip(
          file,
          `compute.shares.${vo}.${key}`,
          'Fedstack reads networks, SLAs and membership from the site itself',
        );
  }
  for (const key of Object.keys(compute))
    if (key !== 'shares')
      importer.skip(
        file,
        `compute.${key}`,
        'Fedstack discovers this from the site (static values are not read)',
      );
  for (const key of Object.keys(doc))
    if (key !== 'site' && key !== 'compute')
      importer.skip(file, key, 'Fedstack discovers this from the site (static values are not read)');
  for (const key of Object.keys(site)) if (key !== 'name') importer.skip(file, `site.${key}`, 'not read');
}

function importOpenstackRc(input: UpstreamFile, importer: Importer): void {
  const { variables, otherLines } = parseShellEnv(input.text, input.file);
  const options = new Map<string, string>();
  for (const [name, { value }] of variables) {
    if (!name.startsWith('OS_')) {
      importer.skip(input.file, name, 'not an OpenStack variable');
      continue;
    }
    options.set(name.slice(3).toLowerCase(), value);
  }
  applyKeystoneOptions(options, importer, { file: input.file, option: (key) => `OS_${key.toUpperCase()}` });
  for (const { line, text } of otherLines)
    importer.skip(input.file, `line ${line}`, `not an assignment, not run: ${text.split(/\s+/)[0]}`);
}

// ---------------------------------------------------------------------------------------------
// atrope and cloudkeeper

function importAtropeSources(input: UpstreamFile, importer: Importer): void {
  const { wireSources, warnings } = parseAtropeSources(input.text, input.file);
  importer.images = {
    ...importer.images,
    sources: [...((importer.images?.sources as unknown[]) ?? []), ...wireSources],
  };
  for (const w of warnings) importer.skip(input.file, w.path.map(String).join('.'), w.message);
}

function importAtropeConf(input: UpstreamFile, importer: Importer): void {
  const doc = parseIni(input.text, input.file);
  const file = input.file;
  const read = new Set<string>();
  const take = (section: string, key: string): string | undefined => {
    const v = doc.sections.get(section)?.get(key)?.value.trim();
    if (v !== undefined) read.add(`${section}.${key}`);
    return v;
  };
  const caPath = take('DEFAULT', 'ca_path');
  if (caPath) importer.image('ca_path', caPath, file, 'DEFAULT.ca_path');
  const cache = take('cache', 'path');
  if (cache) importer.image('cache_dir', cache, file, 'cache.path');
  const dispatcher = take('dispatchers', 'dispatcher');
  importer.image('sync', dispatcher === undefined || dispatcher === 'glance', file, 'dispatchers.dispatcher');
  const prefix = take('dispatchers', 'prefix');
  if (prefix)
    importer.skip(file, 'dispatchers.prefix', 'Fedstack has a prefix per source: add it to each source');
  const formats = take('glance', 'formats');
  if (formats) importer.image('formats', iniList(formats), file, 'glance.formats');
  const tag = take('glance', 'tag');
  if (tag) importer.image('tag', tag, file, 'glance.tag');
  const owner = take('glance', 'project_id');
  if (owner)
    importer.skip(
      file,
      'glance.project_id',
      "Fedstack's owner project is the ops VO's (else the first VO's); list ops first under vos",
    );
  const voMap = take('glance', 'vo_map');
  if (voMap)
    importer.skip(
      file,
      'glance.vo_map',
      'give that file with --vo-map: its VO → project_id entries become vos',
    );
  take('sources', 'image_sources');
  take('DEFAULT', 'state_path');
  const bundle = take('DEFAULT', 'download_ca_file');
  if (bundle)
    importer.skip(file, 'DEFAULT.download_ca_file', 'downloads use the system CA bundle and images.ca_path');
  for (const [section, options] of doc.sections)
    for (const key of options.keys()) {
      if (read.has(`${section}.${key}`)) continue;
      importer.skip(
        file,
        `${section}.${key}`,
        section.startsWith('glance_')
          ? 'per-project logins are vos[].auth.credentials (give the secret by reference)'
          : 'not an atrope option Fedstack reads',
      );
    }
}

/** atrope's `vo_map.yaml`: `{ vo: { project_id } }`. */
function importAtropeVoMap(input: UpstreamFile, importer: Importer): void {
  const doc = parseYamlOf(input);
  if (!isRecord(doc)) throw invalid(input.file, 'expected a mapping of VO → { project_id }');
  for (const [vo, entry] of Object.entries(doc)) {
    const id = isRecord(entry) ? entry.project_id : undefined;
    if (typeof id === 'string') importer.addVo(vo, id, input.file, `${vo}.project_id`);
    else importer.skip(input.file, vo, 'has no project_id');
  }
}

function importCloudkeeper(input: UpstreamFile, importer: Importer): void {
  const doc = parseYamlOf(input);
  if (!isRecord(doc)) throw invalid(input.file, 'expected a mapping (cloudkeeper.yml)');
  const file = input.file;
  const root = isRecord(doc.cloudkeeper) ? doc.cloudkeeper : doc;
  const lists = [
    ...(typeof root['image-list'] === 'string' ? [root['image-list']] : []),
    ...(Array.isArray(root['image-lists']) ? root['image-lists'] : []),
  ].filter((l): l is string => typeof l === 'string');
  const sources = [...((importer.images?.sources as unknown[]) ?? [])];
  for (const [i, url] of lists.entries()) {
    sources.push({ name: `cloudkeeper-${i + 1}`, url, vos: [] });
    importer.skip(
      file,
      lists.length === 1 ? 'image-list' : `image-lists[${i}]`,
      'cloudkeeper trusts any signer its CA directory accepts: add endorser { dn, ca } (run --dry-run to see the signer) ' +
        'and the VOs of the list under vos of the source',
    );
  }
  importer.images = { ...importer.images, sources };
  const formats = root.formats;
  if (Array.isArray(formats)) importer.image('formats', formats, file, 'formats');
  if (typeof root['ca-dir'] === 'string') importer.image('ca_path', root['ca-dir'], file, 'ca-dir');
  if (typeof root['image-dir'] === 'string')
    importer.image('cache_dir', root['image-dir'], file, 'image-dir');
  const handled = new Set(['image-list', 'image-lists', 'formats', 'ca-dir', 'image-dir']);
  for (const key of Object.keys(root))
    if (!handled.has(key))
      importer.skip(
        file,
        key,
        key === 'verify-image-list'
          ? 'Fedstack always verifies the signature'
          : key === 'backend' || key === 'nginx' || key === 'remote-mode' || key === 'authentication'
            ? 'Fedstack talks to Glance itself (no backend, no nginx)'
            : 'not read',
      );
}

// ---------------------------------------------------------------------------------------------
// SSM

function importSsmSender(input: UpstreamFile, importer: Importer): void {
  const doc = parseIni(input.text, input.file);
  const file = input.file;
  const value = (section: string, key: string) => doc.sections.get(section)?.get(key)?.value.trim();
  const protocol = value('sender', 'protocol')?.toUpperCase() ?? 'STOMP';
  const read = new Set(['sender.protocol']);
  if (protocol !== 'AMS') {
    importer.skip(
      file,
      'sender.protocol',
      `${protocol}: Fedstack sends through AMS only (STOMP brokers are retired)`,
    );
  } else {
    const host = value('broker', 'host');
    const port = value('broker', 'port');
    const useSsl = value('broker', 'use_ssl');
    const scheme = useSsl !== undefined && /^(false|0|no)$/i.test(useSsl) ? 'http' : 'https';
    const token = value('messaging', 'token');
    const ams: Record<string, unknown> = {
      ...(host ? { url: `${scheme}://${host}${port && port !== '443' ? `:${port}` : ''}` } : {}),
      project: value('messaging', 'ams_project') ?? 'accounting',
      topic: value('messaging', 'destination') ?? 'eu-egi-cloud-accounting',
      token_file: token
        ? importer.secret('ams-token', token, `${file} messaging.token`)
        : `${SECRETS_DIR}/ams-token`,
    };
    if (!token)
      importer.skip(
        file,
        'messaging.token',
        'is not given: put the AMS token in secrets/ams-token (the host certificate login is not used)',
      );
    importer.accounting.ams = ams;
    for (const k of [
      'broker.host',
      'broker.port',
      'broker.use_ssl',
      'messaging.ams_project',
      'messaging.destination',
      'messaging.token',
    ])
      read.add(k);
  }
  const path = value('messaging', 'path');
  if (path) {
    read.add('messaging.path');
    importer.accounting.outbox_dir ??= path;
  }
  read.add('messaging.path_type');
  for (const [section, options] of doc.sections)
    for (const key of options.keys()) {
      if (read.has(`${section}.${key}`)) continue;
      importer.skip(
        file,
        `${section}.${key}`,
        section === 'certificates'
          ? 'Fedstack sends with the AMS token; messages are not signed with the host certificate'
          : section === 'logging'
            ? 'logging is --log-level; logs go to stderr (the journal)'
            : 'not an SSM option Fedstack reads',
      );
    }
}

// ---------------------------------------------------------------------------------------------

/** The options of {@link importUpstreamConfigs} beyond the files. */
export interface ImportOptions {
  /** atrope's `vo_map.yaml`, named by `[glance] vo_map`. */
  readonly atropeVoMap?: UpstreamFile;
}

/**
 * Merges the upstream files into one site YAML. Files are read in a fixed order (cloud-info,
 * cASO, VO mapping, openstack.rc, SSM, atrope, cloudkeeper): the first that gives the site name,
 * endpoint or region wins, and a later one with another value is reported. VOs come from every
 * file that names projects by id (by name they are reported: the YAML needs ids).
 * @throws ConfigError naming the file (and line) when one cannot be parsed at all.
 * @example const { site, unmapped, secrets } = importUpstreamConfigs({ caso: { file, text } });
 */
export function importUpstreamConfigs(inputs: UpstreamConfigs, options: ImportOptions = {}): ImportResult {
  const importer = new Importer();
  if (inputs.cloudInfo) importCloudInfo(inputs.cloudInfo, importer);
  const caso = inputs.caso ? importCaso(inputs.caso, importer) : {};
  if (inputs.voMapping) importVoMapping(inputs.voMapping, importer);
  else if (caso.mappingFile)
    importer.skip(
      inputs.caso!.file,
      'DEFAULT.mapping_file',
      `give ${caso.mappingFile} with --voms to read its VOs`,
    );
  if (inputs.openstackRc) importOpenstackRc(inputs.openstackRc, importer);
  if (inputs.ssmSender) importSsmSender(inputs.ssmSender, importer);
  if (inputs.atropeConf) importAtropeConf(inputs.atropeConf, importer);
  if (options.atropeVoMap) importAtropeVoMap(options.atropeVoMap, importer);
  if (inputs.atropeSources) importAtropeSources(inputs.atropeSources, importer);
  if (inputs.cloudkeeper) importCloudkeeper(inputs.cloudkeeper, importer);
  if (importer.images && importer.images.sync === undefined) importer.images.sync = true;
  if (Object.keys(importer.voMap).length > 0) importer.accounting.vo_map = importer.voMap;
  // ops first: it owns the shared images, as atrope's project_id normally is
  const vos = [...importer.vos].sort(([a], [b]) => (a === 'ops' ? -1 : b === 'ops' ? 1 : 0));
  const site: Record<string, unknown> = {
    gocdb: importer.gocdb ?? 'CHANGE-ME',
    endpoint: importer.endpoint ?? 'https://keystone.example.org:5000/v3',
    ...(importer.region ? { region: importer.region } : {}),
    ...(importer.protocol ? { protocol: importer.protocol } : {}),
    vos: vos.map(([name, projectId]) => ({ name, auth: { project_id: projectId } })),
    ...(importer.credentials ? { credentials: importer.credentials } : {}),
    ...(Object.keys(importer.accounting).length > 0 ? { accounting: importer.accounting } : {}),
    ...(importer.images ? { images: importer.images } : {}),
    ...(importer.timeoutSeconds !== undefined ? { timeout_seconds: importer.timeoutSeconds } : {}),
  };
  const missing: UnmappedOption[] = [];
  if (!importer.gocdb)
    missing.push({ file: '(none)', option: 'gocdb', reason: 'no file gives the site name: set gocdb' });
  if (!importer.endpoint)
    missing.push({
      file: '(none)',
      option: 'endpoint',
      reason: 'no file gives the Keystone URL: set endpoint',
    });
  if (!importer.credentials)
    missing.push({ file: '(none)', option: 'credentials', reason: 'no file gives a login: add credentials' });
  if (vos.length === 0)
    missing.push({ file: '(none)', option: 'vos', reason: 'no VO project found by id: add vos' });
  return { site, unmapped: [...importer.unmapped, ...missing], secrets: importer.secrets };
}
