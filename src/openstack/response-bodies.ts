/**
 * The body shapes the per-service parsers share: a page of a list (`{ <key>: [...] }`), one
 * resource wrapped in its key (`{ <key>: {...} }`), a quota set, and list pages read item by
 * item. Built on the field readers of parse-response.ts, so errors name the same field paths.
 * @module
 */
import { paginate } from './pagination.js';
import {
  fieldPlace,
  keepRaw,
  parseItems,
  parsePages,
  readObject,
  requireObject,
  type BodyPlace,
  type ResponseSource,
} from './parse-response.js';
import type { OpenStackSession, ServiceRequest } from './session.js';

/** Parses one item of a body at its place. */
export type ItemParser<T> = (raw: unknown, place: BodyPlace) => T;

/**
 * The sources of one service's answers, by method and path.
 * @example const cinder = serviceSources('volumev3', 'cinder'); cinder('GET', 'volumes/detail')
 */
export function serviceSources(
  service: string,
  serviceName: string,
): (method: string, path: string) => ResponseSource {
  return (method, path) => ({ service, serviceName, method, path });
}

/** Parses a list body (one page), `{ <key>: [...] }`, each item at `key[i]`. */
export function parseListBody<T>(
  body: unknown,
  source: ResponseSource,
  key: string,
  parseOne: ItemParser<T>,
): T[] {
  const place = { source, at: '' };
  return parseItems(readObject(body, place), key, place, parseOne);
}

/** Parses a body that wraps one object in `key` (`{ "volume": {...} }`), the object at `key`. */
export function parseWrappedBody<T>(
  body: unknown,
  source: ResponseSource,
  key: string,
  parseOne: (o: Record<string, unknown>, place: BodyPlace) => T,
): T {
  const place = { source, at: '' };
  return parseOne(requireObject(readObject(body, place), key, place), { source, at: key });
}

/**
 * Parses the body of `GET /os-quota-sets/…` (Nova, Cinder): each quota of `quota_set` that is an
 * object, read at `quota_set.<name>`; the other members (`id`) are left out.
 */
export function parseQuotaSetBody<T>(
  body: unknown,
  source: ResponseSource,
  parseQuota: (q: Record<string, unknown>, place: BodyPlace) => T,
): Record<string, T> {
  return parseWrappedBody(body, source, 'quota_set', (quotaSet, setPlace) => {
    const out: Record<string, T> = {};
    for (const [k, v] of Object.entries(quotaSet)) {
      if (v && typeof v === 'object')
        out[k] = parseQuota(v as Record<string, unknown>, fieldPlace(setPlace, k));
    }
    return out;
  });
}

/** How {@link paginateItems} reads the pages of a list request. */
export interface ItemPages<T> {
  /** Key of the item array, e.g. `servers`. */
  readonly itemsKey: string;
  /** The source parse errors name. */
  readonly source: ResponseSource;
  readonly parseOne: ItemParser<T>;
  /** Page size to ask for; the server may cap it. */
  readonly limit?: number;
}

/** Pages of a list request (see `paginate`), each item parsed at `<itemsKey>[i]` of its page. */
export function paginateItems<T>(
  session: OpenStackSession,
  request: ServiceRequest,
  { itemsKey, source, parseOne, limit }: ItemPages<T>,
): AsyncGenerator<T[], void, undefined> {
  const pages = paginate(session, request, { itemsKey, parse: keepRaw, limit });
  return parsePages(pages, itemsKey, source, parseOne);
}
