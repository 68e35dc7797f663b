// Builds the per-share GLUE entities: Share, MappingPolicy, images, instance types and accelerators.
import { dropUndefined } from './drop-undefined.js';
import { glueAcceleratorId, glueMappingPolicyId, glueShareId } from './glue-ids.js';
import { normalizeGluePlatform } from './glue-platform.js';
import type { ShareSnapshot, SnapshotFlavor, SnapshotImage } from './site-snapshot.js';
import type {
  GlueAssociations,
  GlueCloudComputingImage,
  GlueCloudComputingInstanceType,
  GlueCloudComputingVirtualAccelerator,
  GluePolicy,
  GlueShare,
} from './types.js';
import { countVms } from './vm-counts.js';

/** Fields and IDs every per-share entity refers to. */
export interface ShareContext {
  readonly creationTime: string;
  readonly validity: number;
  readonly serviceId: string;
  readonly managerId: string;
  readonly endpointId: string;
  /** Platform for flavors that pin no architecture (from the site's images), or undefined. */
  readonly defaultPlatform: string | undefined;
}

/** The per-share entities of a document, each image and flavor listed once. */
export interface ShareEntities {
  readonly shares: GlueShare[];
  readonly mappingPolicies: GluePolicy[];
  readonly images: GlueCloudComputingImage[];
  readonly instanceTypes: GlueCloudComputingInstanceType[];
  readonly accelerators: GlueCloudComputingVirtualAccelerator[];
}

/** Smallest and largest of some numbers, or undefined for none. */
export function minMax(values: readonly number[]): { min: number; max: number } | undefined {
  if (values.length === 0) return undefined;
  return { min: Math.min(...values), max: Math.max(...values) };
}

function buildShare(share: ShareSnapshot, id: string, ctx: ShareContext): GlueShare {
  const vms = countVms(share.serversByStatus);
  const cpu = minMax(share.flavors.map((f) => f.vcpus));
  const ram = minMax(share.flavors.map((f) => f.ramMb));
  const maxVm = share.quotas.instances;
  return dropUndefined({
    ID: id,
    Name: `${share.vo} - ${share.projectName ?? share.projectId} share`,
    CreationTime: ctx.creationTime,
    Validity: ctx.validity,
    OtherInfo: dropUndefined({
      project_name: share.projectName,
      project_domain_name: share.projectDomainName,
      quotas: { ...share.quotas },
      quotas_in_use: share.quotaUsage === undefined ? undefined : { ...share.quotaUsage },
      health_state: share.health,
      health_state_info: share.healthInfo,
      error_vm: vms.failed,
    }),
    Associations: { CloudComputingService: [ctx.serviceId], CloudComputingEndpoint: [ctx.endpointId] },
    ProjectID: share.projectId,
    InstanceMaxCPU: cpu?.max,
    InstanceMinCPU: cpu?.min,
    InstanceMaxRAM: ram?.max,
    InstanceMinRAM: ram?.min,
    TotalVM: vms.total,
    RunningVM: vms.running,
    SuspendedVM: vms.suspended,
    HaltedVM: vms.halted,
    MaxVM: maxVm !== undefined && maxVm >= 0 ? maxVm : undefined,
  });
}

function imageOtherInfo(image: SnapshotImage): Record<string, unknown> {
  const info: Record<string, unknown> = { ...image.attributes };
  // AppDB's information system expected base_mpuri in OtherInfo (comment in cip 1.x);
  // cloud-info-api reads eu.egi.cloud.image_ref / eu.egi.cloud.tag for registry.egi.eu images.
  const extra: Record<string, unknown> = {
    base_mpuri: image.baseMarketplaceUrl,
    appdb_id: image.appdbId,
    'eu.egi.cloud.image_ref': image.egiImageRef,
    'eu.egi.cloud.tag': image.egiImageRef === undefined ? undefined : image.version,
    version: image.version,
    disk_format: image.diskFormat,
    size_bytes: image.sizeBytes,
    min_ram_mb: image.minRamMb,
    min_disk_gb: image.minDiskGb,
  };
  for (const [key, value] of Object.entries(extra))
    if (value !== undefined && !(key in info)) info[key] = value;
  return info;
}

function buildImage(image: SnapshotImage, ctx: ShareContext): GlueCloudComputingImage {
  const otherInfo = imageOtherInfo(image);
  return dropUndefined({
    ID: image.id,
    Name: image.name,
    CreationTime: ctx.creationTime,
    Validity: ctx.validity,
    OtherInfo: Object.keys(otherInfo).length > 0 ? otherInfo : undefined,
    Associations: {
      Share: [],
      CloudComputingEndpoint: [ctx.endpointId],
      CloudComputingManager: [ctx.managerId],
    },
    MarketplaceURL: image.marketplaceUrl,
    OSPlatform: normalizeGluePlatform(image.architecture),
    OSName: image.osDistro,
    OSVersion: image.osVersion,
    Description: image.description,
    AccessInfo: 'none',
  });
}

function buildInstanceType(flavor: SnapshotFlavor, ctx: ShareContext): GlueCloudComputingInstanceType {
  const associations: Record<string, string[]> = {
    Share: [],
    CloudComputingEndpoint: [ctx.endpointId],
    CloudComputingManager: [ctx.managerId],
  };
  if (flavor.accelerator) {
    associations.CloudComputingVirtualAccelerator = [glueAcceleratorId(flavor.id, flavor.accelerator.type)];
  }
  return dropUndefined({
    ID: flavor.id,
    Name: flavor.name,
    CreationTime: ctx.creationTime,
    Validity: ctx.validity,
    OtherInfo: dropUndefined({
      is_public: flavor.isPublic,
      ephemeral_gb: flavor.ephemeralGb,
      benchmark_type: flavor.benchmark?.type,
      benchmark_value: flavor.benchmark?.value,
    }),
    Associations: associations,
    // cip 1.x hard-coded amd64 (reference/discovery.md §7.4)
    Platform: normalizeGluePlatform(flavor.architecture) ?? ctx.defaultPlatform ?? 'UNKNOWN',
    CPU: flavor.vcpus,
    RAM: flavor.ramMb,
    Disk: flavor.diskGb,
    NetworkIn: 'UNKNOWN' as const,
    NetworkOut: true,
    NetworkInfo: flavor.hasInfiniband ? 'infiniband' : undefined,
  });
}

function buildAccelerator(
  flavor: SnapshotFlavor,
  ctx: ShareContext,
): GlueCloudComputingVirtualAccelerator | undefined {
  const acc = flavor.accelerator;
  if (!acc) return undefined;
  // GLUE's Number is an integer; a shared (fractional) GPU is published as 1 device
  // with the fraction in OtherInfo, instead of failing validation as cip 1.x risked.
  const isFraction = !Number.isInteger(acc.number);
  return dropUndefined({
    ID: glueAcceleratorId(flavor.id, acc.type),
    Name: `${acc.type} of flavor ${flavor.name}`,
    CreationTime: ctx.creationTime,
    Validity: ctx.validity,
    OtherInfo: isFraction ? { fractional_number: acc.number } : undefined,
    Associations: { CloudComputingInstanceType: [flavor.id] },
    Type: acc.type,
    Number: Math.ceil(acc.number),
    Vendor: acc.vendor ?? 'UNKNOWN',
    Model: acc.model ?? 'UNKNOWN',
    Version: acc.version,
    Memory: acc.memoryMb,
    VirtualizationType: acc.virtualizationType,
  });
}

/**
 * Associates the entity of each item with the share `shareId`: the entity already seen for the
 * item's id, else a new one from `create` (called once per id, in the order of first sight).
 */
function addToShare<T extends { readonly id: string }, E extends { Associations?: GlueAssociations }>(
  shareId: string,
  items: readonly T[],
  seen: Map<string, E>,
  create: (item: T) => E,
): void {
  for (const item of items) {
    let entity = seen.get(item.id);
    if (!entity) {
      entity = create(item);
      seen.set(item.id, entity);
    }
    entity.Associations!.Share!.push(shareId);
  }
}

/**
 * Builds every per-share entity. Images and flavors visible in several shares
 * appear once, associated with all those shares, so IDs stay unique within the
 * document (cip 1.x repeated them once per share).
 */
export function buildShareEntities(shares: readonly ShareSnapshot[], ctx: ShareContext): ShareEntities {
  const out: ShareEntities = {
    shares: [],
    mappingPolicies: [],
    images: [],
    instanceTypes: [],
    accelerators: [],
  };
  const images = new Map<string, GlueCloudComputingImage>();
  const types = new Map<string, GlueCloudComputingInstanceType>();
  for (const share of shares) {
    const shareId = glueShareId(ctx.endpointId, share.vo, share.projectId);
    out.shares.push(buildShare(share, shareId, ctx));
    out.mappingPolicies.push({
      ID: glueMappingPolicyId(shareId),
      CreationTime: ctx.creationTime,
      Validity: ctx.validity,
      Associations: { Share: [shareId], PolicyUserDomain: [share.vo] },
      Scheme: 'org.glite.standard',
      Rule: [`VO:${share.vo}`],
    });
    addToShare(shareId, share.images, images, (image) => {
      const entity = buildImage(image, ctx);
      out.images.push(entity);
      return entity;
    });
    addToShare(shareId, share.flavors, types, (flavor) => {
      const entity = buildInstanceType(flavor, ctx);
      out.instanceTypes.push(entity);
      const accelerator = buildAccelerator(flavor, ctx);
      if (accelerator) out.accelerators.push(accelerator);
      return entity;
    });
  }
  return out;
}
