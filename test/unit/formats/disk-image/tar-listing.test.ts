import { describe, expect, it } from 'vitest';
import {
  listTarMembers,
  parsePaxRecords,
  parseTarHeader,
  walkTarHeaders,
} from '../../../../src/formats/disk-image/index.js';
import { paxRecord, tarArchive, tarHeader } from './tar-builder.js';

describe('tar listing', () => {
  it('lists members with their sizes and data offsets and ends at the zero block', () => {
    const archive = tarArchive([
      { name: 'a.ovf', data: Buffer.from('abc') },
      { name: 'dir/', typeFlag: '5' },
      { name: 'b.vmdk', data: Buffer.alloc(513) },
    ]);
    expect(listTarMembers(archive)).toEqual({
      members: [
        { name: 'a.ovf', type: 'file', sizeBytes: 3, dataOffset: 512 },
        { name: 'dir/', type: 'directory', sizeBytes: 0, dataOffset: 1536 },
        { name: 'b.vmdk', type: 'file', sizeBytes: 513, dataOffset: 2048 },
      ],
      isComplete: true,
    });
  });

  it('applies a pax path and size to the member that follows', () => {
    const longName = `${'d'.repeat(120)}/disk.vmdk`;
    const pax = Buffer.from(paxRecord('path', longName) + paxRecord('size', '700'));
    const archive = tarArchive([
      { name: 'PaxHeader', typeFlag: 'x', data: pax },
      { name: 'short', data: Buffer.alloc(700), sizeBytes: 0 },
    ]);
    // the header's own size says 0; the pax size (700) decides where the next header is
    const listing = listTarMembers(archive);
    expect(listing.members).toEqual([{ name: longName, type: 'file', sizeBytes: 700, dataOffset: 1536 }]);
  });

  it('applies a GNU long name (type L) to the member that follows', () => {
    const longName = `${'n'.repeat(150)}.vmdk`;
    const archive = tarArchive([
      { name: '././@LongLink', typeFlag: 'L', data: Buffer.from(longName + '\0'), magic: 'gnu' },
      { name: longName.slice(0, 100), data: Buffer.from('x'), magic: 'gnu' },
    ]);
    expect(listTarMembers(archive).members.map((m) => m.name)).toEqual([longName]);
  });

  it('reads a GNU base-256 size (members over 8 GiB)', () => {
    const header = tarHeader({ name: 'big.vmdk', sizeBytes: 20 * 2 ** 30, isBase256Size: true });
    expect(parseTarHeader(header)).toEqual({ name: 'big.vmdk', typeFlag: '0', sizeBytes: 20 * 2 ** 30 });
  });

  it('stops, incomplete, when the next header lies past the bytes given', () => {
    const archive = tarArchive([
      { name: 'a.ovf', data: Buffer.from('abc') },
      { name: 'b.vmdk', data: Buffer.alloc(4096) },
      { name: 'c.mf', data: Buffer.from('x') },
    ]);
    const listing = listTarMembers(archive.subarray(0, 2048));
    expect(listing.isComplete).toBe(false);
    expect(listing.members.map((m) => m.name)).toEqual(['a.ovf', 'b.vmdk']);
  });

  it('stops with the problem named at a header whose checksum does not hold', () => {
    const archive = tarArchive([
      { name: 'a.ovf', data: Buffer.from('abc') },
      { name: 'b.vmdk', data: Buffer.from('x') },
    ]);
    archive[1024 + 3] = 0x7a;
    expect(listTarMembers(archive)).toEqual({
      members: [{ name: 'a.ovf', type: 'file', sizeBytes: 3, dataOffset: 512 }],
      isComplete: false,
      problem: 'no valid tar header at offset 1024',
    });
  });

  it('asks its driver only for header blocks, never for member data', () => {
    const archive = tarArchive([
      { name: 'a.ovf', data: Buffer.from('abc') },
      { name: 'b.vmdk', data: Buffer.alloc(10_000) },
    ]);
    const asked: number[] = [];
    const walk = walkTarHeaders();
    let step = walk.next();
    while (!step.done) {
      asked.push(step.value.offset);
      step = walk.next(archive.subarray(step.value.offset, step.value.offset + step.value.length));
    }
    expect(asked).toEqual([0, 1024, 11776]);
    expect(step.value.isComplete).toBe(true);
  });

  it('parses pax records and stops at a malformed one', () => {
    const good = paxRecord('path', 'a b=c') + paxRecord('size', '12');
    expect(parsePaxRecords(Buffer.from(good + '99 broken'))).toEqual({ path: 'a b=c', size: '12' });
  });
});
