/**
 * One file of the content-addressed image cache: its paths (`<cacheDir>/<algorithm>/<hex>`, the
 * part file while it downloads), its sidecar (size and mtime when it was verified), the lookup
 * that trusts a file whose size and mtime still match the sidecar, and the free-space check.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { ImageHashAlgorithm } from '../../formats/imagelist/index.js';
import { redactUrl } from '../../redact-url.js';
import { writeAtomically } from '../write-atomically.js';
import { ImageCacheError } from './image-errors.js';

/** Read size when hashing a file already on disk: 1 MiB (few calls into the hash, few syscalls). */
const HASH_READ_BYTES = 1 << 20;
const HEX_DIGITS: Readonly<Record<ImageHashAlgorithm, number>> = { sha512: 128, sha256: 64 };

/** Where one image lives in the cache. */
export interface CachePaths {
  /** The verified file, `<cacheDir>/<algorithm>/<hex>`. */
  readonly file: string;
  /** Its sidecar, `<file>.json`. */
  readonly sidecar: string;
  /** The download in progress, `<cacheDir>/partial/<hex>.part`. */
  readonly part: string;
}

/** What the sidecar of a cached file records. */
export interface CacheSidecar {
  readonly algorithm: ImageHashAlgorithm;
  readonly hex: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
  /** Where it came from, without secrets. */
  readonly sourceUrl: string;
  readonly verifiedAt: string;
}

/** Free space of a file system, as `fs.statfs` gives it. */
export type StatFs = (dir: string) => Promise<{ readonly bavail: number; readonly bsize: number }>;

/** True when `hex` is a lower-case digest of `algorithm`'s length. */
export function isDigestHex(algorithm: ImageHashAlgorithm, hex: string): boolean {
  return new RegExp(`^[0-9a-f]{${HEX_DIGITS[algorithm]}}$`).test(hex);
}

/** The paths of the image with this digest (`hex` already checked by {@link isDigestHex}). */
export function cachePathsOf(cacheDir: string, algorithm: ImageHashAlgorithm, hex: string): CachePaths {
  const file = path.join(cacheDir, algorithm, hex);
  return { file, sidecar: `${file}.json`, part: path.join(cacheDir, 'partial', `${hex}.part`) };
}

/** Feeds the first `lengthBytes` of `file` (all of it by default) into `hash`, 1 MiB at a time. */
export async function hashFileInto(hash: Hash, file: string, lengthBytes?: number): Promise<void> {
  const end = lengthBytes === undefined ? undefined : lengthBytes - 1;
  if (end !== undefined && end < 0) return;
  for await (const chunk of createReadStream(file, { highWaterMark: HASH_READ_BYTES, start: 0, end }))
    hash.update(chunk as Buffer);
}

/** The lower-case hex digest of `file`. */
export async function hashFile(algorithm: ImageHashAlgorithm, file: string): Promise<string> {
  const hash = createHash(algorithm);
  await hashFileInto(hash, file);
  return hash.digest('hex');
}

/** The size of `file`, or undefined when there is none. */
export async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ImageCacheError(file, 'cannot be read', { cause: error });
  }
}

async function readSidecar(file: string): Promise<Partial<CacheSidecar> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Partial<CacheSidecar>;
  } catch {
    return undefined;
  }
}

/** Records that `paths.file` was verified now, with its current size and mtime. */
export async function writeSidecar(
  paths: CachePaths,
  algorithm: ImageHashAlgorithm,
  hex: string,
  url: string,
): Promise<number> {
  const { size, mtimeMs } = await stat(paths.file);
  const sidecar: CacheSidecar = {
    algorithm,
    hex,
    sizeBytes: size,
    mtimeMs,
    sourceUrl: redactUrl(url),
    verifiedAt: new Date().toISOString(),
  };
  await writeAtomically(paths.sidecar, JSON.stringify(sidecar, null, 2) + '\n');
  return size;
}

/** How a lookup went: found (trusted from the sidecar, or re-hashed), or absent. */
export type CacheLookup =
  | { readonly kind: 'hit'; readonly sizeBytes: number; readonly isRehashed: boolean }
  | { readonly kind: 'miss' };

/**
 * Looks the image up: a file whose size and mtime equal its sidecar's is trusted without reading
 * it (what makes a sync with nothing new fast); one without a matching sidecar is hashed once and
 * kept (sidecar rewritten) if its digest is right, else removed.
 */
export async function lookUpCached(
  paths: CachePaths,
  algorithm: ImageHashAlgorithm,
  hex: string,
  url: string,
): Promise<CacheLookup> {
  const size = await sizeOf(paths.file);
  if (size === undefined) return { kind: 'miss' };
  const { mtimeMs } = await stat(paths.file);
  const sidecar = await readSidecar(paths.sidecar);
  if (
    sidecar?.algorithm === algorithm &&
    sidecar.hex === hex &&
    sidecar.sizeBytes === size &&
    sidecar.mtimeMs === mtimeMs
  )
    return { kind: 'hit', sizeBytes: size, isRehashed: false };
  if ((await hashFile(algorithm, paths.file)) === hex) {
    return { kind: 'hit', sizeBytes: await writeSidecar(paths, algorithm, hex, url), isRehashed: true };
  }
  await rm(paths.sidecar, { force: true });
  await rm(paths.file, { force: true });
  return { kind: 'miss' };
}

/**
 * Checks that `neededBytes` fit in the file system of `dir` with `marginBytes` left over.
 * @throws ImageCacheError `IMAGE_CACHE_IO` naming the bytes needed and free.
 */
export async function ensureFreeSpace(
  dir: string,
  neededBytes: number,
  marginBytes: number,
  what: string,
  statFs: StatFs = (d) => statfs(d),
): Promise<void> {
  const { bavail, bsize } = await statFs(dir);
  const freeBytes = Number(bavail) * Number(bsize);
  if (neededBytes + marginBytes <= freeBytes) return;
  throw new ImageCacheError(
    dir,
    `not enough free space for ${what}: needs ${neededBytes} bytes and keeps ${marginBytes} free, ` +
      `but only ${freeBytes} bytes are free`,
  );
}
