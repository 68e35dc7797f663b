/**
 * Disk image format sniffing from the first bytes of a file: the image list's `hv:format` is free
 * text, so the real format is read from the magic numbers, as cloudkeeper did with `file -b` and
 * qemu does when it probes (but without ever probing a file into a format it then trusts).
 * Headers: qcow2 (qemu docs/interop/qcow2.txt), VMDK hosted sparse extent and descriptor (VMware
 * Virtual Disk Format 1.1), VHD footer (Microsoft VHD Image Format Specification 1.0), VHDX
 * signature, VDI, POSIX ustar, ISO 9660 primary volume descriptor.
 * @module
 */
import { isTarHeader, listTarMembers } from './tar-listing.js';
import type { DiskImageInfo, Qcow2Info, QcowInfo, RawInfo, VhdInfo, VmdkInfo } from './types.js';
import { isVmdkDescriptorText, parseVmdkDescriptor } from './vmdk-descriptor.js';

/** Bytes worth reading from the start of a file for {@link detectDiskImageFormat}: 64 KiB. */
export const DISK_IMAGE_HEAD_BYTES = 64 * 1024;
/** Bytes worth reading from the end of a file (a fixed VHD's footer): 512. */
export const DISK_IMAGE_TAIL_BYTES = 512;

const SECTOR_BYTES = 512;
const latin1 = new TextDecoder('latin1');

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return latin1.decode(bytes.subarray(start, start + length));
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(dv: DataView, offset: number, littleEndian = false): number {
  return offset + 8 <= dv.byteLength ? Number(dv.getBigUint64(offset, littleEndian)) : 0;
}

function u32(dv: DataView, offset: number, littleEndian = false): number {
  return offset + 4 <= dv.byteLength ? dv.getUint32(offset, littleEndian) : 0;
}

function qcowInfo(head: Uint8Array): Qcow2Info | QcowInfo {
  const dv = view(head);
  const version = u32(dv, 4);
  if (version < 2) return { kind: 'qcow', virtualSizeBytes: u64(dv, 24) };
  const backingOffset = u64(dv, 8);
  const backingSize = u32(dv, 16);
  const incompatible = version >= 3 ? u64(dv, 72) : 0;
  const hasName = backingOffset > 0 && backingOffset + backingSize <= head.length;
  return {
    kind: 'qcow2',
    version,
    virtualSizeBytes: u64(dv, 24),
    clusterSizeBytes: 2 ** u32(dv, 20),
    hasBackingFile: backingOffset !== 0,
    ...(hasName ? { backingFileName: ascii(head, backingOffset, backingSize) } : {}),
    // bits of incompatible_features: 1 corrupt, 2 external data file (Number() of a u64 keeps the low bits)
    hasExternalDataFile: Math.floor(incompatible / 4) % 2 === 1,
    isEncrypted: u32(dv, 32) !== 0,
    isMarkedCorrupt: Math.floor(incompatible / 2) % 2 === 1,
  };
}

/** A hosted sparse extent: capacity and flags from the header, the rest from its embedded descriptor. */
function vmdkSparseInfo(head: Uint8Array): VmdkInfo {
  const dv = view(head);
  const flags = u32(dv, 8, true);
  const capacitySectors = u64(dv, 12, true);
  const descriptorStart = u64(dv, 28, true) * SECTOR_BYTES;
  const descriptorBytes = u64(dv, 36, true) * SECTOR_BYTES;
  const compressAlgorithm = head.length >= 79 ? dv.getUint16(77, true) : 0;
  const isEmbeddedReadable =
    descriptorStart > 0 && descriptorBytes > 0 && descriptorStart + descriptorBytes <= head.length;
  const descriptor = isEmbeddedReadable
    ? parseVmdkDescriptor(ascii(head, descriptorStart, descriptorBytes))
    : undefined;
  const createType = descriptor?.createType;
  const hasParent = descriptor?.hasParent ?? false;
  return {
    kind: 'vmdk',
    variant: 'sparse',
    ...(createType === undefined ? {} : { createType }),
    virtualSizeBytes: capacitySectors * SECTOR_BYTES,
    // flag bit 16: grains are compressed; algorithm 1 is deflate (stream-optimized images)
    isCompressed: compressAlgorithm !== 0 || (flags & 0x10000) !== 0,
    extents: descriptor?.extents ?? [],
    hasParent,
    isSelfContained:
      descriptor !== undefined &&
      !hasParent &&
      (createType === 'monolithicSparse' || createType === 'streamOptimized'),
  };
}

function vmdkDescriptorInfo(text: string): VmdkInfo {
  const descriptor = parseVmdkDescriptor(text);
  return {
    kind: 'vmdk',
    variant: 'descriptor',
    ...(descriptor.createType === undefined ? {} : { createType: descriptor.createType }),
    isCompressed: false,
    extents: descriptor.extents,
    hasParent: descriptor.hasParent,
    // the data is in the extent files the descriptor names, not in this one
    isSelfContained: false,
  };
}

const VHD_DISK_TYPES: Readonly<Record<number, VhdInfo['diskType']>> = {
  2: 'fixed',
  3: 'dynamic',
  4: 'differencing',
};

/** A VHD footer (512 bytes, `conectix`, checksum over the rest) at the start of `bytes`, if one is there. */
function vhdFooter(bytes: Uint8Array, footerAt: VhdInfo['footerAt']): VhdInfo | undefined {
  if (bytes.length < SECTOR_BYTES || ascii(bytes, 0, 8) !== 'conectix') return undefined;
  const dv = view(bytes);
  let sum = 0;
  for (let i = 0; i < SECTOR_BYTES; i++) if (i < 64 || i >= 68) sum += bytes[i] ?? 0;
  if (~sum >>> 0 !== u32(dv, 64)) return undefined;
  const diskType = VHD_DISK_TYPES[u32(dv, 60)];
  if (diskType === undefined) return undefined;
  return { kind: 'vhd', diskType, virtualSizeBytes: u64(dv, 48), footerAt };
}

function compressionOf(head: Uint8Array): 'gzip' | 'xz' | 'bzip2' | 'zstd' | undefined {
  const [b0, b1, b2, b3] = head;
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip';
  if (ascii(head, 0, 6) === '\xfd7zXZ\0') return 'xz';
  if (ascii(head, 0, 3) === 'BZh' && head[3] !== undefined && head[3] >= 0x31 && head[3] <= 0x39)
    return 'bzip2';
  if (b0 === 0x28 && b1 === 0xb5 && b2 === 0x2f && b3 === 0xfd) return 'zstd';
  return undefined;
}

function isoVolumeId(head: Uint8Array): string | undefined {
  // the primary volume descriptor: type 1, "CD001", at sector 16 of 2048 bytes
  const at = 16 * 2048;
  if (head.length < at + 72 || head[at] !== 1 || ascii(head, at + 1, 5) !== 'CD001') return undefined;
  return ascii(head, at + 40, 32).trim();
}

function rawInfo(head: Uint8Array): RawInfo {
  if (ascii(head, SECTOR_BYTES, 8) === 'EFI PART') return { kind: 'raw', partitionTable: 'gpt' };
  const hasBootSignature = head[510] === 0x55 && head[511] === 0xaa;
  return { kind: 'raw', partitionTable: hasBootSignature ? 'mbr' : 'none' };
}

/**
 * The real format of a disk image from its first bytes (`head`, ideally
 * {@link DISK_IMAGE_HEAD_BYTES} or the whole file when smaller) and, to tell a fixed VHD from a
 * raw disk, its last 512 bytes (`tail`). Anything unrecognised is `raw`. An OVA's member list
 * covers the headers that lie within `head`.
 * @example detectDiskImageFormat(firstBytes).kind // 'qcow2'
 */
export function detectDiskImageFormat(head: Uint8Array, options: { tail?: Uint8Array } = {}): DiskImageInfo {
  const magic = ascii(head, 0, 8);
  if (magic.startsWith('QFI\xfb')) return qcowInfo(head);
  if (magic.startsWith('KDMV')) return vmdkSparseInfo(head);
  if (magic === 'vhdxfile') return { kind: 'vhdx' };
  const vhdAtStart = vhdFooter(head, 'start');
  if (vhdAtStart) return vhdAtStart;
  if (u32(view(head), 0x40, true) === 0xbeda107f) return { kind: 'vdi' };
  const algorithm = compressionOf(head);
  if (algorithm) return { kind: 'compressed', algorithm };
  if (isTarHeader(head)) {
    const listing = listTarMembers(head);
    const first = listing.members[0];
    if (first && first.type === 'file' && /\.ovf$/i.test(first.name))
      return { kind: 'ova', ovfName: first.name, listing };
    return { kind: 'tar', listing };
  }
  const volumeId = isoVolumeId(head);
  if (volumeId !== undefined) return { kind: 'iso', volumeId };
  const text = ascii(head, 0, Math.min(head.length, 4096));
  if (isVmdkDescriptorText(text)) return vmdkDescriptorInfo(ascii(head, 0, head.length));
  const vhdAtEnd = options.tail ? vhdFooter(options.tail.subarray(-SECTOR_BYTES), 'end') : undefined;
  return vhdAtEnd ?? rawInfo(head);
}
