/**
 * Reading OpenStack answers: small field readers the per-service parsers share. A field an
 * operation relies on that is missing or of the wrong type raises `OPENSTACK_BAD_RESPONSE`
 * naming the service, the request and the field path (`servers[3].id`), instead of turning
 * into the string "undefined" further down. Hand-written checks rather than a schema library:
 * a server listing can hold thousands of items and is read on every accounting run.
 * @module
 */
import { parseApiTime } from './api-time.js';
import { OpenStackError } from './openstack-error.js';

/** Which answer a body is: the service and the request that produced it. */
export interface ResponseSource {
  /** Catalog service type, e.g. `compute`. */
  readonly service: string;
  /** The OpenStack project behind it, e.g. `nova`. */
  readonly serviceName: string;
  readonly method: string;
  /** Request path below the endpoint, e.g. `servers/detail`. */
  readonly path: string;
}

/** Where an object sits: its answer and its field path there (`servers[3]`; '' for the body itself). */
export interface BodyPlace {
  readonly source: ResponseSource;
  readonly at: string;
}

/** An OpenStack answer without a field we rely on, or with one of the wrong type. */
export class OpenStackResponseError extends OpenStackError {
  /** Field path in the body, e.g. `servers[3].id`. */
  readonly field: string;
  readonly expected: string;
  /** The kind of value found (never the value: answers can carry secrets). */
  readonly found: string;

  constructor(source: ResponseSource, field: string, expected: string, found: string) {
    super(
      'OPENSTACK_BAD_RESPONSE',
      { service: source.service, method: source.method, url: source.path, attempts: 1 },
      `${source.serviceName} answer field ${field}: expected ${expected}, found ${found}`,
    );
    this.field = field;
    this.expected = expected;
    this.found = found;
  }
}

/** The place of `raw[key]` under `place`. */
export function fieldPlace(place: BodyPlace, key: string): BodyPlace {
  return { source: place.source, at: joinPath(place.at, key) };
}

function joinPath(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (value === '') return 'an empty string';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

function fail(
  place: BodyPlace,
  key: string | undefined,
  expected: string,
  value: unknown,
  found = kindOf(value),
): never {
  const field = key === undefined ? place.at || '(body)' : joinPath(place.at, key);
  throw new OpenStackResponseError(place.source, field, expected, found);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `raw` itself as an object. */
export function readObject(raw: unknown, place: BodyPlace): Record<string, unknown> {
  if (!isRecord(raw)) fail(place, undefined, 'an object', raw);
  return raw;
}

/** `o[key]` as an object. */
export function requireObject(
  o: Record<string, unknown>,
  key: string,
  place: BodyPlace,
): Record<string, unknown> {
  const v = o[key];
  if (!isRecord(v)) fail(place, key, 'an object', v);
  return v;
}

/** `o[key]` as a non-empty string (ids, statuses). */
export function requireString(o: Record<string, unknown>, key: string, place: BodyPlace): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') fail(place, key, 'a non-empty string', v);
  return v;
}

/** `o[key]` as one of `values` (an enumerated status). */
export function requireOneOf<T extends string>(
  o: Record<string, unknown>,
  key: string,
  values: readonly T[],
  place: BodyPlace,
): T {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    // an unknown status is worth seeing, and statuses carry no secrets
    const found = typeof v === 'string' && v !== '' ? JSON.stringify(v.slice(0, 40)) : kindOf(v);
    fail(place, key, `one of ${values.join(', ')}`, v, found);
  }
  return v as T;
}

/** `o[key]` as a string that may be empty (names). */
export function requireText(o: Record<string, unknown>, key: string, place: BodyPlace): string {
  const v = o[key];
  if (typeof v !== 'string') fail(place, key, 'a string', v);
  return v;
}

/** `o[key]` as a finite number. */
export function requireNumber(o: Record<string, unknown>, key: string, place: BodyPlace): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(place, key, 'a number', v);
  return v;
}

/** `o[key]` as an API time (ISO 8601, zone optional); returned as sent. */
export function requireTime(o: Record<string, unknown>, key: string, place: BodyPlace): string {
  const v = o[key];
  if (typeof v !== 'string' || Number.isNaN(parseApiTime(v))) fail(place, key, 'an ISO 8601 time', v);
  return v;
}

/** The first of `keys` that holds a non-empty string (old and new spellings, e.g. `tenant_id`, `project_id`). */
export function requireStringOf(
  o: Record<string, unknown>,
  keys: readonly [string, ...string[]],
  place: BodyPlace,
): string {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return fail(place, keys.join('|'), 'a non-empty string', o[keys[0]]);
}

/** A non-empty string, else undefined (optional fields, which Nova sends as null or ''). */
export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `o[key]` parsed item by item, each at `key[i]`; a missing or non-array field is an error. */
export function parseItems<T>(
  o: Record<string, unknown>,
  key: string,
  place: BodyPlace,
  parseOne: (raw: unknown, place: BodyPlace) => T,
): T[] {
  const list = o[key];
  if (!Array.isArray(list)) fail(place, key, 'an array', list);
  return parseArray(list, joinPath(place.at, key), place.source, parseOne);
}

/** `o[key]` parsed item by item when present; absent or null means none. */
export function parseOptionalItems<T>(
  o: Record<string, unknown>,
  key: string,
  place: BodyPlace,
  parseOne: (raw: unknown, place: BodyPlace) => T,
): T[] {
  return o[key] === undefined || o[key] === null ? [] : parseItems(o, key, place, parseOne);
}

function parseArray<T>(
  list: readonly unknown[],
  at: string,
  source: ResponseSource,
  parseOne: (raw: unknown, place: BodyPlace) => T,
): T[] {
  const out = new Array<T>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = parseOne(list[i], { source, at: `${at}[${i}]` });
  return out;
}

/**
 * Pages of raw list items (from `paginate` with an identity parse) parsed with their index, so
 * that an error names `servers[3]` of the page it came in.
 */
export async function* parsePages<T>(
  pages: AsyncIterable<readonly unknown[]>,
  key: string,
  source: ResponseSource,
  parseOne: (raw: unknown, place: BodyPlace) => T,
): AsyncGenerator<T[], void, undefined> {
  for await (const page of pages) yield parseArray(page, key, source, parseOne);
}

/** The identity item parse for `paginate`, whose pages {@link parsePages} then reads. */
export function keepRaw(raw: Record<string, unknown>): Record<string, unknown> {
  return raw;
}
