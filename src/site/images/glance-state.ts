/**
 * What the site's Glance holds of synced images, read from images the caller already listed: the
 * images Fedstack manages (its tag), keyed by source (`image_list`) and image id (`appdb_id`), with
 * their members; and the images other replicators wrote (atrope, cloudkeeper-os), which are left alone.
 * @module
 */
import type { imagelist } from '../../formats/index.js';
import type { Image, ImageMember } from '../../openstack/index.js';

/**
 * The Glance property names synced images carry, as atrope and cloudkeeper-os write them
 * (images.md §3, §4); discovery (cloud-info-provider, `site/discovery`) and accounting read them.
 */
export const IMAGE_PROPERTY = {
  /** `dc:identifier` of the image (atrope); what an image is matched by. */
  appdbId: 'appdb_id',
  /** `<algorithm>:<hex>` of the image file (atrope HEAD; the 2021 atrope wrote the bare sha512 hex). */
  imageHash: 'image_hash',
  /** The source's name (atrope); pruning is scoped by it. */
  imageList: 'image_list',
  /** The source's `project` (atrope). */
  project: 'project',
  /** `ad:mpuri` → GLUE MarketplaceURL (vmcatcher's event variable in lower case). */
  marketplaceUri: 'vmcatcher_event_ad_mpuri',
  /** `dc:description`. */
  description: 'vmcatcher_event_dc_description',
  osDistro: 'os_distro',
  osVersion: 'os_version',
  architecture: 'architecture',
  /** JSON of every `hv:image` key (or every OCI annotation). */
  applianceAttributes: 'APPLIANCE_ATTRIBUTES',
  /** cloudkeeper-os 0.9: `dc:identifier`; read only, to recognise its images. */
  applianceId: 'APPLIANCE_ID',
  /** cloudkeeper-os 0.9: the list's `dc:identifier`; read only. */
  applianceImageListId: 'APPLIANCE_IMAGE_LIST_ID',
} as const;

/** One image of ours (it carries our tag), as the planner sees it. */
export interface ManagedImage {
  readonly image: Image;
  /** `image_list`: the source it came from; undefined when the property is missing. */
  readonly sourceId: string | undefined;
  /** `appdb_id`: the source image id; undefined when missing. */
  readonly imageId: string | undefined;
  /** `image_hash`, parsed; undefined when missing or unreadable. */
  readonly hash: imagelist.ImageHash | undefined;
  /** The projects it is shared with (as passed in; none when not given). */
  readonly members: readonly ImageMember[];
}

/** An image another replicator wrote (upstream properties, not our tag); never changed. */
export interface ForeignImage {
  readonly image: Image;
  readonly tool: 'atrope' | 'cloudkeeper';
  readonly imageId: string;
}

/** The synced images of one Glance, grouped for the planner. */
export interface GlanceState {
  readonly tag: string;
  /** Every image with our tag. */
  readonly managed: readonly ManagedImage[];
  /** Images of ours by source name (`image_list`). */
  readonly bySource: ReadonlyMap<string, readonly ManagedImage[]>;
  /** Images with our tag but no `image_list` or `appdb_id`: not attributable, so never deleted. */
  readonly unattributed: readonly ManagedImage[];
  readonly foreign: readonly ForeignImage[];
}

/** What {@link readGlanceState} reads. */
export interface GlanceStateInput {
  /** The images visible to the sync account (every project it manages). */
  readonly images: readonly Image[];
  /** Members by Glance image id, for the shared images of ours; an image without an entry has none. */
  readonly members?: Readonly<Record<string, readonly ImageMember[]>>;
  /** The Glance tag of Fedstack's images (`images.tag`). */
  readonly tag: string;
}

/**
 * Reads an `image_hash` value: `sha512:<hex>` or `sha256:<hex>` (atrope HEAD), or a bare hex
 * digest (atrope 2021 wrote the sha512 alone), its algorithm told by its length.
 */
export function parseImageHash(value: string | undefined): imagelist.ImageHash | undefined {
  const match = /^(?:(sha512|sha256):)?([0-9a-fA-F]+)$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  const hex = match[2]!.toLowerCase();
  const algorithm =
    (match[1] as imagelist.ImageHashAlgorithm | undefined) ?? (hex.length === 64 ? 'sha256' : 'sha512');
  return hex.length === (algorithm === 'sha512' ? 128 : 64) ? { algorithm, value: hex } : undefined;
}

/** The `image_hash` value of a digest: `<algorithm>:<hex>`. */
export function formatImageHash(hash: imagelist.ImageHash): string {
  return `${hash.algorithm}:${hash.value.toLowerCase()}`;
}

const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

// images Glance is deleting or has deleted are gone already, whatever their properties say
const GONE = new Set(['deleted', 'pending_delete']);

/**
 * Sorts the images the caller listed into ours (by source and image id), unattributed ones and
 * foreign ones. Pure: members are passed in, nothing is fetched.
 * @example const state = readGlanceState({ images, members, tag: site.images.tag });
 */
export function readGlanceState(input: GlanceStateInput): GlanceState {
  const managed: ManagedImage[] = [];
  const foreign: ForeignImage[] = [];
  for (const image of input.images) {
    if (GONE.has(image.status)) continue;
    const p = image.properties;
    if (image.tags.includes(input.tag)) {
      managed.push({
        image,
        sourceId: nonEmpty(p[IMAGE_PROPERTY.imageList]),
        imageId: nonEmpty(p[IMAGE_PROPERTY.appdbId]),
        hash: parseImageHash(p[IMAGE_PROPERTY.imageHash]),
        members: input.members?.[image.id] ?? [],
      });
      continue;
    }
    const atropeId = nonEmpty(p[IMAGE_PROPERTY.appdbId]);
    const cloudkeeperId = nonEmpty(p[IMAGE_PROPERTY.applianceId]);
    if (atropeId) foreign.push({ image, tool: 'atrope', imageId: atropeId });
    else if (cloudkeeperId) foreign.push({ image, tool: 'cloudkeeper', imageId: cloudkeeperId });
  }
  const bySource = new Map<string, ManagedImage[]>();
  const unattributed: ManagedImage[] = [];
  for (const m of managed) {
    if (m.sourceId === undefined || m.imageId === undefined) {
      unattributed.push(m);
      continue;
    }
    const list = bySource.get(m.sourceId) ?? [];
    list.push(m);
    bySource.set(m.sourceId, list);
  }
  return { tag: input.tag, managed, bySource, unattributed, foreign };
}
