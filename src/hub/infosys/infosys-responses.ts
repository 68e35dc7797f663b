// Response shapes of the information-system API (cloud-info-api's, plus flavors and health), defined
// once as schemas (the route documentation) with their types, and their mappers.
import { z } from 'zod';
import type { GlueFlavorView, GlueShareView, GlueSiteView } from '../../formats/glue/index.js';

/** A VO's project at a site (cloud-info-api `Project`: `name` is the VO). */
export const PROJECT_RESPONSE = z.object({ id: z.string(), name: z.string().describe('the VO') });
/** A site (cloud-info-api `Site`); `projects` only when asked for. */
export const SITE_RESPONSE = z.object({
  id: z.string().describe('GOCDB service id; the site name when the document has none'),
  name: z.string(),
  url: z.string(),
  state: z.string().describe('ok, warning, critical from the endpoint health, or expired'),
  hostname: z.string(),
  projects: z.array(PROJECT_RESPONSE).optional().describe('with include_projects'),
});
/** An image of a VO at a site (cloud-info-api `Image`). */
export const IMAGE_RESPONSE = z.object({
  egi_id: z.string(),
  id: z.string(),
  endpoint: z.string(),
  mpuri: z.string(),
  name: z.string(),
  version: z.string(),
  vo: z.string(),
});
/** An accelerator in a flavor listing. */
export const ACCELERATOR_RESPONSE = z.object({
  type: z.string(),
  number: z.number(),
  vendor: z.string().optional(),
  model: z.string().optional(),
  memory_mb: z.number().optional(),
  virtualization_type: z.string().optional(),
});
/** A flavor offered at a site, with the VOs that can use it. */
export const FLAVOR_RESPONSE = z.object({
  site: z.string(),
  endpoint: z.string(),
  id: z.string(),
  name: z.string(),
  cpu: z.number(),
  ram_mb: z.number(),
  disk_gb: z.number(),
  platform: z.string().optional(),
  accelerator: ACCELERATOR_RESPONSE.optional(),
  vos: z.array(z.string()),
});
/** Discovery health of one site, for operators. */
export const SITE_HEALTH_RESPONSE = z.object({
  site: z.string(),
  gocdb_id: z.string().optional(),
  state: z
    .string()
    .describe('ok, warning, critical, unknown (endpoint health), expired, failed (run report) or invalid'),
  info: z.string().optional(),
  expired: z.boolean(),
  created_at: z.string().optional(),
  expires_at: z.string().optional(),
  published_at: z.string().optional(),
  last_run: z
    .object({ state: z.string(), error: z.string().optional(), at: z.string().optional() })
    .optional()
    .describe("the agent's last run report"),
  shares: z.array(z.object({ vo: z.string(), state: z.string().optional(), info: z.string().optional() })),
});

/** `T` with every array and property read-only: what the index's answers are. */
export type Frozen<T> = T extends readonly (infer U)[]
  ? readonly Frozen<U>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;

export type ProjectResponse = Frozen<z.output<typeof PROJECT_RESPONSE>>;
export type SiteResponse = Frozen<z.output<typeof SITE_RESPONSE>>;
export type ImageResponse = Frozen<z.output<typeof IMAGE_RESPONSE>>;
export type AcceleratorResponse = Frozen<z.output<typeof ACCELERATOR_RESPONSE>>;
export type FlavorResponse = Frozen<z.output<typeof FLAVOR_RESPONSE>>;
export type SiteHealthResponse = Frozen<z.output<typeof SITE_HEALTH_RESPONSE>>;

/** The cloud-info-api `Site` of a site view. */
export function toSiteResponse(view: GlueSiteView, state: string, includeProjects: boolean): SiteResponse {
  const base = {
    id: view.gocdbId ?? view.name,
    name: view.name,
    url: view.url,
    state,
    hostname: view.hostname,
  };
  return includeProjects ? { ...base, projects: view.shares.map(toProjectResponse) } : base;
}

/** The cloud-info-api `Project` of a share. */
export function toProjectResponse(share: GlueShareView): ProjectResponse {
  return { id: share.projectId, name: share.vo };
}

/** The images of a share; `onlyEgi` keeps images with an EGI id, as cloud-info-api's default does. */
export function toImageResponses(
  view: GlueSiteView,
  share: GlueShareView,
  onlyEgi: boolean,
): ImageResponse[] {
  const out: ImageResponse[] = [];
  for (const image of share.images) {
    if (onlyEgi && !image.egiId) continue;
    out.push({
      egi_id: image.egiId,
      id: image.id,
      endpoint: view.url,
      mpuri: image.marketplaceUrl,
      name: image.name,
      version: image.version,
      vo: share.vo,
    });
  }
  return out;
}

/** Filters of the flavor search. */
export interface FlavorFilter {
  readonly vo?: string;
  readonly site?: string;
  readonly minCpu?: number;
  readonly minRamMb?: number;
  /** Case-insensitive accelerator vendor. */
  readonly gpuVendor?: string;
  readonly minGpus?: number;
}

function matches(flavor: GlueFlavorView, filter: FlavorFilter): boolean {
  if (filter.minCpu !== undefined && flavor.cpu < filter.minCpu) return false;
  if (filter.minRamMb !== undefined && flavor.ramMb < filter.minRamMb) return false;
  const acc = flavor.accelerator;
  if (filter.minGpus !== undefined && filter.minGpus > 0 && (acc?.number ?? 0) < filter.minGpus) return false;
  if (filter.gpuVendor !== undefined && acc?.vendor?.toLowerCase() !== filter.gpuVendor.toLowerCase())
    return false;
  return true;
}

/** The flavors of a site that pass `filter`, each once with the VOs that can use it. */
export function toFlavorResponses(view: GlueSiteView, filter: FlavorFilter): FlavorResponse[] {
  const byId = new Map<string, { flavor: GlueFlavorView; vos: string[] }>();
  for (const share of view.shares) {
    if (filter.vo !== undefined && share.vo !== filter.vo) continue;
    for (const flavor of share.flavors) {
      if (!matches(flavor, filter)) continue;
      const seen = byId.get(flavor.id);
      if (seen) {
        if (!seen.vos.includes(share.vo)) seen.vos.push(share.vo);
      } else byId.set(flavor.id, { flavor, vos: [share.vo] });
    }
  }
  return [...byId.values()].map(({ flavor, vos }) => {
    const acc = flavor.accelerator;
    const response: FlavorResponse = {
      site: view.name,
      endpoint: view.url,
      id: flavor.id,
      name: flavor.name,
      cpu: flavor.cpu,
      ram_mb: flavor.ramMb,
      disk_gb: flavor.diskGb,
      platform: flavor.platform,
      accelerator: acc && {
        type: acc.type,
        number: acc.number,
        vendor: acc.vendor,
        model: acc.model,
        memory_mb: acc.memoryMb,
        virtualization_type: acc.virtualizationType,
      },
      vos,
    };
    return response;
  });
}
