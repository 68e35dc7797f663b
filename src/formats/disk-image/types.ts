// What format sniffing tells about a disk image file: one readonly record per format, keyed by `kind`.

/** One member of a tar archive (an OVA), as its header describes it. */
export interface TarMember {
  /** The full path (ustar prefix, pax `path` or GNU long name applied). */
  readonly name: string;
  readonly type: 'file' | 'directory' | 'other';
  readonly sizeBytes: number;
  /** Where the member's data starts in the archive, bytes. */
  readonly dataOffset: number;
}

/** The members of a tar archive read so far. */
export interface TarListing {
  readonly members: readonly TarMember[];
  /** True when the end-of-archive block was reached. */
  readonly isComplete: boolean;
  /** Why the walk stopped early (a bad header checksum, a truncated pax record), when it did. */
  readonly problem?: string;
}

/** A qcow2 image (magic `QFI\xfb`, version 2 or 3). */
export interface Qcow2Info {
  readonly kind: 'qcow2';
  readonly version: number;
  readonly virtualSizeBytes: number;
  readonly clusterSizeBytes: number;
  /** A backing file makes the image depend on another file: never upload or convert such an image. */
  readonly hasBackingFile: boolean;
  /** The backing file name, when it lies within the bytes given. */
  readonly backingFileName?: string;
  /** qcow2 v3 incompatible feature bit 2: the guest data lives in another file. */
  readonly hasExternalDataFile: boolean;
  readonly isEncrypted: boolean;
  /** qcow2 v3 incompatible feature bit 1: qemu refuses to open it for writing. */
  readonly isMarkedCorrupt: boolean;
}

/** A qcow image of the first version (qemu-img format `qcow`). */
export interface QcowInfo {
  readonly kind: 'qcow';
  readonly virtualSizeBytes: number;
}

/** An extent line of a VMDK descriptor (`RW 2048 FLAT "disk-flat.vmdk" 0`). */
export interface VmdkExtent {
  readonly access: string;
  readonly sizeSectors: number;
  readonly type: string;
  readonly fileName?: string;
}

/**
 * A VMDK image: a hosted sparse extent (magic `KDMV`, descriptor embedded) or a descriptor text
 * that names its extents in other files.
 */
export interface VmdkInfo {
  readonly kind: 'vmdk';
  readonly variant: 'sparse' | 'descriptor';
  /** `createType` of the descriptor (`monolithicSparse`, `streamOptimized`, `monolithicFlat`, …). */
  readonly createType?: string;
  /** Capacity from the sparse header, bytes. */
  readonly virtualSizeBytes?: number;
  readonly isCompressed: boolean;
  readonly extents: readonly VmdkExtent[];
  /** A parent (`parentCID` other than ffffffff, or a `parentFileNameHint`): a delta disk. */
  readonly hasParent: boolean;
  /** True only for one sparse file holding its own descriptor and data, with no parent. */
  readonly isSelfContained: boolean;
}

/** A VHD (qemu-img format `vpc`): footer `conectix` at the start (dynamic) or at the end (fixed). */
export interface VhdInfo {
  readonly kind: 'vhd';
  readonly diskType: 'fixed' | 'dynamic' | 'differencing';
  readonly virtualSizeBytes: number;
  readonly footerAt: 'start' | 'end';
}

/** A VHDX image (signature `vhdxfile`). */
export interface VhdxInfo {
  readonly kind: 'vhdx';
}

/** A VirtualBox VDI image (signature 0xbeda107f at offset 0x40). */
export interface VdiInfo {
  readonly kind: 'vdi';
}

/** An OVA: a POSIX tar archive whose first member is an `.ovf` descriptor. */
export interface OvaInfo {
  readonly kind: 'ova';
  readonly ovfName: string;
  /** The members whose headers lie within the bytes given (see `isComplete`). */
  readonly listing: TarListing;
}

/** A tar archive that is not an OVA (its first member is no `.ovf`). */
export interface TarInfo {
  readonly kind: 'tar';
  readonly listing: TarListing;
}

/** An ISO 9660 file system (`CD001` in the primary volume descriptor at 32 KiB). */
export interface IsoInfo {
  readonly kind: 'iso';
  readonly volumeId: string;
}

/** A compressed file (an image shipped as `.gz`, `.xz`, …): to be unpacked, never uploaded as raw. */
export interface CompressedInfo {
  readonly kind: 'compressed';
  readonly algorithm: 'gzip' | 'xz' | 'bzip2' | 'zstd';
}

/** Anything else: a raw disk, with the partition table its first sectors show. */
export interface RawInfo {
  readonly kind: 'raw';
  readonly partitionTable: 'gpt' | 'mbr' | 'none';
}

/** What a disk image file really is, from its first bytes (and optionally its last 512). */
export type DiskImageInfo =
  | Qcow2Info
  | QcowInfo
  | VmdkInfo
  | VhdInfo
  | VhdxInfo
  | VdiInfo
  | OvaInfo
  | TarInfo
  | IsoInfo
  | CompressedInfo
  | RawInfo;

/** The `kind` of a {@link DiskImageInfo}. */
export type DiskImageKind = DiskImageInfo['kind'];
