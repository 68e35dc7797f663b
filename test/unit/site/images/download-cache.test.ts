import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpError } from '../../../../src/http/index.js';
import {
  ImageCacheError,
  ImageVerifyError,
  fetchToCache,
  type DownloadProgress,
  type FetchToCacheOptions,
} from '../../../../src/site/images/index.js';
import { startImageServer, type ImageServer } from '../../../helpers/image-server.js';

const SIZE_BYTES = 32 * 2 ** 20;
const body = randomBytes(SIZE_BYTES);
const hex = createHash('sha512').update(body).digest('hex');
const roomy = async () => ({ bavail: 1e9, bsize: 4096 });

let server: ImageServer;
let cacheDir: string;

beforeAll(async () => {
  server = await startImageServer(body);
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'fedstack-image-cache-'));
  server.requests.length = 0;
  server.servedBytes = 0;
  server.isRangeIgnored = false;
  server.announcedSizeBytes = undefined;
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

function fetchImage(overrides: Partial<FetchToCacheOptions> = {}) {
  return fetchToCache({
    url: server.url,
    expected: { algorithm: 'sha512', hex, sizeBytes: SIZE_BYTES },
    cacheDir,
    statFs: roomy,
    ...overrides,
  });
}

describe('fetchToCache', () => {
  it('downloads, verifies and stores the file under its digest with a sidecar', async () => {
    const seen: DownloadProgress[] = [];
    const image = await fetchImage({ onProgress: (p) => seen.push(p) });
    expect(image).toMatchObject({
      path: path.join(cacheDir, 'sha512', hex),
      sizeBytes: SIZE_BYTES,
      source: 'download',
      requests: 1,
      receivedBytes: SIZE_BYTES,
    });
    expect((await readFile(image.path)).equals(body)).toBe(true);
    const sidecar = JSON.parse(await readFile(`${image.path}.json`, 'utf8')) as Record<string, unknown>;
    const { mtimeMs } = await stat(image.path);
    expect(sidecar).toMatchObject({ algorithm: 'sha512', hex, sizeBytes: SIZE_BYTES, mtimeMs });
    expect(sidecar.sourceUrl).not.toContain('s3cret');
    expect(await readdir(path.join(cacheDir, 'partial'))).toEqual([]);
    expect(seen.at(-1)).toEqual({ doneBytes: SIZE_BYTES, totalBytes: SIZE_BYTES });
    expect(seen.every((p, i) => i === 0 || p.doneBytes > seen[i - 1]!.doneBytes)).toBe(true);
    expect(server.requests[0]?.['accept-encoding']).toBe('identity');
  });

  it('on a checksum mismatch caches nothing, removes the part and names URL and both digests', async () => {
    const wrong = 'ab'.repeat(64);
    const error = await fetchImage({ expected: { algorithm: 'sha512', hex: wrong } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImageVerifyError);
    const message = (error as ImageVerifyError).message;
    expect((error as ImageVerifyError).code).toBe('IMAGE_VERIFY_FAILED');
    expect(message).toContain(wrong);
    expect(message).toContain(hex);
    expect(message).toContain('/images/disk.img');
    expect(message).not.toContain('s3cret');
    expect(await readdir(path.join(cacheDir, 'sha512'))).toEqual([]);
    expect(await readdir(path.join(cacheDir, 'partial'))).toEqual([]);
  });

  it('resumes the part of an interrupted run with Range, sending less than twice the size in all', async () => {
    server.dropAfterBytes = 10 * 2 ** 20;
    const first = await fetchImage({ maxResumes: 0 }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(HttpError);
    expect((first as HttpError).message).toContain('the part is kept');
    const partBytes = (await stat(path.join(cacheDir, 'partial', `${hex}.part`))).size;
    expect(partBytes).toBeGreaterThan(0);
    expect(partBytes).toBeLessThan(SIZE_BYTES);

    const image = await fetchImage();
    expect(image.source).toBe('download');
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]?.range).toBeUndefined();
    expect(server.requests[1]?.range).toBe(`bytes=${partBytes}-`);
    expect(image.receivedBytes).toBe(SIZE_BYTES - partBytes);
    expect(server.servedBytes).toBeLessThan(2 * SIZE_BYTES);
    expect((await readFile(image.path)).equals(body)).toBe(true);
  });

  it('resumes within one call when the connection drops mid-transfer', async () => {
    server.dropAfterBytes = 5 * 2 ** 20;
    const image = await fetchImage();
    expect(image.requests).toBe(2);
    expect(server.requests[1]?.range).toMatch(/^bytes=\d+-$/);
    expect((await readFile(image.path)).equals(body)).toBe(true);
  });

  it('starts over when the server answers a Range request with 200', async () => {
    server.dropAfterBytes = 5 * 2 ** 20;
    await fetchImage({ maxResumes: 0 }).catch(() => undefined);
    server.isRangeIgnored = true;
    const image = await fetchImage();
    expect(image.receivedBytes).toBe(SIZE_BYTES);
    expect((await readFile(image.path)).equals(body)).toBe(true);
  });

  it('returns a cached file at once: no request, and no re-hash while size and mtime match the sidecar', async () => {
    const first = await fetchImage();
    // change a byte and let the sidecar record the new mtime: only a re-hash would notice
    const altered = Buffer.from(body);
    altered[0] = altered[0]! ^ 0xff;
    await writeFile(first.path, altered);
    const sidecarFile = `${first.path}.json`;
    const sidecar = JSON.parse(await readFile(sidecarFile, 'utf8')) as Record<string, unknown>;
    await writeFile(sidecarFile, JSON.stringify({ ...sidecar, mtimeMs: (await stat(first.path)).mtimeMs }));
    const started = performance.now();
    const again = await fetchImage();
    const elapsedMs = performance.now() - started;
    expect(again).toMatchObject({ source: 'cache', requests: 0, path: first.path });
    expect(server.requests).toHaveLength(1);
    // hashing 32 MiB takes tens of ms; trusting the sidecar takes about one
    expect(elapsedMs).toBeLessThan(50);
  });

  it('re-hashes a cached file once when its sidecar is gone, without any request', async () => {
    const first = await fetchImage();
    await rm(`${first.path}.json`);
    const again = await fetchImage();
    expect(again.source).toBe('cache');
    expect(server.requests).toHaveLength(1);
    expect(existsSync(`${first.path}.json`)).toBe(true);
  });

  it('refuses a download whose Content-Length differs from the expected size, caching nothing', async () => {
    const error = await fetchImage({
      expected: { algorithm: 'sha512', hex, sizeBytes: SIZE_BYTES + 1 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageVerifyError);
    expect((error as ImageVerifyError).what).toBe('size');
    expect(server.servedBytes).toBeLessThan(SIZE_BYTES);
    expect(await readdir(path.join(cacheDir, 'sha512'))).toEqual([]);
    expect(await readdir(path.join(cacheDir, 'partial'))).toEqual([]);
  });

  it('stops a body without Content-Length as soon as it passes the expected size', async () => {
    server.announcedSizeBytes = null;
    const error = await fetchImage({
      expected: { algorithm: 'sha512', hex, sizeBytes: SIZE_BYTES - 1 },
    }).catch((e: unknown) => e);
    expect((error as ImageVerifyError).what).toBe('size');
    expect((error as ImageVerifyError).found).toMatch(/^more/);
    expect(await readdir(path.join(cacheDir, 'partial'))).toEqual([]);
  });

  it('refuses to start when the image does not fit the free space minus the margin', async () => {
    const error = await fetchImage({
      statFs: async () => ({ bavail: 1024, bsize: 4096 }),
      freeSpaceMarginBytes: 0,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageCacheError);
    expect((error as ImageCacheError).code).toBe('IMAGE_CACHE_IO');
    expect((error as ImageCacheError).message).toMatch(/needs 33554432 bytes .* only 4194304 bytes are free/);
    expect(server.requests).toHaveLength(0);
  });

  it('checks the free space against Content-Length when the list gives no size', async () => {
    const error = await fetchImage({
      expected: { algorithm: 'sha512', hex },
      statFs: async () => ({ bavail: 1024, bsize: 4096 }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageCacheError);
    expect(server.servedBytes).toBeLessThan(SIZE_BYTES);
  });

  it('shares one download between concurrent calls for the same digest', async () => {
    const [a, b] = await Promise.all([fetchImage(), fetchImage()]);
    expect(a.path).toBe(b.path);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects a digest that is not hex of the algorithm length before any request', async () => {
    await expect(fetchImage({ expected: { algorithm: 'sha256', hex: '../../etc/passwd' } })).rejects.toThrow(
      ImageVerifyError,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('ends at once when the caller aborts, keeping the part', async () => {
    const controller = new AbortController();
    const error = await fetchImage({
      signal: controller.signal,
      onProgress: (p) => {
        if (p.doneBytes > 2 ** 20) controller.abort(new Error('stop'));
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('stop');
    expect(existsSync(path.join(cacheDir, 'sha512', hex))).toBe(false);
  });
});
