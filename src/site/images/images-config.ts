/**
 * The `images:` section of the site YAML (image sources, accepted disk formats, Glance visibility
 * and tag, CA directory) in Fedstack's names, and atrope's `sources.yaml` read into the same model.
 * @module
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import {
  configUrl,
  isInlineSecretKey,
  issuePath,
  secretRef,
  type KeyProblem,
  type SecretRef,
} from '../site-config-keys.js';

/** Disk formats Glance accepts that a site may list in `images.formats`. */
export const GLANCE_DISK_FORMATS = ['qcow2', 'raw', 'vmdk', 'vdi', 'vhd', 'vhdx', 'iso', 'ploop'] as const;
export type DiskFormat = (typeof GLANCE_DISK_FORMATS)[number];

/** How synced images are made visible: `shared` (members), `private` (a copy per project), `community`. */
export const IMAGE_VISIBILITIES = ['shared', 'private', 'community'] as const;
export type ImageVisibility = (typeof IMAGE_VISIBILITIES)[number];

/**
 * The Glance tag that marks the images Fedstack manages. Not atrope's `atrope` nor the catch-all's
 * `atrope-catchall`, so that a site-run atrope or the central sync never prunes Fedstack's images
 * nor the other way round (the clash of fedcloud-catchall-operations #424, images.md §5.3).
 */
export const DEFAULT_IMAGE_TAG = 'fedstack';
/** The IGTF CA directory (hashed `*.0` files), as vmcatcher, cloudkeeper and atrope use. */
export const DEFAULT_CA_PATH = '/etc/grid-security/certificates';
/** Accepted disk formats when `images.formats` is absent, in order of preference. */
export const DEFAULT_IMAGE_FORMATS: readonly DiskFormat[] = ['qcow2', 'raw'];

/** What every image source has. */
interface ImageSourceBase {
  /** Unique within the site; written to the Glance property `image_list` (what pruning is scoped by). */
  readonly name: string;
  readonly isEnabled: boolean;
  /** The image ids (`dc:identifier`) to sync; empty: every image of the list. */
  readonly images: readonly string[];
  /** Put before each image title to form the Glance name, e.g. `EGI `. */
  readonly prefix: string;
  /** VOs whose projects get the images; absent: the list's VO (`ad:vo`) or else every VO of the site; empty: only the owner project. */
  readonly vos?: readonly string[];
  /** Written to the Glance property `project` (atrope); for a registry source, the Harbor project. */
  readonly project?: string;
  /** Overrides `images.visibility` for this source. */
  readonly visibility?: ImageVisibility;
}

/** A HEPiX image list (AppDB, vmcaster), read from a URL or a file and verified as S/MIME. */
export interface HepixSourceConfig extends ImageSourceBase, SecretRef<'token'> {
  readonly kind: 'hepix';
  readonly location:
    { readonly kind: 'url'; readonly url: string } | { readonly kind: 'file'; readonly path: string };
  /** The expected signer (subject DN and issuer DN, OpenSSL slash form); absent: any signer the CA directory trusts. */
  readonly endorser?: { readonly dn: string; readonly ca: string };
}

/** An OCI registry (Harbor, e.g. registry.egi.eu) whose artefacts are VM images. */
export interface OciSourceConfig extends ImageSourceBase, SecretRef<'token'>, SecretRef<'password'> {
  readonly kind: 'oci';
  /** The registry's base URL, e.g. `https://registry.egi.eu`. */
  readonly registry: string;
  /** The Harbor API, when it is not `<registry>/api/v2.0`. */
  readonly apiUrl?: string;
  /** One repository (`egi_vm_images/ubuntu`) instead of a whole `project`. */
  readonly repository?: string;
  /** Only tags matching this regular expression are synced, e.g. `^[^-]*$` (moving tags only). */
  readonly tagPattern?: string;
  readonly username?: string;
}

export type ImageSourceConfig = HepixSourceConfig | OciSourceConfig;

/** The `images:` section: whether and how images are synced into the site's Glance. */
export interface ImagesConfig {
  /** `images.sync` of the catch-all schema: the site opts in to image sync. */
  readonly isSyncEnabled: boolean;
  /** Accepted disk formats in order of preference; others are converted to the first. */
  readonly formats: readonly DiskFormat[];
  /** Directory of the download cache, relative to the site YAML; absent: the command's default. */
  readonly cacheDir?: string;
  readonly visibility: ImageVisibility;
  readonly tag: string;
  /** IGTF CA directory used to verify signed image lists. */
  readonly caPath: string;
  readonly sources: readonly ImageSourceConfig[];
}

const OCI_ONLY_KEYS = ['repository', 'tag_pattern', 'api_url', 'username', 'password_env', 'password_file'];

/** A string that compiles as a JavaScript regular expression. */
const regexText = () =>
  z.string().refine(
    (s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'is not a valid regular expression' },
  );

type RawSource = z.infer<typeof ImageSourceShape>;

const ImageSourceShape = z
  .object({
    name: z.string().min(1),
    enabled: z.boolean().default(true),
    url: configUrl().optional(),
    file: z.string().min(1).optional(),
    registry: configUrl().optional(),
    endorser: z
      .object({ dn: z.string().min(1), ca: z.string().min(1) })
      .strict()
      .optional(),
    images: z.array(z.string().min(1)).default([]),
    prefix: z.string().default(''),
    vos: z.array(z.string().min(1)).optional(),
    project: z.string().min(1).optional(),
    visibility: z.enum(IMAGE_VISIBILITIES).optional(),
    repository: z.string().min(1).optional(),
    tag_pattern: regexText().optional(),
    api_url: configUrl().optional(),
    username: z.string().min(1).optional(),
    ...secretRef('token'),
    ...secretRef('password'),
  })
  .strict();

/** The rules between keys of one source: which kind it is, and which keys that kind takes. */
function checkSourceKeys(s: RawSource, ctx: z.RefinementCtx): void {
  const issue = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
  const kinds = (['url', 'file', 'registry'] as const).filter((k) => s[k] !== undefined);
  if (kinds.length === 0) issue('url', 'is required (a source gives one of url, file or registry)');
  for (const k of kinds.slice(1))
    issue(k, `cannot be given with ${kinds[0]} (a source is one of url, file or registry)`);
  if (kinds[0] === 'registry') {
    if (s.endorser) issue('endorser', 'only applies to an image list (url or file), not to a registry');
    if (s.project === undefined && s.repository === undefined)
      issue('project', 'is required for a registry source (or give repository)');
    if (s.project !== undefined && s.repository !== undefined)
      issue('repository', 'cannot be given with project (give one of them)');
    if ((s.password_env || s.password_file) && !s.username)
      issue('username', 'is required with password_env or password_file');
    if ((s.password_env || s.password_file) && (s.token_env || s.token_file))
      issue(
        'token_env' in s && s.token_env ? 'token_env' : 'token_file',
        'cannot be given with a password (give one)',
      );
  } else if (kinds.length > 0) {
    for (const k of OCI_ONLY_KEYS)
      if (s[k as keyof RawSource] !== undefined) issue(k, 'only applies to a registry source (registry)');
  }
  if ((s.token_env && s.token_file) || (s.password_env && s.password_file))
    issue(
      s.token_env && s.token_file ? 'token_file' : 'password_file',
      'cannot be given with its _env form (give one)',
    );
}

const ImageSourceSchema = ImageSourceShape.superRefine(checkSourceKeys);

/** `images` of the site YAML: the catch-all keys (`sync`, `formats`) plus Fedstack's. */
export const ImagesSchema = z
  .object({
    sync: z.boolean().default(false),
    formats: z
      .array(z.enum(GLANCE_DISK_FORMATS))
      .min(1)
      .default([...DEFAULT_IMAGE_FORMATS]),
    cache_dir: z.string().min(1).optional(),
    visibility: z.enum(IMAGE_VISIBILITIES).default('shared'),
    tag: z.string().min(1).max(255).default(DEFAULT_IMAGE_TAG),
    ca_path: z.string().min(1).default(DEFAULT_CA_PATH),
    sources: z.array(ImageSourceSchema).default([]),
  })
  .strict();

type RawImages = z.infer<typeof ImagesSchema>;

function toSourceConfig(s: RawSource): ImageSourceConfig {
  const base = {
    name: s.name,
    isEnabled: s.enabled,
    images: s.images,
    prefix: s.prefix,
    vos: s.vos,
    project: s.project,
    visibility: s.visibility,
    tokenEnv: s.token_env,
    tokenFile: s.token_file,
  };
  if (s.registry !== undefined)
    return {
      ...base,
      kind: 'oci',
      registry: s.registry,
      apiUrl: s.api_url,
      repository: s.repository,
      tagPattern: s.tag_pattern,
      username: s.username,
      passwordEnv: s.password_env,
      passwordFile: s.password_file,
    };
  return {
    ...base,
    kind: 'hepix',
    location: s.url !== undefined ? { kind: 'url', url: s.url } : { kind: 'file', path: s.file! },
    endorser: s.endorser,
  };
}

/** The domain form of a validated `images:` section (defaults filled in). */
export function toImagesConfig(raw: RawImages | undefined): ImagesConfig {
  const r = raw ?? ImagesSchema.parse({});
  return {
    isSyncEnabled: r.sync,
    formats: r.formats,
    cacheDir: r.cache_dir,
    visibility: r.visibility,
    tag: r.tag,
    caPath: r.ca_path,
    sources: r.sources.map(toSourceConfig),
  };
}

/**
 * The rules of `images:` that need the rest of the site: source names unique, and every VO a
 * source names one of the site's `vos`. Paths start at `images`.
 */
export function checkImagesConfig(images: ImagesConfig, siteVos: readonly string[]): KeyProblem[] {
  const problems: KeyProblem[] = [];
  images.sources.forEach((source, i) => {
    if (images.sources.findIndex((s) => s.name === source.name) !== i)
      problems.push({
        path: ['images', 'sources', i, 'name'],
        message: `source ${source.name} is listed twice`,
      });
    source.vos?.forEach((vo, j) => {
      if (!siteVos.includes(vo))
        problems.push({
          path: ['images', 'sources', i, 'vos', j],
          message: `${vo} is not a VO of this site (expected one of vos[].name: ${siteVos.join(', ') || 'none'})`,
        });
    });
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// atrope's sources.yaml (EGI-Federation/atrope, images.md §4)

/** What {@link parseAtropeSources} read: the sources, and what it did not carry over. */
export interface AtropeSourcesResult {
  readonly sources: readonly ImageSourceConfig[];
  /** The same sources as entries of the site YAML's `images.sources` (Fedstack's key names). */
  readonly wireSources: readonly Record<string, unknown>[];
  /** Keys not carried over (secrets written inline, keys Fedstack ignores), one per key path. */
  readonly warnings: readonly KeyProblem[];
}

/** atrope key → Fedstack key of a source (the same meaning). */
const ATROPE_KEYS: Readonly<Record<string, string>> = {
  url: 'url',
  file_path: 'file',
  enabled: 'enabled',
  endorser: 'endorser',
  images: 'images',
  prefix: 'prefix',
  project: 'project',
  vos: 'vos',
  tag_pattern: 'tag_pattern',
  api_url: 'api_url',
  auth_user: 'username',
  sharing_model: 'visibility',
  // Fedstack's references, accepted in the atrope file too (atrope ignores keys it does not know)
  token_env: 'token_env',
  token_file: 'token_file',
  password_env: 'password_env',
  password_file: 'password_file',
};
/** atrope keys Fedstack reads elsewhere or does without. */
const ATROPE_IGNORED = new Set(['type', 'registry_host', 'subscribed_images', 'page_size', 'verify_ssl']);

/** The Fedstack form of one atrope source; `origin` maps each Fedstack key back to the atrope key. */
function fromAtrope(
  name: string,
  entry: Record<string, unknown>,
  warn: (key: string, message: string) => void,
): { raw: Record<string, unknown>; origin: Record<string, string> } {
  const raw: Record<string, unknown> = { name };
  const origin: Record<string, string> = {};
  const set = (ours: string, value: unknown, theirs: string) => {
    raw[ours] = value;
    origin[ours] = theirs;
  };
  const isHarbor = entry.type === 'harbor';
  for (const [key, value] of Object.entries(entry)) {
    if (isInlineSecretKey(key)) {
      // atrope keeps tokens and passwords in the file; Fedstack only by reference
      if (value !== null && value !== undefined && value !== '')
        warn(
          key,
          `is a secret written inline; it is not read: give ${key === 'token' ? 'token' : 'password'}_env or _file instead`,
        );
      continue;
    }
    if (key === 'verify_ssl' && value === false) warn(key, 'is ignored: Fedstack always verifies TLS');
    if (ATROPE_IGNORED.has(key)) continue;
    const ours = ATROPE_KEYS[key];
    if (ours === undefined) warn(key, 'is not an atrope source key Fedstack knows; ignored');
    else if (ours === 'vos' || ours === 'images') set(ours, value ?? [], key);
    else if (value !== null) set(ours, value, key);
  }
  // atrope shares only with the VOs listed; without any, the image stays in its owner project
  if (raw.vos === undefined) set('vos', [], 'vos');
  if (isHarbor) {
    const host = entry.registry_host;
    if (typeof host === 'string' && host)
      set('registry', /^https?:\/\//.test(host) ? host : `https://${host}`, 'registry_host');
    const subscribed = Array.isArray(entry.subscribed_images) ? entry.subscribed_images : [];
    if (subscribed.length > 0)
      set('images', [...((raw.images as unknown[]) ?? []), ...subscribed], 'subscribed_images');
  }
  return { raw, origin };
}

function atropeError(file: string, path: readonly PropertyKey[], message: string): ConfigError {
  return new ConfigError(message, { file, path: issuePath(path), code: 'CONFIG_INVALID' });
}

/**
 * Reads atrope's `sources.yaml` (a map of source name → source; `type: hepix` by default or
 * `type: harbor`, with the top-level `harbor:` defaults merged into every harbor source) into
 * Fedstack's source model. Secrets written inline are never carried over (each is a warning);
 * `file_path` becomes `file`, `auth_user` `username`, `sharing_model` `visibility`,
 * `subscribed_images` joins `images`, `registry_host` gives `registry`.
 * @throws ConfigError `CONFIG_INVALID` naming the file and the atrope key path, when the text is
 *   not YAML, not a mapping, or a source has a bad value.
 * @example const { sources, warnings } = parseAtropeSources(text, '/etc/atrope/sources.yaml');
 */
export function parseAtropeSources(yamlText: string, file: string): AtropeSourcesResult {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText, { logLevel: 'error' });
  } catch (error) {
    throw new ConfigError(
      `not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      { file },
      { cause: error },
    );
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw atropeError(file, [], 'expected a mapping of source name to source');
  const warnings: KeyProblem[] = [];
  const entries = Object.entries(doc as Record<string, unknown>);
  const harborDefaults = (doc as Record<string, unknown>).harbor;
  const sources: ImageSourceConfig[] = [];
  const wireSources: Record<string, unknown>[] = [];
  for (const [name, value] of entries) {
    if (name === 'harbor') continue;
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw atropeError(file, [name], 'expected a mapping (a source)');
    let entry = value as Record<string, unknown>;
    if (entry.type !== undefined && entry.type !== 'hepix' && entry.type !== 'harbor')
      throw atropeError(file, [name, 'type'], `has an unknown type (expected hepix or harbor)`);
    if (entry.type === 'harbor' && harborDefaults && typeof harborDefaults === 'object')
      entry = { ...(harborDefaults as Record<string, unknown>), ...entry };
    if (entry.type === 'harbor' && (typeof entry.registry_host !== 'string' || !entry.registry_host))
      throw atropeError(
        file,
        [name, 'registry_host'],
        'is required (expected the registry host, here or under harbor:)',
      );
    if (entry.sharing_model === 'public')
      throw atropeError(
        file,
        [name, 'sharing_model'],
        'public is not supported (expected shared, private or community)',
      );
    const warn = (key: string, message: string) => warnings.push({ path: [name, key], message });
    if (
      entry.enabled === false &&
      entry.url === undefined &&
      entry.file_path === undefined &&
      entry.type !== 'harbor'
    ) {
      warn('enabled', 'the source is disabled and gives no url or file_path; not read');
      continue;
    }
    const { raw, origin } = fromAtrope(name, entry, warn);
    const parsed = ImageSourceSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const [first, ...rest] = issue.path;
      const theirs = typeof first === 'string' ? (origin[first] ?? first) : first;
      const absent = issue.code === 'invalid_type' && raw[String(first)] === undefined;
      throw atropeError(
        file,
        [name, ...(theirs === undefined ? [] : [theirs]), ...rest],
        absent ? `is required (expected ${issue.expected})` : issue.message,
      );
    }
    sources.push(toSourceConfig(parsed.data));
    wireSources.push(raw);
  }
  return { sources, wireSources, warnings };
}
