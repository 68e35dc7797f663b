import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageConvertError, convertImage, inspectImageFile } from '../../../../src/site/images/index.js';
import { ensureOsPackages } from '../../../helpers/os-packages.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  await ensureOsPackages(['qemu-utils']);
  dir = await mkdtemp(path.join(tmpdir(), 'fedstack-convert-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A cached source: the file and its sha512, as fetchToCache would return it. */
async function source(file: string): Promise<{ path: string; hex: string }> {
  return {
    path: file,
    hex: createHash('sha512')
      .update(await readFile(file))
      .digest('hex'),
  };
}

/** A 4 MiB raw disk with recognisable bytes at its start and at 3 MiB. */
async function rawDisk(name: string): Promise<string> {
  const file = path.join(dir, name);
  const bytes = Buffer.alloc(4 << 20);
  bytes.write('fedstack-start', 0);
  bytes.write('fedstack-3mib', 3 << 20);
  await writeFile(file, bytes);
  return file;
}

describe('convertImage', () => {
  it('converts raw to qcow2, confirmed by detection and by converting back to the same bytes', async () => {
    const raw = await rawDisk('a.raw');
    const cacheDir = path.join(dir, 'cache1');
    const converted = await convertImage({ source: await source(raw), targetFormat: 'qcow2', cacheDir });
    expect(converted.source).toBe('converted');
    expect(converted.detected.kind).toBe('raw');
    expect(path.dirname(converted.path)).toBe(path.join(cacheDir, 'converted'));
    expect(await inspectImageFile(converted.path)).toMatchObject({
      kind: 'qcow2',
      virtualSizeBytes: 4 << 20,
    });
    const back = path.join(dir, 'back.raw');
    await run('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', converted.path, back]);
    expect((await readFile(back)).equals(await readFile(raw))).toBe(true);
  });

  it('runs qemu-img once for two calls that need the same conversion at the same time', async () => {
    const raw = await rawDisk('shared.raw');
    const cacheDir = path.join(dir, 'cache-shared');
    const from = await source(raw);
    const both = await Promise.all([
      convertImage({ source: from, targetFormat: 'qcow2', cacheDir }),
      convertImage({ source: from, targetFormat: 'qcow2', cacheDir }),
    ]);
    expect(both.map((c) => c.source).sort()).toEqual(['cache', 'converted']);
    expect(both[0]!.path).toBe(both[1]!.path);
    expect((await readdir(path.join(cacheDir, 'converted'))).sort()).toEqual([
      `${from.hex}.qcow2`,
      `${from.hex}.qcow2.json`,
    ]);
  });

  it('converts qcow2 to raw and keeps the guest bytes', async () => {
    const raw = await rawDisk('b.raw');
    const qcow2 = path.join(dir, 'b.qcow2');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2]);
    const converted = await convertImage({
      source: await source(qcow2),
      targetFormat: 'raw',
      cacheDir: path.join(dir, 'cache2'),
    });
    expect(converted.detected.kind).toBe('qcow2');
    expect(await inspectImageFile(converted.path)).toEqual({ kind: 'raw', partitionTable: 'none' });
    expect((await readFile(converted.path)).equals(await readFile(raw))).toBe(true);
  });

  it('uses an earlier conversion of the same source without running qemu-img again', async () => {
    const raw = await rawDisk('c.raw');
    const cacheDir = path.join(dir, 'cache3');
    const first = await convertImage({ source: await source(raw), targetFormat: 'qcow2', cacheDir });
    const { mtimeMs } = await stat(first.path);
    const again = await convertImage({
      source: await source(raw),
      targetFormat: 'qcow2',
      cacheDir,
      qemuImg: '/nonexistent/qemu-img',
    });
    expect(again).toMatchObject({ source: 'cache', path: first.path });
    expect((await stat(first.path)).mtimeMs).toBe(mtimeMs);
  });

  it('skips conversion when the file already has the target format', async () => {
    const qcow2 = path.join(dir, 'd.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', qcow2, '8M']);
    const result = await convertImage({
      source: await source(qcow2),
      targetFormat: 'qcow2',
      cacheDir: path.join(dir, 'cache4'),
      qemuImg: '/nonexistent/qemu-img',
    });
    expect(result).toMatchObject({ source: 'as-is', path: qcow2, format: 'qcow2' });
  });

  it('converts the disk of an OVA read in place inside the archive', async () => {
    const raw = await rawDisk('e.raw');
    const vmdk = path.join(dir, 'e-disk1.vmdk');
    await run('qemu-img', [
      'convert',
      '-f',
      'raw',
      '-O',
      'vmdk',
      '-o',
      'subformat=streamOptimized',
      raw,
      vmdk,
    ]);
    await writeFile(path.join(dir, 'e.ovf'), '<?xml version="1.0"?><Envelope/>');
    await writeFile(path.join(dir, 'e.mf'), 'SHA256(e.ovf)= 00\n');
    const ova = path.join(dir, 'e.ova');
    await run('tar', ['--format=ustar', '-C', dir, '-cf', ova, 'e.ovf', 'e-disk1.vmdk', 'e.mf']);
    const converted = await convertImage({
      source: await source(ova),
      targetFormat: 'raw',
      cacheDir: path.join(dir, 'cache5'),
    });
    expect(converted.detected.kind).toBe('ova');
    expect((await readFile(converted.path)).equals(await readFile(raw))).toBe(true);
  });

  it('refuses a qcow2 image with a backing file', async () => {
    const base = path.join(dir, 'base.qcow2');
    const overlay = path.join(dir, 'overlay.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', base, '8M']);
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', overlay]);
    const error = await convertImage({
      source: await source(overlay),
      targetFormat: 'raw',
      cacheDir: path.join(dir, 'cache6'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageConvertError);
    expect((error as ImageConvertError).message).toContain('backing');
  });

  it('puts the stderr of a failing qemu-img into the error and leaves no file behind', async () => {
    const broken = path.join(dir, 'broken.qcow2');
    const bytes = Buffer.alloc(4096);
    bytes.write('QFI\xfb', 0, 'latin1');
    bytes.writeUInt32BE(3, 4);
    bytes.writeUInt32BE(99, 20); // cluster_bits out of range
    await writeFile(broken, bytes);
    const cacheDir = path.join(dir, 'cache7');
    const error = await convertImage({ source: await source(broken), targetFormat: 'raw', cacheDir }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImageConvertError);
    expect((error as ImageConvertError).code).toBe('IMAGE_CONVERT_FAILED');
    expect((error as ImageConvertError).stderr).toMatch(/cluster size/i);
  });
});
