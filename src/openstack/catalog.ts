// Service catalog: endpoint choice by service type, interface and region.
import { FedstackError } from '../errors.js';

/** One endpoint of a catalog entry. */
export interface CatalogEndpoint {
  readonly interface: string;
  readonly regionId: string | undefined;
  readonly url: string;
}

/** One service of the Keystone catalog. */
export interface CatalogService {
  readonly type: string;
  readonly name: string | undefined;
  readonly endpoints: readonly CatalogEndpoint[];
}

/** Endpoint interface names. */
export type EndpointInterface = 'public' | 'internal' | 'admin';

/** Parses the `token.catalog` of a Keystone v3 token body. */
export function parseCatalog(raw: unknown): CatalogService[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((s: Record<string, unknown>) => ({
    type: String(s.type),
    name: typeof s.name === 'string' ? s.name : undefined,
    endpoints: (Array.isArray(s.endpoints) ? s.endpoints : []).map((e: Record<string, unknown>) => ({
      interface: String(e.interface),
      regionId:
        typeof e.region_id === 'string' ? e.region_id : typeof e.region === 'string' ? e.region : undefined,
      url: String(e.url),
    })),
  }));
}

/** Service types that are spelled differently across releases. */
const TYPE_ALIASES: Record<string, readonly string[]> = {
  volumev3: ['volumev3', 'block-storage', 'volume'],
  'block-storage': ['block-storage', 'volumev3', 'volume'],
  image: ['image'],
  compute: ['compute'],
  network: ['network'],
  identity: ['identity'],
  'object-store': ['object-store'],
  placement: ['placement'],
};

/**
 * Picks the endpoint URL for a service type, interface and (optional) region.
 * @throws FedstackError `OPENSTACK_NO_ENDPOINT` naming what was looked for and what exists.
 */
export function selectEndpoint(
  catalog: readonly CatalogService[],
  type: string,
  iface: EndpointInterface,
  region?: string,
): string {
  const types = TYPE_ALIASES[type] ?? [type];
  for (const t of types) {
    const service = catalog.find((s) => s.type === t);
    if (!service) continue;
    const match = service.endpoints.find(
      (e) => e.interface === iface && (region === undefined || e.regionId === region),
    );
    if (match) return match.url.replace(/\/+$/, '');
  }
  const have = catalog
    .flatMap((s) => s.endpoints.map((e) => `${s.type}/${e.interface}/${e.regionId ?? '-'}`))
    .join(', ');
  throw new FedstackError(
    'OPENSTACK_NO_ENDPOINT',
    `no ${iface} endpoint for service ${type}${region ? ` in region ${region}` : ''} in the catalog (has: ${have || 'nothing'})`,
  );
}
