// Names of disk formats: Glance `disk_format` values and the qemu-img format names they map to.
import type { DiskImageInfo, DiskImageKind } from './types.js';

/** A Glance `disk_format` Fedstack can produce with `qemu-img convert`. */
export type DiskFormat = 'raw' | 'qcow2' | 'vmdk' | 'vdi' | 'vhd' | 'vhdx';

/** Every {@link DiskFormat}, for validating configuration. */
export const DISK_FORMATS: readonly DiskFormat[] = ['raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx'];

/** The qemu-img (`-f`/`-O`) name of each kind it reads; OVA, tar and compressed files it cannot. */
const QEMU_FORMAT_BY_KIND: Readonly<Record<DiskImageKind, string | undefined>> = {
  qcow2: 'qcow2',
  qcow: 'qcow',
  vmdk: 'vmdk',
  vhd: 'vpc',
  vhdx: 'vhdx',
  vdi: 'vdi',
  // qemu has no ISO driver: an ISO is a raw block device to it
  iso: 'raw',
  raw: 'raw',
  ova: undefined,
  tar: undefined,
  compressed: undefined,
};

/** The Glance `disk_format` of each kind, as uploaded without conversion (undefined: convert first). */
const GLANCE_FORMAT_BY_KIND: Readonly<Record<DiskImageKind, string | undefined>> = {
  qcow2: 'qcow2',
  qcow: undefined,
  vmdk: 'vmdk',
  vhd: 'vhd',
  vhdx: 'vhdx',
  vdi: 'vdi',
  iso: 'iso',
  raw: 'raw',
  ova: undefined,
  tar: undefined,
  compressed: undefined,
};

/** The qemu-img format name that reads an image of this kind, or undefined (OVA, tar, compressed). */
export function qemuFormatOf(info: DiskImageInfo | DiskImageKind): string | undefined {
  return QEMU_FORMAT_BY_KIND[typeof info === 'string' ? info : info.kind];
}

/** The qemu-img output format name (`-O`) of a Glance disk format: `vhd` is qemu's `vpc`. */
export function qemuOutputFormatOf(format: DiskFormat): string {
  return format === 'vhd' ? 'vpc' : format;
}

/** The Glance `disk_format` of an image uploaded as it is, or undefined when it must be converted first. */
export function glanceDiskFormatOf(info: DiskImageInfo | DiskImageKind): string | undefined {
  return GLANCE_FORMAT_BY_KIND[typeof info === 'string' ? info : info.kind];
}
