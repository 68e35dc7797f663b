// Finds the API token of a request: `x-api-key`, `Authorization: Bearer` or `Basic`, or the `?key=` fallback.
import type { FastifyRequest } from 'fastify';

/**
 * The password AppDB's image-list URLs pair with a token as the Basic user name
 * (`https://<token>:x-oauth-basic@vmcaster.appdb.egi.eu/store/vo/<vo>/image.list`), the form
 * cloudkeeper's `image-lists.conf` and atrope's `token:` send.
 */
export const BASIC_TOKEN_PASSWORD = 'x-oauth-basic';

/**
 * The token of an `Authorization: Basic` value whose user name is the token and whose password is
 * {@link BASIC_TOKEN_PASSWORD} or empty; undefined for any other Basic credentials.
 */
function basicToken(credentials: string): string | undefined {
  const decoded = Buffer.from(credentials.trim(), 'base64').toString('utf8');
  const colon = decoded.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const password = decoded.slice(colon + 1);
  if (password !== BASIC_TOKEN_PASSWORD && password !== '') return undefined;
  return decoded.slice(0, colon);
}

/** The token a request presents, or undefined. The value must never be logged. */
export function requestToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice(7).trim() || undefined;
  if (typeof auth === 'string' && /^basic /i.test(auth)) return basicToken(auth.slice(6));
  // AMS still accepts ?key=<token> (argo-messaging routing); the request logger strips it from URLs.
  const query = request.query as Record<string, unknown> | undefined;
  const key = query?.key;
  return typeof key === 'string' && key !== '' ? key : undefined;
}
