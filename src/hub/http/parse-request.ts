// Strict parsing of a request's query or body against its route schema: the one way every hub route reads input.
import type { z } from 'zod';
import { FedstackError } from '../../errors.js';

/** Where a value came from, as error messages name it. */
export type RequestPart = 'query' | 'body';

/**
 * Query parameters every route tolerates besides its own: `key` is AMS's token fallback
 * (argo-messaging accepts `?key=<token>` on every call), read by the auth hook, never by a route.
 */
const ALWAYS_ALLOWED = new Set(['key']);

/** A parameter name as an error message may show it: printable, short, quoted. */
function shownName(name: string): string {
  const printable = name.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > 64 ? `${printable.slice(0, 64)}…` : printable);
}

function invalid(part: RequestPart, message: string): FedstackError {
  return new FedstackError('HUB_REQUEST_INVALID', `${part} ${message}`);
}

/**
 * Checks `value` (a parsed query string or JSON body) against an object schema, strictly: a
 * parameter the schema does not declare, or one given more than once, is refused by name, and
 * only the schema's own keys reach the route (so names such as `__proto__` or `constructor`
 * never do). The result is what cache keys and look-ups must be built from, never the raw input.
 * @throws FedstackError `HUB_REQUEST_INVALID` naming the parameter and what was expected.
 * @example
 * const q = parseRequest(SITES_QUERY, request.query, 'query'); // `?vo_name=a&vo_name=b` → 400
 */
export function parseRequest<S extends z.ZodObject>(
  schema: S,
  value: unknown,
  part: RequestPart = 'query',
): z.infer<S> {
  const input = value ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) throw invalid(part, 'must be an object');
  const known = schema.shape as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const name of Object.keys(input)) {
    const item = (input as Record<string, unknown>)[name];
    if (part === 'query' && ALWAYS_ALLOWED.has(name)) continue;
    if (!Object.hasOwn(known, name)) {
      const expected = Object.keys(known).join(', ') || 'none';
      throw invalid(part, `parameter ${shownName(name)} is not known here (expected: ${expected})`);
    }
    if (part === 'query' && Array.isArray(item)) {
      throw invalid(part, `parameter ${shownName(name)} is given more than once; give it once`);
    }
    Object.defineProperty(picked, name, { value: item, enumerable: true, writable: true });
  }
  const result = schema.safeParse(picked);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue?.path.map(String).join('.') || part;
  throw invalid(part, `parameter ${name}: ${issue?.message ?? 'invalid'}`);
}

/**
 * A stable cache key of a parsed request: the route name and the parsed values that are set, in
 * the schema's key order, JSON-encoded (so an absent value, `"undefined"` and `""` differ).
 */
export function requestCacheKey(route: string, parsed: Readonly<Record<string, unknown>>): string {
  return `${route}|${JSON.stringify(Object.entries(parsed).filter(([, v]) => v !== undefined))}`;
}
