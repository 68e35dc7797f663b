// Pagination over OpenStack list calls: follows `next` links (or markers) as an async generator of pages.
import type { OpenStackSession, ServiceRequest } from './session.js';

/** How to read one page of a list response. */
export interface PageShape<T> {
  /** Key of the item array, e.g. `servers`. */
  itemsKey: string;
  parse: (raw: Record<string, unknown>) => T;
  /** Page size to ask for; the server may cap it. */
  limit?: number;
}

function nextQuery(body: Record<string, unknown>, itemsKey: string): URLSearchParams | undefined {
  // Nova, Neutron, Cinder: `<items>_links: [{rel: next, href}]`; Glance: `next: "/v2/images?marker=…"`;
  // Keystone: `links: {next}`.
  let href: unknown;
  const links = body[`${itemsKey}_links`];
  if (Array.isArray(links)) href = links.find((l: { rel?: string }) => l.rel === 'next')?.href;
  if (href === undefined && typeof body.next === 'string') href = body.next;
  if (href === undefined && body.links && typeof body.links === 'object')
    href = (body.links as { next?: unknown }).next;
  if (typeof href !== 'string' || !href) return undefined;
  // re-issue against our own endpoint: links often name an internal host
  return new URL(href, 'http://placeholder').searchParams;
}

/**
 * Yields pages of a list call, following the server's next links with the
 * same path on our endpoint; stops when a page has no next link or a marker repeats.
 */
export async function* paginate<T>(
  session: OpenStackSession,
  request: ServiceRequest,
  shape: PageShape<T>,
): AsyncGenerator<T[], void, undefined> {
  const seen = new Set<string>();
  let query: Record<string, string | number | boolean | undefined> = {
    ...request.query,
    ...(shape.limit ? { limit: shape.limit } : {}),
  };
  for (;;) {
    const body = await session.json<Record<string, unknown>>({ ...request, query });
    const raw = body?.[shape.itemsKey];
    const items = Array.isArray(raw) ? raw.map((r) => shape.parse(r as Record<string, unknown>)) : [];
    yield items;
    const next = body ? nextQuery(body, shape.itemsKey) : undefined;
    if (!next || items.length === 0) return;
    const key = next.toString();
    if (seen.has(key)) return;
    seen.add(key);
    query = { ...query, ...Object.fromEntries(next.entries()) };
  }
}

/** Every item of a paginated list in one array; for lists known to be small. */
export async function collectAll<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}
