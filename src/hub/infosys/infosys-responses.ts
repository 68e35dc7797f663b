// Response shapes of the information-system API (cloud-info-api's, plus flavors and health) and their mappers.
import type { GlueFlavorView, GlueShareView, GlueSiteView } from '../../formats/glue/index.js';

/** A VO's project at a site (cloud-info-api `Project`: `name` is the VO). */
export interface ProjectResponse {
  readonly id: string;
  readonly name: string;
}

/** A site (cloud-info-api `Site`); `projects` only when asked for. */
export interface SiteResponse {
  /** GOCDB service id; the site name when the document has none. */
  readonly id: string;
  readonly name: string;
  readonly url: string;
  /** `ok`, `warning`, `critical` from the endpoint health, or `expired` when the document is too old. */
  readonly state: string;
  readonly hostname: string;
  readonly projects?: readonly ProjectResponse[];
}

/** An image of a VO at a site (cloud-info-api `Image`). */
export interface ImageResponse {
  readonly egi_id: string;
  readonly id: string;
  readonly endpoint: string;
  readonly mpuri: string;
  readonly name: string;
  readonly version: string;
  readonly vo: string;
}

/** An accelerator in a flavor listing. */
export interface AcceleratorResponse {
  readonly type: string;
  readonly number: number;
  readonly vendor?: string;
  readonly model?: string;
  readonly memory_mb?: number;
  readonly virtualization_type?: string;
}

/** A flavor offered at a site, with the VOs that can use it. */
export interface FlavorResponse {
  readonly site: string;
  readonly endpoint: string;
  readonly id: string;
  readonly name: string;
  readonly cpu: number;
  readonly ram_mb: number;
  readonly disk_gb: number;
  readonly platform?: string;
  readonly accelerator?: AcceleratorResponse;
  readonly vos: readonly string[];
}

/** Discovery health of one site, for operators. */
export interface SiteHealthResponse {
  readonly site: string;
  readonly gocdb_id?: string;
  /**
   * The endpoint health (`ok`, `warning`, `critical`, `unknown`), `expired`, `failed` after a failed
   * run report, or `invalid` when the stored document is left out of every answer (reason in `info`).
   */
  readonly state: string;
  readonly info?: string;
  readonly expired: boolean;
  readonly created_at?: string;
  readonly expires_at?: string;
  readonly published_at?: string;
  /** The agent's last run report: `ok` or `failed`, with its error and time. */
  readonly last_run?: { readonly state: string; readonly error?: string; readonly at?: string };
  readonly shares: readonly { readonly vo: string; readonly state?: string; readonly info?: string }[];
}

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
