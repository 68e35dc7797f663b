/**
 * Conversion of a cached image to the disk format a site wants, with `qemu-img convert`: the
 * result is cached beside the source as `<cacheDir>/converted/<hex>.<format>` (atrope converted
 * again on every run and threw the result away, images.md §5.2), written under a temporary name
 * and renamed once `qemu-img info` confirms it. The input format is always given (`-f`), never
 * probed, and images that reach other files (backing files, external data files, VMDK extents)
 * are refused: converting one would copy host files into the image.
 * @module
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { TimeoutError } from '../../errors.js';
import {
  DISK_IMAGE_HEAD_BYTES,
  DISK_IMAGE_TAIL_BYTES,
  detectDiskImageFormat,
  glanceDiskFormatOf,
  qemuFormatOf,
  qemuOutputFormatOf,
  walkTarHeaders,
  type DiskFormat,
  type DiskImageInfo,
  type TarMember,
} from '../../formats/disk-image/index.js';
import { silentLogger, type Logger } from '../../log.js';
import { writeAtomically } from '../write-atomically.js';
import { ImageConvertError } from './image-errors.js';

const run = promisify(execFile);

/** Options of {@link convertImage}. */
export interface ConvertImageOptions {
  /** The cached source: its path and digest (a {@link CachedImage} fits). */
  readonly source: { readonly path: string; readonly hex: string };
  readonly targetFormat: DiskFormat;
  readonly cacheDir: string;
  /** The qemu-img binary; default `qemu-img` on the PATH. */
  readonly qemuImg?: string;
  /** Time limit of each qemu-img run, ms; default 1 h (cloudkeeper's 600 s is short for 20 GiB). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** A file ready for upload in the wanted format. */
export interface ConvertedImage {
  readonly path: string;
  readonly format: DiskFormat;
  /** What the source file is. */
  readonly detected: DiskImageInfo;
  /** `as-is`: the source already has the format; `cache`: converted earlier; `converted`: now. */
  readonly source: 'as-is' | 'cache' | 'converted';
}

/** Reads the first 64 KiB and last 512 bytes of `file` at `offset` and tells its format. */
export async function inspectImageFile(file: string, offset = 0, sizeBytes?: number): Promise<DiskImageInfo> {
  const handle = await open(file, 'r');
  try {
    const size = sizeBytes ?? (await handle.stat()).size - offset;
    const head = Buffer.alloc(Math.min(size, DISK_IMAGE_HEAD_BYTES));
    await handle.read(head, 0, head.length, offset);
    const tail = Buffer.alloc(Math.min(size, DISK_IMAGE_TAIL_BYTES));
    await handle.read(tail, 0, tail.length, offset + size - tail.length);
    return detectDiskImageFormat(head, { tail });
  } finally {
    await handle.close();
  }
}

/**
 * Refuses an image that is not one self-contained disk: compressed files, plain tar archives,
 * qcow2 with a backing or external data file or encryption, VMDK with extents elsewhere or a
 * parent, differencing VHD.
 * @throws ImageConvertError `IMAGE_CONVERT_FAILED` saying why.
 */
export function assertSelfContained(info: DiskImageInfo, file: string): void {
  const refuse = (why: string) => {
    throw new ImageConvertError(file, why);
  };
  if (info.kind === 'compressed') refuse(`is ${info.algorithm}-compressed, not a disk image`);
  if (info.kind === 'tar') refuse('is a tar archive without an .ovf first, not an OVA');
  if (info.kind === 'qcow2' && (info.hasBackingFile || info.hasExternalDataFile))
    refuse('is a qcow2 image with a backing or external data file');
  if (info.kind === 'qcow2' && info.isEncrypted) refuse('is an encrypted qcow2 image');
  if (info.kind === 'vmdk' && !info.isSelfContained)
    refuse(`is a VMDK (${info.createType ?? info.variant}) whose data is in other files or a parent`);
  if (info.kind === 'vhd' && info.diskType === 'differencing') refuse('is a differencing VHD');
}

/** The members of the tar archive `file`, reading only its headers. */
export async function listTarFile(file: string): Promise<readonly TarMember[]> {
  const handle = await open(file, 'r');
  try {
    const walk = walkTarHeaders();
    let step = walk.next();
    while (!step.done) {
      const buffer = Buffer.alloc(step.value.length);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, step.value.offset);
      step = walk.next(bytesRead === buffer.length ? buffer : undefined);
    }
    if (step.value.problem) throw new ImageConvertError(file, `unreadable OVA: ${step.value.problem}`);
    return step.value.members;
  } finally {
    await handle.close();
  }
}

/** The one disk of an OVA: the member, other than the OVF, manifest and certificate, that is a disk image. */
async function ovaDisk(file: string): Promise<{ member: TarMember; info: DiskImageInfo }> {
  const disks: { member: TarMember; info: DiskImageInfo }[] = [];
  for (const member of await listTarFile(file)) {
    if (member.type !== 'file' || /\.(ovf|mf|cert)$/i.test(member.name) || member.sizeBytes === 0) continue;
    const info = await inspectImageFile(file, member.dataOffset, member.sizeBytes);
    if (info.kind !== 'raw' || /\.(img|raw)$/i.test(member.name)) disks.push({ member, info });
  }
  if (disks.length !== 1)
    throw new ImageConvertError(
      file,
      `an OVA must hold exactly one disk, found ${disks.length} (${disks.map((d) => d.member.name).join(', ')})`,
    );
  return disks[0]!;
}

/** Runs qemu-img; a failure carries its stderr, a timeout becomes a TimeoutError. */
async function qemuImg(options: ConvertImageOptions, args: readonly string[], file: string): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 3_600_000;
  try {
    const { stdout } = await run(options.qemuImg ?? 'qemu-img', args, {
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 4 << 20,
      signal: options.signal,
    });
    return stdout;
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const e = error as { killed?: boolean; stderr?: string; code?: unknown };
    if (e.killed) throw new TimeoutError(`qemu-img ${args[0]} of ${file}`, timeoutMs, { cause: error });
    const stderr = (e.stderr ?? '').split('\n').slice(-10).join('\n');
    throw new ImageConvertError(file, `qemu-img ${args[0]} failed (exit ${String(e.code)})`, {
      cause: error,
      stderr,
    });
  }
}

/** `qemu-img info --output=json` of `input` read as `format`: format, virtual size, backing file. */
async function qemuInfo(options: ConvertImageOptions, format: string, input: string, file: string) {
  const json = JSON.parse(await qemuImg(options, ['info', '--output=json', '-f', format, input], file)) as {
    format?: string;
    'virtual-size'?: number;
    'backing-filename'?: string;
  };
  return {
    format: json.format,
    virtualSizeBytes: json['virtual-size'],
    backingFile: json['backing-filename'],
  };
}

interface ConvertedSidecar {
  readonly sourceHex: string;
  readonly format: DiskFormat;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
}

async function isCachedConversion(file: string, hex: string, format: DiskFormat): Promise<boolean> {
  try {
    const sidecar = JSON.parse(await readFile(`${file}.json`, 'utf8')) as Partial<ConvertedSidecar>;
    const { size, mtimeMs } = await stat(file);
    return (
      sidecar.sourceHex === hex &&
      sidecar.format === format &&
      sidecar.sizeBytes === size &&
      sidecar.mtimeMs === mtimeMs
    );
  } catch {
    return false;
  }
}

/**
 * The cached source in `targetFormat`: the source itself when it already has that format, an
 * earlier conversion (`<cacheDir>/converted/<hex>.<format>`, trusted from its sidecar), or a new
 * one by `qemu-img convert -f <detected> -O <target>`, confirmed by `qemu-img info` (format, and
 * the same virtual size as the source). An OVA's disk is read in place inside the archive (qemu's
 * `raw` driver with offset and size), so no extracted copy takes disk space.
 * @example const ready = await convertImage({ source: cached, targetFormat: 'raw', cacheDir })
 * @throws ImageConvertError `IMAGE_CONVERT_FAILED` for a file that is no self-contained disk image
 *   or when qemu-img fails (its stderr in the message).
 * @throws TimeoutError `TIMEOUT` when qemu-img runs past `timeoutMs`.
 */
export async function convertImage(options: ConvertImageOptions): Promise<ConvertedImage> {
  const { source, targetFormat } = options;
  const detected = await inspectImageFile(source.path);
  assertSelfContained(detected, source.path);
  if (detected.kind !== 'ova' && glanceDiskFormatOf(detected) === targetFormat)
    return { path: source.path, format: targetFormat, detected, source: 'as-is' };
  const output = path.join(options.cacheDir, 'converted', `${source.hex}.${targetFormat}`);
  if (await isCachedConversion(output, source.hex, targetFormat))
    return { path: output, format: targetFormat, detected, source: 'cache' };
  // two sites of a central run that need the same conversion share one qemu-img run
  const running = conversions.get(output);
  if (running) return { ...(await running), source: 'cache' };
  const task = convertAnew(options, detected, output).finally(() => conversions.delete(output));
  conversions.set(output, task);
  return await task;
}

const conversions = new Map<string, Promise<ConvertedImage>>();

async function convertAnew(
  options: ConvertImageOptions,
  detected: DiskImageInfo,
  output: string,
): Promise<ConvertedImage> {
  const { source, targetFormat } = options;
  const logger = options.logger ?? silentLogger;

  let inputFormat = qemuFormatOf(detected);
  let input = path.resolve(source.path);
  if (detected.kind === 'ova') {
    const disk = await ovaDisk(source.path);
    assertSelfContained(disk.info, `${source.path}:${disk.member.name}`);
    inputFormat = qemuFormatOf(disk.info);
    const file = {
      driver: 'raw',
      offset: disk.member.dataOffset,
      size: disk.member.sizeBytes,
      file: { driver: 'file', filename: input },
    };
    input = `json:${JSON.stringify({ driver: inputFormat, file })}`;
  }
  if (inputFormat === undefined)
    throw new ImageConvertError(source.path, `qemu-img cannot read ${detected.kind}`);
  const before = await qemuInfo(options, inputFormat, input, source.path);
  if (before.backingFile !== undefined)
    throw new ImageConvertError(source.path, 'qemu-img sees a backing file; refusing to convert');

  const outputFormat = qemuOutputFormatOf(targetFormat);
  const temporary = `${output}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  await mkdir(path.dirname(output), { recursive: true });
  const started = performance.now();
  try {
    await qemuImg(
      options,
      ['convert', '-q', '-f', inputFormat, '-O', outputFormat, input, temporary],
      source.path,
    );
    const after = await qemuInfo(options, outputFormat, temporary, source.path);
    if (
      after.format !== outputFormat ||
      (before.virtualSizeBytes !== undefined && after.virtualSizeBytes! < before.virtualSizeBytes)
    )
      throw new ImageConvertError(
        source.path,
        `qemu-img info of the result shows ${after.format} of ${after.virtualSizeBytes} bytes, ` +
          `expected ${outputFormat} of ${before.virtualSizeBytes} bytes`,
      );
    await rename(temporary, output);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const { size, mtimeMs } = await stat(output);
  const sidecar: ConvertedSidecar = { sourceHex: source.hex, format: targetFormat, sizeBytes: size, mtimeMs };
  await writeAtomically(`${output}.json`, JSON.stringify(sidecar, null, 2) + '\n');
  logger.info(
    {
      source: source.path,
      from: inputFormat,
      to: targetFormat,
      seconds: Math.round((performance.now() - started) / 1000),
    },
    'image converted',
  );
  return { path: output, format: targetFormat, detected, source: 'converted' };
}
