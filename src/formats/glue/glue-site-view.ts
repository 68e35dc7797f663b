// Reads the consumer's view of a validated GLUE document: site, shares per VO, images and flavors.
import type {
  GlueCloudComputingImage,
  GlueCloudComputingInstanceType,
  GlueCloudComputingVirtualAccelerator,
  GlueDocument,
} from './types.js';

/** An accelerator of a flavor, as consumers search for it. */
export interface GlueAcceleratorView {
  readonly type: string;
  readonly number: number;
  readonly vendor?: string;
  readonly model?: string;
  readonly memoryMb?: number;
  readonly virtualizationType?: string;
}

/** A flavor (instance type) of a share. */
export interface GlueFlavorView {
  readonly id: string;
  readonly name: string;
  readonly cpu: number;
  readonly ramMb: number;
  readonly diskGb: number;
  readonly platform?: string;
  readonly accelerator?: GlueAcceleratorView;
}

/** An image of a share, with the EGI identity cloud-info-api derives. */
export interface GlueImageView {
  readonly id: string;
  readonly name: string;
  readonly marketplaceUrl: string;
  /** `eu.egi.cloud.image_ref` for registry.egi.eu images, else empty (cloud-info-api's `egi_id`). */
  readonly egiId: string;
  readonly version: string;
  readonly osName?: string;
  readonly osVersion?: string;
  readonly platform?: string;
}

/** One VO's share. */
export interface GlueShareView {
  readonly id: string;
  readonly name: string;
  readonly vo: string;
  readonly projectId: string;
  readonly projectName?: string;
  readonly healthState?: string;
  readonly healthInfo?: string;
  readonly images: readonly GlueImageView[];
  readonly flavors: readonly GlueFlavorView[];
}

/** What consumers read from one site's document. */
export interface GlueSiteView {
  readonly name: string;
  readonly gocdbId?: string;
  readonly url: string;
  readonly hostname: string;
  /** Creation time of the service entity, ms since the epoch. */
  readonly createdAtMs: number;
  readonly validitySeconds: number;
  readonly healthState?: string;
  readonly healthInfo?: string;
  readonly shares: readonly GlueShareView[];
}

/** Milliseconds since the epoch of a GLUE CreationTime; a time without zone is UTC (early cip 1.x). */
export function parseGlueTime(text: string): number {
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
  return Date.parse(hasZone ? text : `${text}Z`);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function imageView(image: GlueCloudComputingImage): GlueImageView {
  const mpuri = image.MarketplaceURL ?? '';
  const info = image.OtherInfo ?? {};
  // cloud-info-api derives the EGI identity only for images from registry.egi.eu
  const isEgi = mpuri.includes('registry.egi.eu');
  return {
    id: image.ID,
    name: image.Name ?? '',
    marketplaceUrl: mpuri,
    egiId: isEgi ? (str(info['eu.egi.cloud.image_ref']) ?? '') : '',
    version: (isEgi ? str(info['eu.egi.cloud.tag']) : undefined) ?? str(info.version) ?? '',
    osName: image.OSName,
    osVersion: image.OSVersion,
    platform: image.OSPlatform,
  };
}

function acceleratorIdsOf(type: GlueCloudComputingInstanceType): readonly string[] {
  const a = type.Associations ?? {};
  // older cloud-info-api read this long association name; cip 1.x writes the short one
  return (
    a.CloudComputingVirtualAccelerator ?? a.CloudComputingInstanceTypeCloudComputingVirtualAccelerator ?? []
  );
}

function flavorView(
  type: GlueCloudComputingInstanceType,
  accelerators: ReadonlyMap<string, GlueCloudComputingVirtualAccelerator>,
): GlueFlavorView {
  const acc = acceleratorIdsOf(type)
    .map((id) => accelerators.get(id))
    .find((a) => a !== undefined);
  return {
    id: type.ID,
    name: type.Name ?? '',
    cpu: type.CPU,
    ramMb: type.RAM,
    diskGb: type.Disk,
    platform: type.Platform,
    accelerator: acc && {
      type: acc.Type,
      number: acc.Number,
      vendor: acc.Vendor,
      model: acc.Model,
      memoryMb: acc.Memory,
      virtualizationType: acc.VirtualizationType,
    },
  };
}

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/**
 * The consumer's view of a validated GLUE document, read the way cloud-info-api
 * reads it: the VO of a share comes from its MappingPolicy (shares without one are
 * left out), images and flavors belong to the shares listed in their associations.
 */
export function readGlueSite(doc: GlueDocument): GlueSiteView {
  const service = doc.CloudComputingService[0]!;
  const endpoint = doc.CloudComputingEndpoint[0]!;
  const voByShare = new Map<string, string>();
  for (const policy of doc.MappingPolicy) {
    const vo = policy.Associations?.PolicyUserDomain?.[0];
    for (const shareId of policy.Associations?.Share ?? [])
      if (vo && !voByShare.has(shareId)) voByShare.set(shareId, vo);
  }
  const accelerators = new Map(doc.CloudComputingVirtualAccelerator.map((a) => [a.ID, a]));
  const shares: GlueShareView[] = [];
  for (const share of doc.Share) {
    const vo = voByShare.get(share.ID);
    if (vo === undefined) continue;
    const info = share.OtherInfo ?? {};
    shares.push({
      id: share.ID,
      name: share.Name ?? '',
      vo,
      projectId: share.ProjectID ?? '',
      projectName: str(info.project_name),
      healthState: str(info.health_state),
      healthInfo: str(info.health_state_info),
      images: doc.CloudComputingImage.filter((i) => i.Associations?.Share?.includes(share.ID)).map(imageView),
      flavors: doc.CloudComputingInstanceType.filter((t) => t.Associations?.Share?.includes(share.ID)).map(
        (t) => flavorView(t, accelerators),
      ),
    });
  }
  return {
    name: service.Associations?.AdminDomain?.[0] ?? '',
    gocdbId: str(service.OtherInfo?.gocdb_id),
    url: endpoint.URL,
    hostname: hostnameOf(endpoint.URL),
    createdAtMs: parseGlueTime(service.CreationTime),
    validitySeconds: service.Validity,
    healthState: endpoint.HealthState,
    healthInfo: endpoint.HealthStateInfo,
    shares,
  };
}
