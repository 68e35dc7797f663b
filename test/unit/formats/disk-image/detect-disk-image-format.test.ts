import { execFile } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DISK_IMAGE_HEAD_BYTES,
  detectDiskImageFormat,
  glanceDiskFormatOf,
  qemuFormatOf,
  type DiskImageInfo,
} from '../../../../src/formats/disk-image/index.js';
import { ensureOsPackages } from '../../../helpers/os-packages.js';
import { tarArchive } from './tar-builder.js';

const run = promisify(execFile);

function qcow2Header(options: { version?: number; backing?: string; incompatible?: bigint } = {}): Buffer {
  const head = Buffer.alloc(4096);
  head.write('QFI\xfb', 0, 'latin1');
  head.writeUInt32BE(options.version ?? 3, 4);
  if (options.backing) {
    head.writeBigUInt64BE(1024n, 8);
    head.writeUInt32BE(options.backing.length, 16);
    head.write(options.backing, 1024, 'latin1');
  }
  head.writeUInt32BE(16, 20);
  head.writeBigUInt64BE(10n << 30n, 24);
  head.writeBigUInt64BE(options.incompatible ?? 0n, 72);
  return head;
}

function vhdFooter(diskType: number, sizeBytes: bigint): Buffer {
  const footer = Buffer.alloc(512);
  footer.write('conectix', 0, 'latin1');
  footer.writeBigUInt64BE(sizeBytes, 48);
  footer.writeUInt32BE(diskType, 60);
  let sum = 0;
  for (const byte of footer) sum += byte;
  footer.writeUInt32BE(~sum >>> 0, 64);
  return footer;
}

function vmdkSparseHeader(descriptor: string, flags = 0x3): Buffer {
  const head = Buffer.alloc(4096);
  head.write('KDMV', 0, 'latin1');
  head.writeUInt32LE(1, 4);
  head.writeUInt32LE(flags, 8);
  head.writeBigUInt64LE(2048n, 12); // capacity, sectors
  head.writeBigUInt64LE(1n, 28); // descriptor at sector 1
  head.writeBigUInt64LE(2n, 36); // two sectors long
  head.write(descriptor, 512, 'latin1');
  return head;
}

const MONOLITHIC_DESCRIPTOR = [
  '# Disk DescriptorFile',
  'version=1',
  'CID=12345678',
  'parentCID=ffffffff',
  'createType="monolithicSparse"',
  '',
  '# Extent description',
  'RW 2048 SPARSE "disk.vmdk"',
  '',
].join('\n');

describe('detectDiskImageFormat on hand-built headers', () => {
  it('reads a qcow2 v3 header: version, virtual size and cluster size', () => {
    const info = detectDiskImageFormat(qcow2Header());
    expect(info).toMatchObject({
      kind: 'qcow2',
      version: 3,
      virtualSizeBytes: 10 * 2 ** 30,
      clusterSizeBytes: 65536,
      hasBackingFile: false,
      hasExternalDataFile: false,
      isEncrypted: false,
    });
  });

  it('names the backing file of a qcow2 image that has one', () => {
    const info = detectDiskImageFormat(qcow2Header({ backing: '/etc/shadow' }));
    expect(info).toMatchObject({ kind: 'qcow2', hasBackingFile: true, backingFileName: '/etc/shadow' });
  });

  it('flags a qcow2 v3 image whose data lives in an external data file (incompatible bit 2)', () => {
    const info = detectDiskImageFormat(qcow2Header({ incompatible: 0b110n }));
    expect(info).toMatchObject({ kind: 'qcow2', hasExternalDataFile: true, isMarkedCorrupt: true });
  });

  it('tells the first qcow version apart from qcow2', () => {
    expect(detectDiskImageFormat(qcow2Header({ version: 1 })).kind).toBe('qcow');
  });

  it('reads a sparse VMDK header and its embedded monolithicSparse descriptor', () => {
    const info = detectDiskImageFormat(vmdkSparseHeader(MONOLITHIC_DESCRIPTOR));
    expect(info).toEqual({
      kind: 'vmdk',
      variant: 'sparse',
      createType: 'monolithicSparse',
      virtualSizeBytes: 2048 * 512,
      isCompressed: false,
      extents: [{ access: 'RW', sizeSectors: 2048, type: 'SPARSE', fileName: 'disk.vmdk' }],
      hasParent: false,
      isSelfContained: true,
    });
  });

  it('marks a sparse VMDK with a parent as a delta disk that is not self-contained', () => {
    const delta = MONOLITHIC_DESCRIPTOR.replace('parentCID=ffffffff', 'parentCID=0badc0de');
    expect(detectDiskImageFormat(vmdkSparseHeader(delta))).toMatchObject({
      hasParent: true,
      isSelfContained: false,
    });
  });

  it('reads a VMDK descriptor file and lists the extent files it names', () => {
    const text = MONOLITHIC_DESCRIPTOR.replace('monolithicSparse', 'monolithicFlat').replace(
      'RW 2048 SPARSE "disk.vmdk"',
      'RW 2048 FLAT "disk-flat.vmdk" 0',
    );
    expect(detectDiskImageFormat(Buffer.from(text))).toMatchObject({
      kind: 'vmdk',
      variant: 'descriptor',
      createType: 'monolithicFlat',
      extents: [{ type: 'FLAT', fileName: 'disk-flat.vmdk' }],
      isSelfContained: false,
    });
  });

  it('reads a dynamic VHD footer copy at the start of the file', () => {
    expect(detectDiskImageFormat(Buffer.concat([vhdFooter(3, 1n << 30n), Buffer.alloc(1024)]))).toEqual({
      kind: 'vhd',
      diskType: 'dynamic',
      virtualSizeBytes: 2 ** 30,
      footerAt: 'start',
    });
  });

  it('finds a fixed VHD by the footer in the tail, and sees raw without the tail', () => {
    const head = Buffer.alloc(4096);
    expect(detectDiskImageFormat(head, { tail: vhdFooter(2, 4096n) })).toMatchObject({
      kind: 'vhd',
      diskType: 'fixed',
      footerAt: 'end',
    });
    expect(detectDiskImageFormat(head).kind).toBe('raw');
  });

  it('ignores a VHD footer whose checksum does not hold', () => {
    const footer = vhdFooter(2, 4096n);
    footer[100] = 1;
    expect(detectDiskImageFormat(Buffer.alloc(4096), { tail: footer }).kind).toBe('raw');
  });

  it('recognises VHDX and VDI signatures', () => {
    expect(detectDiskImageFormat(Buffer.from('vhdxfile' + '\0'.repeat(600), 'latin1')).kind).toBe('vhdx');
    const vdi = Buffer.alloc(1024);
    vdi.write('<<< Oracle VM VirtualBox Disk Image >>>\n', 0, 'latin1');
    vdi.writeUInt32LE(0xbeda107f, 0x40);
    expect(detectDiskImageFormat(vdi).kind).toBe('vdi');
  });

  it.each([
    ['gzip', [0x1f, 0x8b, 8, 0]],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]],
    ['bzip2', [0x42, 0x5a, 0x68, 0x39]],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ])('reports a %s-compressed file instead of calling it raw', (algorithm, bytes) => {
    const head = Buffer.concat([Buffer.from(bytes), Buffer.alloc(1024)]);
    expect(detectDiskImageFormat(head)).toEqual({ kind: 'compressed', algorithm });
  });

  it('reads an OVA: a tar whose first member is the .ovf, with every member within the bytes', () => {
    const ova = tarArchive([
      { name: 'appliance.ovf', data: Buffer.from('<Envelope/>') },
      { name: 'appliance-disk1.vmdk', data: Buffer.alloc(2000) },
      { name: 'appliance.mf', data: Buffer.from('SHA256(appliance.ovf)= 00\n') },
    ]);
    const info = detectDiskImageFormat(ova);
    expect(info.kind).toBe('ova');
    const ovaInfo = info as Extract<DiskImageInfo, { kind: 'ova' }>;
    expect(ovaInfo.ovfName).toBe('appliance.ovf');
    expect(ovaInfo.listing.isComplete).toBe(true);
    expect(ovaInfo.listing.members.map((m) => [m.name, m.sizeBytes, m.dataOffset])).toEqual([
      ['appliance.ovf', 11, 512],
      ['appliance-disk1.vmdk', 2000, 1536],
      ['appliance.mf', 26, 4096],
    ]);
  });

  it('calls a tar whose first member is not an .ovf a tar, not an OVA', () => {
    const info = detectDiskImageFormat(tarArchive([{ name: 'disk.img', data: Buffer.alloc(10) }]));
    expect(info.kind).toBe('tar');
  });

  it('does not take a block with the ustar magic but a wrong checksum for a tar', () => {
    const ova = tarArchive([{ name: 'a.ovf', data: Buffer.from('x') }]);
    ova[10] = 0x41;
    expect(detectDiskImageFormat(ova).kind).toBe('raw');
  });

  it('recognises an ISO 9660 image and reads its volume id', () => {
    const iso = Buffer.alloc(DISK_IMAGE_HEAD_BYTES);
    iso[32768] = 1;
    iso.write('CD001', 32769, 'latin1');
    iso.write('DEBIAN_12'.padEnd(32, ' '), 32768 + 40, 'latin1');
    expect(detectDiskImageFormat(iso)).toEqual({ kind: 'iso', volumeId: 'DEBIAN_12' });
  });

  it('calls anything else raw and tells GPT, MBR and no partition table apart', () => {
    const mbr = Buffer.alloc(4096);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    const gpt = Buffer.from(mbr);
    gpt.write('EFI PART', 512, 'latin1');
    expect(detectDiskImageFormat(mbr)).toEqual({ kind: 'raw', partitionTable: 'mbr' });
    expect(detectDiskImageFormat(gpt)).toEqual({ kind: 'raw', partitionTable: 'gpt' });
    expect(detectDiskImageFormat(Buffer.alloc(4096))).toEqual({ kind: 'raw', partitionTable: 'none' });
  });

  it('copes with input shorter than any header', () => {
    expect(detectDiskImageFormat(Buffer.alloc(0)).kind).toBe('raw');
    // a magic without the version field after it reads as the first qcow version, size 0
    expect(detectDiskImageFormat(Buffer.from('QFI\xfb', 'latin1'))).toEqual({
      kind: 'qcow',
      virtualSizeBytes: 0,
    });
  });

  it('maps kinds to qemu-img and Glance format names', () => {
    expect(qemuFormatOf('vhd')).toBe('vpc');
    expect(qemuFormatOf('iso')).toBe('raw');
    expect(qemuFormatOf('ova')).toBeUndefined();
    expect(glanceDiskFormatOf('iso')).toBe('iso');
    expect(glanceDiskFormatOf('qcow')).toBeUndefined();
  });
});

describe('detectDiskImageFormat on files made by qemu-img', () => {
  let dir: string;

  beforeAll(async () => {
    await ensureOsPackages(['qemu-utils']);
    dir = await mkdtemp(path.join(tmpdir(), 'fedstack-disk-image-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function create(name: string, args: readonly string[]): Promise<{ head: Buffer; tail: Buffer }> {
    const file = path.join(dir, name);
    await run('qemu-img', ['create', '-q', ...args.slice(0, -1), file, args.at(-1)!]);
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const head = Buffer.alloc(Math.min(size, DISK_IMAGE_HEAD_BYTES));
      await handle.read(head, 0, head.length, 0);
      const tail = Buffer.alloc(Math.min(size, 512));
      await handle.read(tail, 0, tail.length, size - tail.length);
      return { head, tail };
    } finally {
      await handle.close();
    }
  }

  it('sees qcow2 v3 with the virtual size qemu-img was given', async () => {
    const { head } = await create('a.qcow2', ['-f', 'qcow2', '64M']);
    expect(detectDiskImageFormat(head)).toMatchObject({
      kind: 'qcow2',
      version: 3,
      virtualSizeBytes: 64 << 20,
      hasBackingFile: false,
    });
  });

  it('sees qcow2 compat=0.10 as version 2', async () => {
    const { head } = await create('v2.qcow2', ['-f', 'qcow2', '-o', 'compat=0.10', '1M']);
    expect(detectDiskImageFormat(head)).toMatchObject({ kind: 'qcow2', version: 2 });
  });

  it('sees the backing file of a qcow2 overlay', async () => {
    await create('base.qcow2', ['-f', 'qcow2', '1M']);
    const { head } = await create('overlay.qcow2', ['-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', '1M']);
    expect(detectDiskImageFormat(head)).toMatchObject({
      hasBackingFile: true,
      backingFileName: 'base.qcow2',
    });
  });

  it('sees a monolithicSparse VMDK as self-contained', async () => {
    const { head } = await create('a.vmdk', ['-f', 'vmdk', '32M']);
    expect(detectDiskImageFormat(head)).toMatchObject({
      kind: 'vmdk',
      variant: 'sparse',
      createType: 'monolithicSparse',
      virtualSizeBytes: 32 << 20,
      isSelfContained: true,
    });
  });

  it('sees a streamOptimized VMDK as compressed and self-contained', async () => {
    const { head } = await create('s.vmdk', ['-f', 'vmdk', '-o', 'subformat=streamOptimized', '32M']);
    expect(detectDiskImageFormat(head)).toMatchObject({
      createType: 'streamOptimized',
      isCompressed: true,
      isSelfContained: true,
    });
  });

  it('sees a monolithicFlat VMDK descriptor as not self-contained', async () => {
    const { head } = await create('f.vmdk', ['-f', 'vmdk', '-o', 'subformat=monolithicFlat', '1M']);
    expect(detectDiskImageFormat(head)).toMatchObject({
      variant: 'descriptor',
      createType: 'monolithicFlat',
      extents: [{ type: 'FLAT', fileName: 'f-flat.vmdk' }],
      isSelfContained: false,
    });
  });

  it('sees dynamic and fixed VHD (qemu vpc), VHDX and VDI', async () => {
    const dynamic = await create('d.vhd', ['-f', 'vpc', '8M']);
    expect(detectDiskImageFormat(dynamic.head)).toMatchObject({ kind: 'vhd', diskType: 'dynamic' });
    const fixed = await create('x.vhd', ['-f', 'vpc', '-o', 'subformat=fixed', '8M']);
    expect(detectDiskImageFormat(fixed.head, { tail: fixed.tail })).toMatchObject({
      kind: 'vhd',
      diskType: 'fixed',
      footerAt: 'end',
    });
    expect(detectDiskImageFormat((await create('a.vhdx', ['-f', 'vhdx', '8M'])).head).kind).toBe('vhdx');
    expect(detectDiskImageFormat((await create('a.vdi', ['-f', 'vdi', '8M'])).head).kind).toBe('vdi');
  });

  it('sees a raw image as raw', async () => {
    const { head } = await create('a.raw', ['-f', 'raw', '1M']);
    expect(detectDiskImageFormat(head)).toEqual({ kind: 'raw', partitionTable: 'none' });
  });

  it('sees an OVA made by tar from an .ovf and a VMDK', async () => {
    await writeFile(path.join(dir, 'box.ovf'), '<?xml version="1.0"?><Envelope/>');
    await create('box-disk1.vmdk', ['-f', 'vmdk', '-o', 'subformat=streamOptimized', '16M']);
    for (const format of ['ustar', 'gnu', 'pax']) {
      const ova = path.join(dir, `box-${format}.ova`);
      await run('tar', [`--format=${format}`, '-C', dir, '-cf', ova, 'box.ovf', 'box-disk1.vmdk']);
      const info = detectDiskImageFormat((await readFile(ova)).subarray(0, DISK_IMAGE_HEAD_BYTES));
      expect(info).toMatchObject({ kind: 'ova', ovfName: 'box.ovf' });
      const names = (info as Extract<DiskImageInfo, { kind: 'ova' }>).listing.members.map((m) => m.name);
      expect(names).toEqual(['box.ovf', 'box-disk1.vmdk']);
    }
  });
});
