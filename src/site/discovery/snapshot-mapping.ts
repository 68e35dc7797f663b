// Maps the OpenStack client's images and flavors onto the GLUE snapshot model (pure).
import { parseFlavorExtraSpecs, type SnapshotFlavor, type SnapshotImage } from '../../formats/glue/index.js';
import type { Flavor, Image } from '../../openstack/index.js';

type Attributes = Record<string, string | number | boolean>;

function first(...values: (string | number | boolean | undefined)[]): string | undefined {
  for (const v of values) if (v !== undefined && v !== '') return String(v);
  return undefined;
}

/**
 * The appliance attributes of an image: the JSON object in its `APPLIANCE_ATTRIBUTES`
 * property (set by cloudkeeper-os and atrope); nested values become JSON text.
 * An unreadable value gives no attributes rather than failing the image.
 */
export function readApplianceAttributes(
  properties: Readonly<Record<string, string>>,
): Attributes | undefined {
  const raw = properties.APPLIANCE_ATTRIBUTES;
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const out: Attributes = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (v !== null && v !== undefined) out[k] = JSON.stringify(v);
  }
  return out;
}

/**
 * The snapshot of a Glance image. The marketplace URI comes from `vmcatcher_event_ad_mpuri`
 * (cloudkeeper, atrope) or `marketplace`; without either, cloud-info-provider's fallback
 * `<glance endpoint>/v2/images/<id>/file` is used when `imageEndpoint` is given.
 */
export function toSnapshotImage(image: Image, imageEndpoint?: string): SnapshotImage {
  const p = image.properties;
  const attributes = readApplianceAttributes(p);
  const a = attributes ?? {};
  const fallbackUrl = imageEndpoint
    ? `${imageEndpoint.replace(/\/+$/, '')}/v2/images/${image.id}/file`
    : undefined;
  const snapshot: SnapshotImage = {
    id: image.id,
    name: image.name,
    osDistro: first(p.os_distro),
    osVersion: first(p.os_version),
    architecture: first(p.architecture, p.hw_architecture),
    marketplaceUrl: first(p.vmcatcher_event_ad_mpuri, p.marketplace, p.APPLIANCE_MPURI, fallbackUrl),
    baseMarketplaceUrl: first(a['ad:base_mpuri'], p.APPLIANCE_BASE_MPURI),
    appdbId: first(a['ad:appid'], p.APPLIANCE_APPID),
    egiImageRef: first(a['eu.egi.cloud.image_ref'], p['eu.egi.cloud.image_ref']),
    version: first(a['eu.egi.cloud.tag'], p['eu.egi.cloud.tag'], p.APPLIANCE_VERSION, a['hv:version']),
    description: first(
      p.vmcatcher_event_dc_description,
      p.vmcatcher_event_dc_title,
      a['eu.egi.cloud.description'],
    ),
    sizeBytes: image.sizeBytes,
    minRamMb: image.minRamMb,
    minDiskGb: image.minDiskGb,
    diskFormat: image.diskFormat,
    attributes,
  };
  return Object.fromEntries(Object.entries(snapshot).filter(([, v]) => v !== undefined)) as SnapshotImage;
}

/** The snapshot of a Nova flavor with its extra specs interpreted; undefined for a flavor without id. */
export function toSnapshotFlavor(flavor: Flavor): SnapshotFlavor | undefined {
  if (flavor.id === undefined) return undefined;
  const specs = parseFlavorExtraSpecs(flavor.extraSpecs);
  const snapshot: SnapshotFlavor = {
    id: flavor.id,
    name: flavor.name,
    vcpus: flavor.vcpus,
    ramMb: flavor.ramMb,
    diskGb: flavor.diskGb,
    ephemeralGb: flavor.ephemeralGb || undefined,
    isPublic: flavor.isPublic,
    extraSpecs: flavor.extraSpecs,
    architecture: specs.architecture,
    accelerator: specs.accelerator,
    benchmark: specs.benchmark,
    hasInfiniband: specs.hasInfiniband || undefined,
  };
  return Object.fromEntries(Object.entries(snapshot).filter(([, v]) => v !== undefined)) as SnapshotFlavor;
}

/** Which flavors to publish: cloud-info-provider's `--select-flavors`. */
export type FlavorSelection = 'all' | 'public' | 'private';

/** Keeps the flavors `selection` asks for. */
export function selectFlavors(
  flavors: readonly SnapshotFlavor[],
  selection: FlavorSelection,
): SnapshotFlavor[] {
  if (selection === 'all') return [...flavors];
  return flavors.filter((f) => (selection === 'public' ? f.isPublic : !f.isPublic));
}
