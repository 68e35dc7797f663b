// Builds ustar archives in memory for the disk-image tests: headers with valid checksums, padded data.

/** One member to write: a name, its data and optionally a type flag (default `0`, a file). */
export interface TarEntry {
  readonly name: string;
  readonly data?: Uint8Array;
  readonly typeFlag?: string;
  /** A size to write instead of the data's length (for headers of members whose data is left out). */
  readonly sizeBytes?: number;
  /** Write the size in GNU base-256 form. */
  readonly isBase256Size?: boolean;
  readonly magic?: 'posix' | 'gnu';
}

function put(block: Uint8Array, offset: number, text: string): void {
  block.set(Buffer.from(text, 'latin1'), offset);
}

/** One 512-byte header for `entry`, checksum filled in. */
export function tarHeader(entry: TarEntry): Uint8Array {
  const block = new Uint8Array(512);
  const size = entry.sizeBytes ?? entry.data?.length ?? 0;
  put(block, 0, entry.name.slice(0, 100));
  put(block, 100, '0000644\0');
  put(block, 108, '0000000\0');
  put(block, 116, '0000000\0');
  if (entry.isBase256Size) {
    block[124] = 0x80;
    let rest = size;
    for (let i = 135; i > 124; i--) {
      block[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  } else put(block, 124, size.toString(8).padStart(11, '0') + '\0');
  put(block, 136, '00000000000\0');
  put(block, 156, entry.typeFlag ?? '0');
  if (entry.magic === 'gnu') put(block, 257, 'ustar  \0');
  else put(block, 257, 'ustar\x0000');
  put(block, 148, '        ');
  const sum = block.reduce((a, b) => a + b, 0);
  put(block, 148, sum.toString(8).padStart(6, '0') + '\0 ');
  return block;
}

/** A whole archive: each header, its data padded to 512 bytes, then two zero blocks. */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    parts.push(tarHeader(entry));
    if (entry.data) {
      parts.push(entry.data);
      const pad = (512 - (entry.data.length % 512)) % 512;
      parts.push(new Uint8Array(pad));
    }
  }
  parts.push(new Uint8Array(1024));
  return Buffer.concat(parts);
}

/** A pax record `<length> key=value\n` (the length counts itself). */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return `${length}${body}`;
}
