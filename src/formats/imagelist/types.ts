// Domain types of HEPiX image lists (with the AppDB `ad:` extensions): one SourceImage model and its list.

/** A digest algorithm of an image file: `sha512` for HEPiX lists, `sha256` for OCI layer digests. */
export type ImageHashAlgorithm = 'sha512' | 'sha256';

/** The digest of an image file: algorithm and lower-case hex value. */
export interface ImageHash {
  readonly algorithm: ImageHashAlgorithm;
  readonly value: string;
}

/**
 * Where an image file is fetched from: a download URL (`hv:uri` of a classic list), or an OCI
 * artefact named by a `docker://` or `oci://` URI (`registry.egi.eu/project/repo:tag`, without the
 * scheme, in `reference`).
 */
export type ImageLocation =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'oci'; readonly scheme: 'docker' | 'oci'; readonly reference: string };

/** The operating system of an image: `sl:os` (family), `sl:osname`, `sl:osversion`, `sl:arch`. */
export interface ImageOs {
  /** `sl:os`, e.g. `Linux`. */
  readonly family?: string;
  /** `sl:osname`, e.g. `Scientific Linux` (Glance `os_distro`). */
  readonly distro?: string;
  /** `sl:osversion`, e.g. `6.0` (Glance `os_version`). */
  readonly version?: string;
  /** `sl:arch`, e.g. `x86_64` (Glance `architecture`). */
  readonly arch?: string;
}

/** One image of a list (`hv:image`), in Fedstack's terms. */
export interface SourceImage {
  /** `dc:identifier`: stable across versions of the appliance; the key subscribers diff by. */
  readonly id: string;
  /** `dc:title`. */
  readonly title?: string;
  /** `dc:description`. */
  readonly description?: string;
  /** `hv:uri`: a download URL or an OCI reference. */
  readonly location: ImageLocation;
  /** `sl:checksum:sha512`. */
  readonly hash: ImageHash;
  /** `hv:size`, in bytes. */
  readonly sizeBytes?: number;
  /** `hv:format`, lower-cased (`ova`, `qcow2`, `raw`, …; free text upstream). */
  readonly format?: string;
  /** `hv:hypervisor`, e.g. `KVM`. */
  readonly hypervisor?: string;
  readonly os: ImageOs;
  /** `hv:ram_minimum`, in MB. */
  readonly minRamMb?: number;
  /** `hv:core_minimum`. */
  readonly minCores?: number;
  /** `ad:ram_recommended`, in MB. */
  readonly recommendedRamMb?: number;
  /** `ad:core_recommended`. */
  readonly recommendedCores?: number;
  /** `dc:date:expires` of the image (AppDB sets one per image). */
  readonly expiresAt?: Date;
  /** `hv:version`: the version of the image. */
  readonly version?: string;
  /** `ad:mpuri`: AppDB marketplace URI of this version (Glance `vmcatcher_event_ad_mpuri`). */
  readonly marketplaceUri?: string;
  /** `ad:base_mpuri`: the version-independent marketplace URI. */
  readonly baseMarketplaceUri?: string;
  /** `ad:appid`: the AppDB application id. */
  readonly appdbAppId?: string;
  /** `ad:vo` of the image, or else of the list: the VO the image is for. */
  readonly vo?: string;
  /** Every key of the `hv:image` object exactly as read, known or not (Glance `APPLIANCE_ATTRIBUTES`). */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** The endorser of a list (`hv:endorser` → `hv:x509`); DNs in OpenSSL slash form. */
export interface ImageListEndorser {
  /** `hv:dn`: subject DN of the signer, e.g. `/DC=EU/DC=EGI/C=NL/O=Hosts/O=EGI.eu/CN=appdb.egi.eu`. */
  readonly dn: string;
  /** `hv:ca`: issuer DN of the signer's certificate. */
  readonly ca: string;
  /** `dc:creator`, e.g. `Applications Database`. */
  readonly creator?: string;
  /** `hv:email`. */
  readonly email?: string;
}

/** A HEPiX image list (`hv:imagelist`). */
export interface ImageList {
  /** `dc:identifier`: stable across versions of the list; the subscription key. */
  readonly id: string;
  /** `dc:title`. */
  readonly title?: string;
  /** `dc:description`. */
  readonly description?: string;
  /** `dc:source`, e.g. `https://appdb.egi.eu/`. */
  readonly source?: string;
  readonly endorser?: ImageListEndorser;
  /** `dc:date:created`. */
  readonly createdAt?: Date;
  /** `dc:date:expires`: after it the list must not be trusted. */
  readonly expiresAt: Date;
  /** `hv:version`: subscribers refuse a lower one than they last saw. */
  readonly version?: string;
  /** `hv:uri`: the canonical URL of the list. */
  readonly uri?: string;
  /** `ad:vo`: the VO of a VO-wide AppDB list. */
  readonly vo?: string;
  readonly images: readonly SourceImage[];
  /** Every key of the `hv:imagelist` object as read except `hv:images`, known or not. */
  readonly attributes: Readonly<Record<string, unknown>>;
}
