// Property tests of the information system: generated queries, path parameters and GLUE documents against every route.
import { readFileSync } from 'node:fs';
import { parse as parseQueryString } from 'node:querystring';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GlueDocument } from '../../../src/formats/glue/index.js';
import { HubAuth } from '../../../src/hub/auth/hub-auth.js';
import { infosysPlugin } from '../../../src/hub/http/infosys.js';
import { InfosysService } from '../../../src/hub/infosys/index.js';
import { migrateToLatest } from '../../../src/hub/store/hub-migrator.js';
import { HubStore } from '../../../src/hub/store/hub-store.js';
import { fc } from '../../helpers/fuzz.js';
import { documentFor, T0 } from '../../helpers/infosys-fixtures.js';

const ADMIN = 'admin-token-for-fuzzing';
const SITES = ['SITE-A', 'SITE-B', 'EXAMPLE-CLOUD'] as const;
const VOS = ['ops', 'vo.access.egi.eu', 'constructor'];
const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'isPrototypeOf',
];
const PARAMETERS = [
  'vo',
  'vo_name',
  'site',
  'site_name',
  'include_projects',
  'only_egi_images',
  'min_cpu',
  'min_ram',
  'gpu_vendor',
  'min_gpus',
  'format',
  'key',
];

/** cloud-info-provider 1.x's shape, as hand-written in the fixture (site EXAMPLE-CLOUD). */
function cipDocument(): GlueDocument {
  const url = new URL('../../fixtures/discovery/cip-1x-document.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as GlueDocument;
}

function baseDocument(site: (typeof SITES)[number]): GlueDocument {
  return site === 'EXAMPLE-CLOUD' ? cipDocument() : documentFor(site);
}

/** Read URLs that answer about one site only. */
function siteUrls(site: string): string[] {
  const s = encodeURIComponent(site);
  const urls = [`/v1/site/${s}?include_projects=true`, `/v1/site/${s}/projects`];
  urls.push(
    `/v1/site/${s}/images?only_egi_images=false`,
    `/v1/site/${s}/glue`,
    `/v1/site/${s}/glue?format=ldif`,
  );
  urls.push(`/v1/flavors?site=${s}`, `/v1/sites?site_name=${s}&include_projects=true`);
  for (const vo of VOS) {
    urls.push(`/v1/site/${s}/${encodeURIComponent(vo)}/project`);
    urls.push(`/v1/site/${s}/${encodeURIComponent(vo)}/images?only_egi_images=false`);
  }
  return urls;
}

const PLAIN_URLS = [
  '/v1/sites',
  '/v1/sites?include_projects=true',
  '/v1/images',
  '/v1/images?only_egi_images=false',
  '/v1/vos',
  '/v1/flavors',
  '/v1/discovery',
];
const ALL_URLS = [...PLAIN_URLS, ...SITES.flatMap(siteUrls)];

// ---- generators -----------------------------------------------------------------------------

const text = fc.oneof(
  fc.constantFrom(...PROTOTYPE_NAMES, ...PARAMETERS, ...SITES, ...VOS),
  fc.constantFrom('undefined', 'null', '', 'true', 'True', '0', '-1', '1e400', 'NaN', '0x10', ' 1', 'nvidia'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);

/** A URL component from `value`: encoded, left raw where a URL allows it, double-encoded, or broken. */
const component = fc
  .tuple(
    text,
    fc.constantFrom('encoded', 'raw', 'double', 'broken'),
    fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '+', '%2'),
  )
  .map(([value, how, tail]) => {
    const encoded = encodeURIComponent(value);
    if (how === 'encoded') return encoded;
    if (how === 'double') return encodeURIComponent(encoded);
    if (how === 'broken') return `${encoded}${tail}`;
    return value.replace(/[^\x21-\x7e]|#/gu, (c) => encodeURIComponent(c));
  });

const SITES_PARAMETERS = ['vo_name', 'site_name', 'include_projects'];
const IMAGES_PARAMETERS = ['vo_name', 'only_egi_images'];
const FLAVORS_PARAMETERS = ['vo', 'site', 'min_cpu', 'min_ram', 'gpu_vendor', 'min_gpus'];

/** Every read route with the query parameters it takes. */
const ROUTES: readonly (readonly [string, readonly string[]])[] = [
  ['/v1/sites', SITES_PARAMETERS],
  ['/sites/', SITES_PARAMETERS],
  ['/v1/site/:name', ['include_projects']],
  ['/site/:name/', ['include_projects']],
  ['/v1/site/:name/projects', []],
  ['/v1/site/:name/images', IMAGES_PARAMETERS],
  ['/v1/site/:name/:vo/project', []],
  ['/v1/site/:name/:vo/images', IMAGES_PARAMETERS],
  ['/images', IMAGES_PARAMETERS],
  ['/v1/vos', []],
  ['/v1/flavors', FLAVORS_PARAMETERS],
  ['/flavors/', FLAVORS_PARAMETERS],
  ['/v1/discovery', []],
  ['/v1/site/:name/glue', ['format']],
];

/** Mostly values some route takes (so that odd-but-valid values such as `undefined` reach the cache). */
const parameterValue = fc.oneof(
  {
    arbitrary: fc
      .constantFrom(
        'true',
        'false',
        '1',
        '0',
        '2',
        '',
        'ops',
        'SITE-A',
        'nvidia',
        'ldif',
        'undefined',
        'null',
      )
      .map(encodeURIComponent),
    weight: 2,
  },
  { arbitrary: fc.constantFrom(...PROTOTYPE_NAMES).map(encodeURIComponent), weight: 1 },
  { arbitrary: component, weight: 2 },
);

/** A generated query string, and whether it surely gives one parameter twice. */
interface GeneratedQuery {
  readonly text: string;
  readonly isRepeated: boolean;
}

/** A query string for a route: mostly its own parameters, sometimes any name, now and then one repeated. */
function queryString(known: readonly string[]): fc.Arbitrary<GeneratedQuery> {
  const name = fc.oneof(
    { arbitrary: fc.constantFrom(...known, 'key'), weight: 4 },
    { arbitrary: fc.constantFrom(...PARAMETERS, ...PROTOTYPE_NAMES), weight: 1 },
    { arbitrary: component, weight: 1 },
  );
  return fc
    .array(fc.tuple(name, fc.option(parameterValue, { nil: undefined, freq: 6 })), { maxLength: 3 })
    .chain((pairs) => fc.nat(4).map((n) => ({ pairs, isRepeated: n === 0 && pairs.length > 0 })))
    .map(({ pairs, isRepeated }) => {
      const all = isRepeated ? [...pairs, pairs[0]!] : pairs;
      const text = all.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&');
      // `key` (the AMS token fallback) is skipped by every route, so repeating it is no error
      const firstName = isRepeated ? Object.keys(parseQueryString(pairs[0]![0]))[0] : undefined;
      return { text, isRepeated: firstName !== undefined && firstName !== 'key' };
    });
}

/** A site or VO path parameter: mostly a known one, else a prototype name or anything. */
const pathParameter = (known: readonly string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...known).map(encodeURIComponent), weight: 2 },
    { arbitrary: fc.constantFrom(...PROTOTYPE_NAMES), weight: 1 },
    { arbitrary: component, weight: 2 },
  );

const requestUrl = fc
  .constantFrom(...ROUTES)
  .chain(([route, known]) =>
    fc.tuple(fc.constant(route), pathParameter(SITES), pathParameter(VOS), queryString(known)),
  )
  .map(([route, name, vo, query]) => {
    const path = route.replace(':name', name || 'x').replace(':vo', vo || 'x');
    return { url: query.text === '' ? path : `${path}?${query.text}`, isRepeated: query.isRepeated };
  });

/** Paths to every value of a JSON value, as lists of keys. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

const DEEP = '"\u0000deep\u0000"';

/** Times a CreationTime may hold: valid, impossible, at the edges of what a Date or ISO-8601 holds. */
const creationTime = fc.constantFrom(
  '2026-03-01T00:00:00Z',
  '2026-03-01T00:00:00',
  '9999-12-31T23:59:59Z',
  '2026-13-45T00:00:00Z',
  '0000-01-01T00:00:00+23:59',
  '1970-01-01T00:00:00.000000001+00:00',
);

const count = fc.oneof(
  fc.integer(),
  fc.constantFrom(10_000_000_000_000, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e300, -0, 0.5),
);

const replacement = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 2 },
  { arbitrary: fc.constant('\u0000deep\u0000'), weight: 1 },
  fc.constantFrom<unknown>(
    10_000_000_000_000,
    Number.MAX_SAFE_INTEGER,
    1e300,
    -1,
    0,
    1.5,
    '',
    '9999-12-31T23:59:59Z',
    '2026-13-45T00:00:00Z',
    '0000-01-01T00:00:00+23:59',
    'registry.egi.eu/x',
    [],
    {},
    null,
    '\u0000deep\u0000',
  ),
  fc.constantFrom(...PROTOTYPE_NAMES),
);

type Mutation =
  | { kind: 'service'; field: 'Validity' | 'CreationTime'; validity: number; time: string }
  | { kind: 'similar'; at: number; text: string; count: number }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // the service's CreationTime and Validity give the expiry every read depends on
  fc.record({
    kind: fc.constant('service' as const),
    field: fc.constantFrom('Validity' as const, 'CreationTime' as const),
    validity: count,
    time: creationTime,
  }),
  { arbitrary: fc.record({ kind: fc.constant('similar' as const), at: fc.nat(), text, count }), weight: 3 },
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: replacement }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('add' as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.string({ maxLength: 8 })),
    value: replacement,
  }),
);

/** Applies `m` to the value at the `m.at`-th path of `doc` (in place). */
function mutate(doc: GlueDocument, m: Mutation): void {
  if (m.kind === 'service') {
    const service = doc.CloudComputingService[0]!;
    if (m.field === 'Validity') service.Validity = m.validity;
    else service.CreationTime = m.time;
    return;
  }
  const paths = pathsOf(doc).filter((p) => p.length > 0);
  const path = paths[m.at % paths.length]!;
  let parent = doc as unknown as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (m.kind === 'similar') {
    // a value of the same type: mostly still valid GLUE, so that the accepted path gets exercised
    const old = parent[last];
    parent[last] = typeof old === 'string' ? m.text : typeof old === 'number' ? m.count : old;
  } else if (m.kind === 'replace') parent[last] = structuredClone(m.value);
  else if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target))
      Object.defineProperty(target, m.key, {
        value: structuredClone(m.value),
        enumerable: true,
        writable: true,
      });
    else parent[last] = { [m.key]: m.value };
  }
}

/** A publish: a site, a (mutated) document of some site, sent as text, maybe cut or spliced. */
const publishCase = fc.record({
  site: fc.constantFrom(...SITES),
  // now and then the document of another site than the one it is published for
  source: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 5 },
    { arbitrary: fc.constantFrom(...SITES), weight: 1 },
  ),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 2 }),
  // how deep a `deep` marker value is nested, in arrays or objects
  depth: fc.constantFrom(10, 60, 65, 3000),
  isDeepObject: fc.boolean(),
  // now and then the text is cut short, as by a broken upload
  cut: fc.oneof({ arbitrary: fc.constant(undefined), weight: 9 }, { arbitrary: fc.nat(), weight: 1 }),
});

type PublishCase = typeof publishCase extends fc.Arbitrary<infer T> ? T : never;

function documentText(c: PublishCase): string {
  const doc = baseDocument(c.source ?? c.site);
  for (const m of c.mutations) mutate(doc, m);
  const deep = c.isDeepObject
    ? '{"a":'.repeat(c.depth) + '1' + '}'.repeat(c.depth)
    : '['.repeat(c.depth) + ']'.repeat(c.depth);
  let t = JSON.stringify(doc).replaceAll(DEEP, deep);
  if (c.cut !== undefined) t = t.slice(0, c.cut % (t.length + 1));
  return t;
}

// ---- the hub --------------------------------------------------------------------------------

interface Answer {
  readonly url: string;
  readonly status: number;
  readonly etag: string | undefined;
  readonly body: string;
}

async function openApp(service: InfosysService, auth: HubAuth): Promise<FastifyInstance> {
  // the hub's router options (src/hub/app.ts): long path parameters reach the routes
  const app = Fastify({ routerOptions: { maxParamLength: 64 * 1024 } });
  await app.register(infosysPlugin, { infosys: service, auth });
  await app.ready();
  return app;
}

async function read(app: FastifyInstance, url: string): Promise<Answer> {
  const r = await app.inject({ method: 'GET', url });
  return { url, status: r.statusCode, etag: r.headers.etag as string | undefined, body: r.body };
}

async function readAll(app: FastifyInstance, urls: readonly string[]): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const url of urls) out.push(await read(app, url));
  return out;
}

describe('infosys properties (fast-check)', () => {
  let store: HubStore;
  let service: InfosysService;
  let app: FastifyInstance;
  let restarted: { service: InfosysService; app: FastifyInstance };

  beforeAll(async () => {
    store = HubStore.open({ kind: 'sqlite', file: ':memory:' });
    await migrateToLatest(store);
    const auth = new HubAuth(store, ADMIN);
    service = await InfosysService.open(store, { now: () => T0 });
    app = await openApp(service, auth);
    for (const site of SITES) {
      const r = await app.inject({
        method: 'PUT',
        url: `/v1/site/${site}/glue`,
        headers: { 'x-api-key': ADMIN },
        payload: JSON.stringify(baseDocument(site)),
      });
      expect(r.statusCode).toBe(200);
    }
    const second = await InfosysService.open(store, { now: () => T0 });
    restarted = { service: second, app: await openApp(second, auth) };
  });
  afterAll(async () => {
    await app.close();
    await restarted.app.close();
    await store.close();
  });

  it('answers generated queries and path parameters without a server error, and never changes plain answers', async () => {
    const plain = await readAll(app, PLAIN_URLS);
    await fc.assert(
      fc.asyncProperty(requestUrl, async ({ url, isRepeated }) => {
        // a fresh index, so that the generated query is the first to fill its cache entry
        await service.reload();
        const r = await app.inject({ method: 'GET', url });
        expect({ url, status: r.statusCode < 500 }).toEqual({ url, status: true });
        if (isRepeated) expect({ url, status: r.statusCode }).toEqual({ url, status: 400 });
        expect(await readAll(app, PLAIN_URLS)).toEqual(plain);
      }),
    );
  });

  it('never fails on a generated document; a refused one changes nothing, an accepted one only its site', async () => {
    let before = await readAll(app, ALL_URLS);
    await fc.assert(
      fc.asyncProperty(publishCase, async (c) => {
        const r = await app.inject({
          method: 'PUT',
          url: `/v1/site/${c.site}/glue`,
          headers: { 'x-api-key': ADMIN },
          payload: documentText(c),
        });
        expect(r.statusCode).toBeLessThan(500);
        const after = await readAll(app, ALL_URLS);
        for (const a of after)
          expect({ url: a.url, status: a.status < 500 }).toEqual({ url: a.url, status: true });
        if (r.statusCode !== 200) {
          expect(after).toEqual(before);
        } else {
          const others = new Set(SITES.filter((s) => s !== c.site).flatMap(siteUrls));
          const unchanged = (answers: Answer[]) => answers.filter((a) => others.has(a.url));
          expect(unchanged(after)).toEqual(unchanged(before));
          // what was stored reads back the same after a restart
          await restarted.service.reload();
          expect(await readAll(restarted.app, ALL_URLS)).toEqual(after);
        }
        before = after;
      }),
    );
  });
});
