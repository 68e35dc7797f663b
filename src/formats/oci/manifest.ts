// OCI image manifests (and Docker v2 schema 2) as registries serve them, and the disk image layer of a VM artefact.

/** Media types of a single-image manifest, the ones asked for in `Accept`. */
export const OCI_MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

/** Media types of a manifest list (multi-platform image): not a VM image artefact. */
const INDEX_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

/** The annotation that names a layer's file (ORAS sets it on push). */
export const OCI_TITLE_ANNOTATION = 'org.opencontainers.image.title';

/** A content descriptor: a blob named by its digest. */
export interface OciDescriptor {
  readonly mediaType: string;
  /** `sha256:<hex>`, lower case. */
  readonly digest: string;
  readonly size: number;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A single-image manifest. */
export interface OciManifest {
  readonly mediaType: string;
  /** `artifactType` of an OCI 1.1 artefact manifest, when given. */
  readonly artifactType?: string;
  readonly config: OciDescriptor;
  readonly layers: readonly OciDescriptor[];
  readonly annotations: Readonly<Record<string, string>>;
}

/** What {@link parseOciManifest} read: the manifest, or why the bytes are not one. */
export type OciManifestResult =
  | { readonly kind: 'manifest'; readonly manifest: OciManifest }
  | { readonly kind: 'invalid'; readonly message: string };

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function annotationsOf(v: unknown): Record<string, string> {
  if (!isObject(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function descriptorOf(v: unknown, where: string): OciDescriptor | string {
  if (!isObject(v)) return `${where} is not an object`;
  const { mediaType, digest, size } = v;
  if (typeof digest !== 'string' || !DIGEST.test(digest))
    return `${where}.digest is not a sha256 digest (sha256:<64 lower-case hex>)`;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    return `${where}.size is not a byte count`;
  return {
    mediaType: typeof mediaType === 'string' ? mediaType : '',
    digest,
    size,
    annotations: annotationsOf(v.annotations),
  };
}

/**
 * Reads a manifest served for `GET /v2/<name>/manifests/<reference>`; `contentType` is the
 * response's media type, used when the body names none.
 * @example const r = parseOciManifest(text, res.headers.get('content-type'));
 */
export function parseOciManifest(text: string, contentType?: string | null): OciManifestResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', message: `the manifest is not JSON (${(error as Error).message})` };
  }
  if (!isObject(doc)) return { kind: 'invalid', message: 'the manifest is not a JSON object' };
  const mediaType =
    typeof doc.mediaType === 'string' ? doc.mediaType : (contentType ?? '').split(';')[0]!.trim();
  if (INDEX_MEDIA_TYPES.includes(mediaType) || Array.isArray(doc.manifests))
    return { kind: 'invalid', message: `the tag names an image index (${mediaType}), not one image` };
  if (doc.schemaVersion !== 2)
    return { kind: 'invalid', message: `schemaVersion is ${String(doc.schemaVersion)} (expected 2)` };
  const config = descriptorOf(doc.config, 'config');
  if (typeof config === 'string') return { kind: 'invalid', message: config };
  if (!Array.isArray(doc.layers)) return { kind: 'invalid', message: 'layers is not a list' };
  const layers: OciDescriptor[] = [];
  for (const [i, l] of doc.layers.entries()) {
    const layer = descriptorOf(l, `layers[${i}]`);
    if (typeof layer === 'string') return { kind: 'invalid', message: layer };
    layers.push(layer);
  }
  return {
    kind: 'manifest',
    manifest: {
      mediaType,
      ...(typeof doc.artifactType === 'string' ? { artifactType: doc.artifactType } : {}),
      config,
      layers,
      annotations: annotationsOf(doc.annotations),
    },
  };
}

/** File name endings of disk images, and the disk format each means. */
const DISK_EXTENSIONS: Readonly<Record<string, string>> = {
  qcow2: 'qcow2',
  img: 'raw',
  raw: 'raw',
  vmdk: 'vmdk',
  ova: 'ova',
  vdi: 'vdi',
  vhd: 'vhd',
  vhdx: 'vhdx',
  iso: 'iso',
};

/** The disk format a file name's ending means (`x.qcow2` → `qcow2`, `x.img` → `raw`), else undefined. */
export function diskFormatOfFileName(name: string | undefined): string | undefined {
  const ext = name?.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  return ext === undefined ? undefined : DISK_EXTENSIONS[ext];
}

/**
 * The layer that holds the disk image of a VM artefact: the largest layer whose
 * `org.opencontainers.image.title` ends in a disk image ending (`.qcow2`, `.img`, `.raw`, `.vmdk`,
 * `.ova`, …), as ORAS pushes of registry.egi.eu carry; else the largest layer (what atrope takes
 * from its ORAS pull). Undefined for a manifest without layers.
 */
export function diskImageLayerOf(manifest: OciManifest): OciDescriptor | undefined {
  const largest = (layers: readonly OciDescriptor[]) =>
    layers.reduce<OciDescriptor | undefined>(
      (a, l) => (a === undefined || l.size > a.size ? l : a),
      undefined,
    );
  const named = manifest.layers.filter(
    (l) => diskFormatOfFileName(l.annotations[OCI_TITLE_ANNOTATION]) !== undefined,
  );
  return largest(named.length > 0 ? named : manifest.layers);
}
