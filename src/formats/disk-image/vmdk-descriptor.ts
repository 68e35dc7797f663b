// The VMDK descriptor text (VMware "Virtual Disk Format 1.1"): createType, parent and extent lines.
import type { VmdkExtent } from './types.js';

/** What a VMDK descriptor says about the disk. */
export interface VmdkDescriptor {
  readonly createType?: string;
  /** `parentCID` other than `ffffffff`, or a `parentFileNameHint`: the disk is a delta of another. */
  readonly hasParent: boolean;
  readonly extents: readonly VmdkExtent[];
}

/** True when `text` starts like a descriptor (`# Disk DescriptorFile`, after blank lines). */
export function isVmdkDescriptorText(text: string): boolean {
  return /^\s*# Disk DescriptorFile/.test(text);
}

const EXTENT_LINE = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\w+)(?:\s+"([^"]*)")?/;

/**
 * Reads the descriptor lines of `text` (ends at the first NUL, as an embedded descriptor is padded
 * with zeros). Unknown lines are skipped: the format grew keys over the years (`ddb.*`).
 */
export function parseVmdkDescriptor(text: string): VmdkDescriptor {
  const end = text.indexOf('\0');
  const lines = (end === -1 ? text : text.slice(0, end)).split(/\r?\n/);
  let createType: string | undefined;
  let hasParent = false;
  const extents: VmdkExtent[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    const pair = /^([A-Za-z.]+)\s*=\s*"?([^"]*)"?$/.exec(line);
    if (pair) {
      const [, key, value] = pair;
      if (key === 'createType') createType = value;
      if (key === 'parentCID' && value !== undefined && value.toLowerCase() !== 'ffffffff') hasParent = true;
      if (key === 'parentFileNameHint' && value) hasParent = true;
      continue;
    }
    const extent = EXTENT_LINE.exec(line);
    if (extent) {
      const [, access = '', sectors = '0', type = '', fileName] = extent;
      extents.push({
        access,
        sizeSectors: Number(sectors),
        type,
        ...(fileName === undefined ? {} : { fileName }),
      });
    }
  }
  return { ...(createType === undefined ? {} : { createType }), hasParent, extents };
}
