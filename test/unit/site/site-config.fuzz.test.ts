// Property tests of the site YAML loader: whatever the file holds, the loader either returns a config
// or throws a ConfigError naming the file (and, for a document it could read, the key path).
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../../../src/errors.js';
import { loadSiteConfig, validateSiteConfig } from '../../../src/site/site-config.js';
import { fc } from '../../helpers/fuzz.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/discovery');
const SAMPLE_TEXTS = readdirSync(FIXTURES)
  .filter((f) => /^catchall-site-.*\.yaml$/.test(f))
  .map((f) => readFileSync(path.join(FIXTURES, f), 'utf8'));
const SAMPLES = SAMPLE_TEXTS.map((t) => parse(t) as Record<string, unknown>);
const dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the validator; returns the ConfigError it threw, or undefined when the value loaded. */
function validationError(value: unknown, file = 'fuzz.yaml'): ConfigError | undefined {
  try {
    validateSiteConfig(value, file);
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error;
  }
}

/** Asserts the error names the file and a key path, and that its message starts with both. */
function expectNamesFileAndPath(error: ConfigError, file: string): void {
  expect(error.code).toBe('CONFIG_INVALID');
  expect(error.file).toBe(file);
  expect(typeof error.path).toBe('string');
  expect(error.path!.length).toBeGreaterThan(0);
  expect(error.path).toBe(error.path!.trim());
  expect(error.message.startsWith(`${file}: ${error.path}: `)).toBe(true);
}

// keys from the schema's own vocabulary mixed with random ones, so generated documents go deep
const KNOWN_KEYS = [
  'gocdb',
  'endpoint',
  'vos',
  'name',
  'auth',
  'project_id',
  'credentials',
  'type',
  'images',
  'sync',
  'formats',
  'sources',
  'tag',
  'visibility',
  'cache_dir',
  'ca_path',
  'accounting',
  'ams',
  'url',
  'enabled',
  'site_name',
  'region',
  'protocol',
  'endpoints',
  'timeout_seconds',
  'interface',
  'password_env',
  'username',
  'vo_map',
  'record_types',
  'token',
  '__proto__',
  'constructor',
  'toString',
];
const key = fc.oneof(fc.constantFrom(...KNOWN_KEYS), fc.string({ maxLength: 12 }));
const scalar = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('https://k.example.org/v3', 'http://u:p@h/v3', 'password', 'application_credential', ''),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(key, tie('tree'), { maxKeys: 6 }),
  ),
}));
/** A random document: mostly a mapping with some real top-level keys. */
const document = fc.oneof(
  tree,
  fc.record(
    { gocdb: tree, endpoint: tree, vos: tree, credentials: tree, images: tree, accounting: tree },
    { requiredKeys: [] },
  ),
  fc.tuple(fc.constantFrom(...SAMPLES), fc.dictionary(key, tree, { maxKeys: 3 })).map(([s, extra]) => ({
    ...s,
    ...extra,
  })),
);

describe('site YAML loader (properties)', () => {
  it('never throws anything but a ConfigError naming the file and a key path, for any document', () => {
    fc.assert(
      fc.property(document, (value) => {
        const error = validationError(value);
        if (error) expectNamesFileAndPath(error, 'fuzz.yaml');
      }),
    );
  });

  it('reads any file (random YAML, mutated samples, bytes) into a config or a ConfigError naming the file', () => {
    const mutatedSample = fc
      .tuple(
        fc.constantFrom(...SAMPLE_TEXTS),
        fc.nat(),
        fc.nat({ max: 40 }),
        fc.string({
          maxLength: 12,
          unit: fc.constantFrom(':', '-', ' ', '\n', '[', '{', '"', "'", '&', '*', '!', '#', 'a', '1', '\t'),
        }),
      )
      .map(([text, at, cut, insert]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + cut);
      });
    const text = fc.oneof(
      document.map((v) => stringify(v)),
      mutatedSample,
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    const file = path.join(dir, 'site.yaml');
    fc.assert(
      fc.property(text, (content) => {
        writeFileSync(file, content);
        try {
          loadSiteConfig(file);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          expect(error.file).toBe(file);
          expect(error.message.startsWith(`${file}: `)).toBe(true);
          // a document that could be read is judged key by key
          if (!error.message.startsWith(`${file}: not valid YAML`)) expectNamesFileAndPath(error, file);
        }
      }),
    );
  });

  it('reports the one field broken in a valid sample at that field', () => {
    const wrong = {
      string: fc.oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.string(), { maxLength: 2 }),
        fc.constant({}),
      ),
      nonEmpty: fc.oneof(fc.constant(''), fc.integer(), fc.constant(null), fc.constant([])),
      url: fc.oneof(
        fc.constantFrom('not a url', '', 'http://admin:pw@k.example.org/v3', 'https://k/v3?token=x'),
        fc.integer(),
      ),
      boolean: fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null), fc.constant([])),
      object: fc.oneof(
        fc.string({ maxLength: 5 }),
        fc.integer(),
        fc.constant(null),
        fc.array(fc.integer(), { maxLength: 2 }),
      ),
      positive: fc.oneof(
        fc.integer({ max: 0 }),
        fc.string({ maxLength: 3 }),
        fc.constant(null),
        fc.constant(1e9),
      ),
    };
    type Kind = keyof typeof wrong;
    const fields = (s: Record<string, unknown>): [PropertyKey[], Kind][] => [
      [['gocdb'], 'nonEmpty'],
      [['endpoint'], 'url'],
      [['region'], 'nonEmpty'],
      [['protocol'], 'nonEmpty'],
      [['auth'], 'string'],
      [['images'], 'object'],
      [['images', 'sync'], 'boolean'],
      [['accounting'], 'object'],
      [['accounting', 'enabled'], 'boolean'],
      [['timeout_seconds'], 'positive'],
      ...(s.vos as unknown[]).flatMap((_v, i): [PropertyKey[], Kind][] => [
        [['vos', i], 'object'],
        [['vos', i, 'name'], 'nonEmpty'],
        [['vos', i, 'auth'], 'object'],
        [['vos', i, 'auth', 'project_id'], 'nonEmpty'],
      ]),
    ];
    const broken = fc
      .constantFrom(...SAMPLES)
      .chain((s) => fc.tuple(fc.constant(s), fc.constantFrom(...fields(s))))
      .chain(([s, [at, kind]]) => fc.tuple(fc.constant(s), fc.constant(at), wrong[kind]));
    fc.assert(
      fc.property(broken, ([sample, at, value]) => {
        const doc = structuredClone(sample);
        setAt(doc, at, value);
        const error = validationError(doc);
        expect(error).toBeDefined();
        expectNamesFileAndPath(error!, 'fuzz.yaml');
        expect(error!.path!.startsWith(pathText(at))).toBe(true);
      }),
    );
  });

  it('reports a required field removed from a valid sample at that field', () => {
    const removed = fc.constantFrom(...SAMPLES).chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.constantFrom<PropertyKey[]>(
          ['gocdb'],
          ['endpoint'],
          ...(s.vos as unknown[]).flatMap((_v, i) => [
            ['vos', i, 'name'],
            ['vos', i, 'auth'],
            ['vos', i, 'auth', 'project_id'],
          ]),
        ),
      ),
    );
    fc.assert(
      fc.property(removed, ([sample, at]) => {
        const doc = structuredClone(sample);
        const parent = at.slice(0, -1).reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown>)[k], doc);
        delete (parent as Record<PropertyKey, unknown>)[at[at.length - 1]!];
        const error = validationError(doc);
        expect(error?.path).toBe(pathText(at));
        expect(error!.message).toContain(`${pathText(at)}: is required`);
      }),
    );
  });

  it('refuses an unknown key added anywhere in a valid sample, naming its path', () => {
    const added = fc.constantFrom(...SAMPLES).chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.constantFrom<PropertyKey[]>([], ['images'], ['vos', 0], ['vos', 0, 'auth']),
        fc
          .stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}$/)
          .filter((k) => !KNOWN_KEYS.includes(k) && k !== 'defaultNetwork' && k !== 'publicNetwork'),
        tree,
      ),
    );
    fc.assert(
      fc.property(added, ([sample, at, newKey, value]) => {
        const doc = structuredClone(sample);
        const holder = at.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown>)[k], doc);
        (holder as Record<string, unknown>)[newKey] = value;
        const error = validationError(doc);
        // a secret written inline inside the new key's value is reported first, at its own path
        expect(error?.path?.startsWith(pathText([...at, newKey]))).toBe(true);
      }),
    );
  });

  it('never shows the value of a secret written inline, wherever it is planted', () => {
    const secretKey = fc.constantFrom(
      'password',
      'secret',
      'token',
      'access_token',
      'client_secret',
      'Password',
      'api-key',
    );
    const planted = fc.tuple(
      fc.constantFrom(...SAMPLES),
      fc.constantFrom<PropertyKey[]>(
        [],
        ['vos', 0],
        ['vos', 0, 'auth'],
        ['images'],
        ['accounting'],
        ['credentials'],
      ),
      secretKey,
      fc.stringMatching(/^[A-Za-z0-9]{6,20}$/).map((s) => `S3CR3T-${s}`),
    );
    fc.assert(
      fc.property(planted, ([sample, at, name, secret]) => {
        const doc: Record<string, unknown> = structuredClone(sample);
        doc.accounting ??= {};
        doc.credentials = { type: 'password', username: 'u', password_env: 'X' };
        const holder = at.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown>)[k], doc);
        (holder as Record<string, unknown>)[name] = secret;
        const error = validationError(doc);
        expect(error?.path).toBe(pathText([...at, name]));
        expect(error!.message).toContain('_env');
        expect(error!.message).not.toContain(secret);
      }),
    );
  });
});

/** A key path as the loader writes it: `vos[0].auth`, odd keys quoted (`[" "]`). */
function pathText(at: readonly PropertyKey[]): string {
  let out = '';
  for (const k of at) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(k))) out += out ? `.${String(k)}` : String(k);
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out;
}

function setAt(doc: Record<string, unknown>, at: readonly PropertyKey[], value: unknown): void {
  let holder: Record<PropertyKey, unknown> = doc;
  for (const k of at.slice(0, -1)) {
    holder[k] ??= {};
    holder = holder[k] as Record<PropertyKey, unknown>;
  }
  holder[at[at.length - 1]!] = value;
}
