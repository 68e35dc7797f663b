// Finds the API token of a request: `x-api-key` header, `Authorization: Bearer`, or the `?key=` fallback.
import type { FastifyRequest } from 'fastify';

/** The token a request presents, or undefined. The value must never be logged. */
export function requestToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice(7).trim() || undefined;
  // AMS still accepts ?key=<token> (argo-messaging routing); the request logger strips it from URLs.
  const query = request.query as Record<string, unknown> | undefined;
  const key = query?.key;
  return typeof key === 'string' && key !== '' ? key : undefined;
}
