// Finds the GOCDB service (primary key) of a Keystone endpoint in GOCDB's get_service XML, tolerating URL spellings.
import { XMLParser } from 'fast-xml-parser';

/** One `org.openstack.nova` service endpoint registered in GOCDB. */
export interface GocdbService {
  /** e.g. `7513G0`. */
  readonly primaryKey: string;
  readonly siteName: string;
  /** The service URL and the URLs of its extra endpoints. */
  readonly urls: readonly string[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  isArray: (name) => ['SERVICE_ENDPOINT', 'ENDPOINT'].includes(name),
});

function text(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number') return String(value).trim() || undefined;
  return undefined;
}

/** Reads the services of a GOCDB `get_service` answer (PI v1 XML). */
export function parseGocdbServices(xml: string): GocdbService[] {
  const doc = parser.parse(xml) as { results?: { SERVICE_ENDPOINT?: Record<string, unknown>[] } };
  const out: GocdbService[] = [];
  for (const s of doc.results?.SERVICE_ENDPOINT ?? []) {
    const primaryKey = text(s.PRIMARY_KEY) ?? text(s['@_PRIMARY_KEY']);
    if (!primaryKey) continue;
    const endpoints = (s.ENDPOINTS as { ENDPOINT?: Record<string, unknown>[] } | undefined)?.ENDPOINT ?? [];
    const urls = [text(s.URL), ...endpoints.map((e) => text(e.URL))].filter(
      (u): u is string => u !== undefined,
    );
    out.push({ primaryKey, siteName: text(s.SITENAME) ?? '', urls });
  }
  return out;
}

/**
 * A comparable form of a Keystone URL: lower-case host, explicit port, no trailing `/`
 * nor `/v3`. cloud-info-provider compared host and path only, so an endpoint written
 * with `:443` or without `/v3` lost its GOCDB id (reference/discovery.md §7.1).
 */
export function normalizeEndpointForGocdb(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return undefined;
  }
  const port = u.port || (u.protocol === 'http:' ? '80' : '443');
  const path = u.pathname.replace(/\/+$/, '').replace(/\/v3$/, '');
  return `${u.hostname.toLowerCase()}:${port}${path}`;
}

/** The service whose URL matches `endpointUrl`, preferring one of `siteName` when several do. */
export function findGocdbService(
  services: readonly GocdbService[],
  endpointUrl: string,
  siteName?: string,
): GocdbService | undefined {
  const wanted = normalizeEndpointForGocdb(endpointUrl);
  if (!wanted) return undefined;
  const matches = services.filter((s) => s.urls.some((u) => normalizeEndpointForGocdb(u) === wanted));
  return matches.find((s) => s.siteName === siteName) ?? matches[0];
}
