// Disk image format sniffing (qcow2, VMDK, VHD, VHDX, VDI, OVA, ISO, raw) and tar listings: pure.
export type * from './types.js';
export {
  detectDiskImageFormat,
  DISK_IMAGE_HEAD_BYTES,
  DISK_IMAGE_TAIL_BYTES,
} from './detect-disk-image-format.js';
export {
  listTarMembers,
  walkTarHeaders,
  parseTarHeader,
  parsePaxRecords,
  isTarHeader,
  TAR_BLOCK_BYTES,
  type TarHeader,
  type TarReadRequest,
} from './tar-listing.js';
export { parseVmdkDescriptor, isVmdkDescriptorText, type VmdkDescriptor } from './vmdk-descriptor.js';
export {
  qemuFormatOf,
  qemuOutputFormatOf,
  glanceDiskFormatOf,
  DISK_FORMATS,
  type DiskFormat,
} from './disk-format.js';
