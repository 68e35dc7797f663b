/**
 * The download half of the image cache: streams an image to `<cacheDir>/partial/<hex>.part` while
 * hashing it, resumes an interrupted part with `Range`, checks size and digest, and renames the
 * verified file to `<cacheDir>/<algorithm>/<hex>`. One cache serves every site of a run, and a
 * file verified once is trusted again from its sidecar (no re-hash: atrope re-read each image on
 * every run, images.md §5.2). Memory stays at a few chunks whatever the image size.
 * @module
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { ImageHashAlgorithm } from '../../formats/imagelist/index.js';
import { HttpClient, HttpError, contentLengthOf, type HttpStreamResponse } from '../../http/index.js';
import { silentLogger, type Logger } from '../../log.js';
import { redactUrl } from '../../redact-url.js';
import {
  cachePathsOf,
  ensureFreeSpace,
  isDigestHex,
  lookUpCached,
  sizeOf,
  writeSidecar,
  type CachePaths,
  type StatFs,
} from './cache-entry.js';
import { ImageCacheError, ImageVerifyError } from './image-errors.js';

/** What the image list says the file is: digest and, when known, size. */
export interface ExpectedImage {
  readonly algorithm: ImageHashAlgorithm;
  /** The digest in hex (either case). */
  readonly hex: string;
  readonly sizeBytes?: number;
}

/** How far a download has come; `doneBytes` counts a resumed part's bytes too. */
export interface DownloadProgress {
  readonly doneBytes: number;
  readonly totalBytes: number | undefined;
}

/** Options of {@link fetchToCache}. */
export interface FetchToCacheOptions {
  readonly url: string;
  readonly expected: ExpectedImage;
  readonly cacheDir: string;
  /** Default: a client of its own (Node's CA roots). */
  readonly httpClient?: HttpClient;
  /** Extra request headers (e.g. `Authorization` of a list's token); never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Time limit of each request including its whole body, ms; default 6 h. */
  readonly requestTimeoutMs?: number;
  /** Longest wait for the answer or for the next bytes of the body, ms; default 60 000. */
  readonly stallTimeoutMs?: number;
  /** Resumptions (`Range` requests) after the transfer broke off, within this call; default 3. */
  readonly maxResumes?: number;
  /** Bytes the download must leave free on the cache's file system; default 1 GiB. */
  readonly freeSpaceMarginBytes?: number;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly logger?: Logger;
  /** @internal Free-space probe; default `fs.statfs`. */
  readonly statFs?: StatFs;
}

/** A verified file of the cache. */
export interface CachedImage {
  readonly path: string;
  readonly algorithm: ImageHashAlgorithm;
  readonly hex: string;
  readonly sizeBytes: number;
  /** `cache`: trusted from its sidecar (or re-hashed once); `download`: fetched by this call. */
  readonly source: 'cache' | 'download';
  /** HTTP requests this call sent (0 for a cache hit). */
  readonly requests: number;
  /** Body bytes this call received (a resumed part's earlier bytes not counted). */
  readonly receivedBytes: number;
}

const GIB = 2 ** 30;
/** Bytes the part's file stream buffers before it asks the body to wait. */
const WRITE_HIGH_WATER_MARK = 4 << 20;
/** Bytes written between two background flushes of the part (so the final fsync finds little to do). */
const FLUSH_EVERY_BYTES = 256 << 20;
const inFlight = new Map<string, Promise<CachedImage>>();

/** The state of one download across its requests. */
interface Transfer {
  readonly options: FetchToCacheOptions;
  readonly expected: ExpectedImage & { readonly hex: string };
  readonly paths: CachePaths;
  readonly logger: Logger;
  readonly client: HttpClient;
  hash: ThreadedHash;
  doneBytes: number;
  totalBytes: number | undefined;
  requests: number;
  receivedBytes: number;
}

/** Why a request is ended by us: no bytes for `stallTimeoutMs`. */
class StallTimeout extends Error {}

/** Bytes handed to the hashing thread at a time, and how many such batches may wait there. */
const HASH_BATCH_BYTES = 1 << 20;
const HASH_BATCHES_IN_FLIGHT = 4;

// The hashing thread: batches come as transferred ArrayBuffers and go back (for reuse) once hashed.
const HASH_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
let hash = createHash(workerData.algorithm);
parentPort.on('message', (m) => {
  try {
    if (m.type === 'data') {
      hash.update(new Uint8Array(m.buffer, 0, m.length));
      parentPort.postMessage({ type: 'ack', buffer: m.buffer }, [m.buffer]);
    } else if (m.type === 'file') {
      const fd = openSync(m.path, 'r');
      const buffer = Buffer.allocUnsafe(${4 << 20});
      try {
        for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n));
      } finally {
        closeSync(fd);
      }
      parentPort.postMessage({ type: 'done' });
    } else if (m.type === 'reset') {
      hash = createHash(workerData.algorithm);
      parentPort.postMessage({ type: 'done' });
    } else if (m.type === 'digest') {
      parentPort.postMessage({ type: 'done', hex: hash.digest('hex') });
    }
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message || error) });
  }
});
`;

type HashWorkerMessage =
  { type: 'ack'; buffer: ArrayBuffer } | { type: 'done'; hex?: string } | { type: 'error'; message: string };

/**
 * A hash computed on a thread of its own, so that hashing (the bottleneck of a fast download)
 * runs beside the receiving and writing of the body instead of taking turns with them. Bytes are
 * copied into 1 MiB batches; {@link update} returns a promise only when the thread lags by
 * `HASH_BATCHES_IN_FLIGHT` batches (back-pressure without a promise per chunk).
 */
class ThreadedHash {
  private readonly worker: Worker;
  private readonly free: ArrayBuffer[] = [];
  private batch: Uint8Array | undefined;
  private batchBytes = 0;
  private inFlight = 0;
  private failure: Error | undefined;
  private onAck: (() => void) | undefined;
  private readonly replies: { resolve: (hex?: string) => void; reject: (error: Error) => void }[] = [];

  constructor(algorithm: ImageHashAlgorithm) {
    this.worker = new Worker(HASH_WORKER_SOURCE, { eval: true, workerData: { algorithm } });
    this.worker.on('message', (m: HashWorkerMessage) => {
      if (m.type === 'ack') {
        this.inFlight--;
        this.free.push(m.buffer);
        const wake = this.onAck;
        this.onAck = undefined;
        wake?.();
      } else if (m.type === 'done') this.replies.shift()?.resolve(m.hex);
      else this.fail(new Error(`hashing failed: ${m.message}`));
    });
    this.worker.on('error', (error: Error) => this.fail(error));
    this.worker.on('exit', () => this.fail(new Error('the hashing thread ended')));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const reply of this.replies.splice(0)) reply.reject(error);
    const wake = this.onAck;
    this.onAck = undefined;
    wake?.();
  }

  /** Hashes `chunk` (copied; the caller may reuse it); a promise when the caller must wait first. */
  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    for (let at = 0; at < chunk.byteLength;) {
      this.batch ??= new Uint8Array(this.free.pop() ?? new ArrayBuffer(HASH_BATCH_BYTES));
      const n = Math.min(chunk.byteLength - at, HASH_BATCH_BYTES - this.batchBytes);
      this.batch.set(chunk.subarray(at, at + n), this.batchBytes);
      this.batchBytes += n;
      at += n;
      if (this.batchBytes === HASH_BATCH_BYTES) this.send();
    }
    return this.inFlight >= HASH_BATCHES_IN_FLIGHT ? this.drain() : undefined;
  }

  private send(): void {
    if (!this.batch || this.batchBytes === 0) return;
    const buffer = this.batch.buffer as ArrayBuffer;
    this.worker.postMessage({ type: 'data', buffer, length: this.batchBytes }, [buffer]);
    this.inFlight++;
    this.batch = undefined;
    this.batchBytes = 0;
  }

  private async drain(): Promise<void> {
    while (this.inFlight >= HASH_BATCHES_IN_FLIGHT && !this.failure)
      await new Promise<void>((resolve) => (this.onAck = resolve));
    if (this.failure) throw this.failure;
  }

  private ask(message: Record<string, unknown>): Promise<string | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    this.send();
    return new Promise((resolve, reject) => {
      this.replies.push({ resolve, reject });
      this.worker.postMessage(message);
    });
  }

  /** Hashes the bytes of `file` (read on the hashing thread). */
  async updateFromFile(file: string): Promise<void> {
    await this.ask({ type: 'file', path: file });
  }

  /** Forgets every byte hashed so far. */
  async reset(): Promise<void> {
    this.batch = undefined;
    this.batchBytes = 0;
    await this.ask({ type: 'reset' });
  }

  /** The lower-case hex digest of every byte given. */
  async digest(): Promise<string> {
    return (await this.ask({ type: 'digest' })) ?? '';
  }

  /** Ends the thread. */
  async close(): Promise<void> {
    this.failure ??= new Error('the hash is closed');
    await this.worker.terminate();
  }
}

/** Resolves with `promise`, or rejects at once with the reason when `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Returns the cached file of `expected`'s digest, downloading it from `url` first when the cache
 * has none. The body streams into a part file while it is hashed; a part left by an interrupted
 * run is resumed with `Range: bytes=N-` (its bytes hashed once to rebuild the state; a server that
 * answers 200 instead of 206 is read from the start). A transfer that breaks off is resumed within
 * the call up to `maxResumes` times. Concurrent calls for one digest share one download.
 * @example const image = await fetchToCache({ url, expected: { algorithm: 'sha512', hex, sizeBytes }, cacheDir: '/var/cache/fedstack/images' })
 * @throws ImageVerifyError `IMAGE_VERIFY_FAILED` on a size or digest mismatch (the part is removed).
 * @throws ImageCacheError `IMAGE_CACHE_IO` when the cache cannot be written or lacks free space.
 * @throws HttpError `HTTP_REQUEST_FAILED` when the server fails or the transfer keeps breaking off
 *   (the part is kept for the next call to resume).
 */
export async function fetchToCache(options: FetchToCacheOptions): Promise<CachedImage> {
  const { algorithm } = options.expected;
  const hex = options.expected.hex.toLowerCase();
  if (!isDigestHex(algorithm, hex))
    throw new ImageVerifyError(options.url, 'checksum', `a ${algorithm} hex digest`, options.expected.hex);
  const paths = cachePathsOf(options.cacheDir, algorithm, hex);
  const running = inFlight.get(paths.file);
  if (running) return await untilAborted(running, options.signal);
  const task = fetchOnce(options, { ...options.expected, hex }, paths).finally(() =>
    inFlight.delete(paths.file),
  );
  inFlight.set(paths.file, task);
  return await task;
}

async function fetchOnce(
  options: FetchToCacheOptions,
  expected: ExpectedImage & { readonly hex: string },
  paths: CachePaths,
): Promise<CachedImage> {
  const logger = options.logger ?? silentLogger;
  const { algorithm, hex } = expected;
  const url = redactUrl(options.url);
  try {
    await mkdir(path.dirname(paths.file), { recursive: true });
    await mkdir(path.dirname(paths.part), { recursive: true });
  } catch (error) {
    throw new ImageCacheError(options.cacheDir, 'cannot create the cache directories', { cause: error });
  }
  const cached = await lookUpCached(paths, algorithm, hex, options.url);
  if (cached.kind === 'hit') {
    if (expected.sizeBytes !== undefined && cached.sizeBytes !== expected.sizeBytes)
      throw new ImageVerifyError(options.url, 'size', `${expected.sizeBytes} bytes`, `${cached.sizeBytes}`);
    logger.debug({ url, hex, isRehashed: cached.isRehashed }, 'image found in the cache');
    return {
      path: paths.file,
      algorithm,
      hex,
      sizeBytes: cached.sizeBytes,
      source: 'cache',
      requests: 0,
      receivedBytes: 0,
    };
  }
  const transfer: Transfer = {
    options,
    expected,
    paths,
    logger,
    client: options.httpClient ?? new HttpClient(),
    hash: new ThreadedHash(algorithm),
    doneBytes: 0,
    totalBytes: expected.sizeBytes,
    requests: 0,
    receivedBytes: 0,
  };
  const started = performance.now();
  let sizeBytes: number;
  try {
    await adoptPart(transfer);
    if (expected.sizeBytes !== undefined)
      await ensureFreeSpace(
        options.cacheDir,
        expected.sizeBytes - transfer.doneBytes,
        options.freeSpaceMarginBytes ?? GIB,
        url,
        options.statFs,
      );
    if (expected.sizeBytes === undefined || transfer.doneBytes < expected.sizeBytes) await download(transfer);
    sizeBytes = await finish(transfer);
  } finally {
    await transfer.hash.close();
  }
  const seconds = (performance.now() - started) / 1000;
  logger.info(
    {
      url,
      hex,
      sizeBytes,
      seconds: Math.round(seconds),
      mibPerSecond: Math.round(transfer.receivedBytes / 2 ** 20 / seconds),
    },
    'image downloaded and verified',
  );
  return {
    path: paths.file,
    algorithm,
    hex,
    sizeBytes,
    source: 'download',
    requests: transfer.requests,
    receivedBytes: transfer.receivedBytes,
  };
}

/** Takes over a part file of an earlier run: its bytes hashed once, so the download resumes after them. */
async function adoptPart(transfer: Transfer): Promise<void> {
  const { paths, expected } = transfer;
  const partBytes = await sizeOf(paths.part);
  if (partBytes === undefined || partBytes === 0) return;
  if (expected.sizeBytes !== undefined && partBytes > expected.sizeBytes) {
    await rm(paths.part, { force: true });
    return;
  }
  await transfer.hash.updateFromFile(paths.part);
  transfer.doneBytes = partBytes;
  transfer.logger.info({ url: redactUrl(transfer.options.url), partBytes }, 'resuming an image download');
}

/** Forgets the part: the next request starts from byte 0. */
async function restart(transfer: Transfer): Promise<void> {
  await rm(transfer.paths.part, { force: true });
  await transfer.hash.reset();
  transfer.doneBytes = 0;
}

function isResumable(error: unknown): boolean {
  if (error instanceof ImageVerifyError || error instanceof ImageCacheError) return false;
  if (error instanceof HttpError) return error.kind === 'network' || error.kind === 'timeout';
  return true;
}

/** Requests until the body is complete, resuming after breaks; the part then holds every byte. */
async function download(transfer: Transfer): Promise<void> {
  const { options } = transfer;
  const maxResumes = options.maxResumes ?? 3;
  for (let resumes = 0; ; resumes++) {
    try {
      await requestOnce(transfer);
      return;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (!isResumable(error) || resumes >= maxResumes) throw asHttpError(transfer, error);
      transfer.logger.warn(
        {
          url: redactUrl(options.url),
          doneBytes: transfer.doneBytes,
          resume: resumes + 1,
          reason: String(error),
        },
        'image download broke off; resuming',
      );
      // what reached the disk decides where to resume, should a write not have landed
      const onDisk = (await sizeOf(transfer.paths.part)) ?? 0;
      if (onDisk !== transfer.doneBytes) {
        await restart(transfer);
        await adoptPart(transfer);
      }
      await sleep(Math.min(5_000, 250 * 2 ** resumes), undefined, { signal: options.signal });
    }
  }
}

function asHttpError(transfer: Transfer, error: unknown): unknown {
  if (error instanceof ImageVerifyError || error instanceof ImageCacheError || error instanceof HttpError)
    return error;
  const isStall = error instanceof StallTimeout;
  return new HttpError(
    {
      kind: isStall ? 'timeout' : 'network',
      method: 'GET',
      url: transfer.options.url,
      attempts: transfer.requests,
    },
    `${isStall ? error.message : 'the transfer broke off'} after ${transfer.doneBytes} of ` +
      `${transfer.totalBytes ?? 'unknown'} bytes; the part is kept for a resume`,
    { cause: error },
  );
}

/** Parses `Content-Range: bytes <start>-<end>/<total|*>`. */
function parseContentRange(value: string | null): { start: number; total: number | undefined } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  return { start: Number(match[1]), total: match[3] === '*' ? undefined : Number(match[3]) };
}

/** Sends one GET (with `Range` when resuming) and appends its body to the part. */
async function requestOnce(transfer: Transfer): Promise<void> {
  const { options, expected } = transfer;
  const stallMs = options.stallTimeoutMs ?? 60_000;
  const stall = new AbortController();
  const timer = setTimeout(() => stall.abort(new StallTimeout(`no bytes for ${stallMs} ms`)), stallMs);
  const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
  const resumeFrom = transfer.doneBytes;
  try {
    let res: HttpStreamResponse;
    try {
      transfer.requests++;
      res = await transfer.client.requestStream({
        method: 'GET',
        url: options.url,
        // identity: a gzip-encoded body would not match the size and digest of the image
        headers: {
          'accept-encoding': 'identity',
          ...options.headers,
          ...(resumeFrom > 0 ? { range: `bytes=${resumeFrom}-` } : {}),
        },
        signal,
        timeoutMs: options.requestTimeoutMs ?? 6 * 3600_000,
        redirect: 'follow',
      });
    } catch (error) {
      if (stall.signal.aborted) throw stall.signal.reason;
      // 416: the part is no prefix of what the server has; start over
      if (error instanceof HttpError && error.status === 416 && resumeFrom > 0) {
        await restart(transfer);
        throw new Error(`the server refused Range bytes=${resumeFrom}- (416)`, { cause: error });
      }
      throw error;
    }
    const total = await checkAnswer(transfer, res, resumeFrom);
    transfer.totalBytes = total;
    const needed = (total ?? 0) - transfer.doneBytes;
    if (needed > 0 && expected.sizeBytes === undefined)
      await ensureFreeSpace(
        options.cacheDir,
        needed,
        options.freeSpaceMarginBytes ?? GIB,
        redactUrl(options.url),
        options.statFs,
      );
    await appendBody(transfer, res, timer);
    if (total !== undefined && transfer.doneBytes < total)
      throw new Error(`the body ended after ${transfer.doneBytes} of ${total} bytes`);
  } finally {
    clearTimeout(timer);
  }
}

/** Drops an unread body (its connection closed rather than drained). */
function dropBody(res: HttpStreamResponse): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}

/**
 * Checks the answer against the part and the expected size; returns the total size it announces.
 * A 200 to a Range request restarts the part (the server sends everything).
 */
async function checkAnswer(
  transfer: Transfer,
  res: HttpStreamResponse,
  resumeFrom: number,
): Promise<number | undefined> {
  const { options, expected } = transfer;
  let total: number | undefined;
  if (resumeFrom > 0 && res.status === 206) {
    const range = parseContentRange(res.headers.get('content-range'));
    if (range === undefined || range.start !== resumeFrom) {
      dropBody(res);
      await restart(transfer);
      throw new Error(
        `the server answered Range bytes=${resumeFrom}- with Content-Range ${res.headers.get('content-range')}`,
      );
    }
    total = range.total;
    const length = contentLengthOf(res.headers);
    if (total !== undefined && length !== undefined && length !== total - resumeFrom) {
      dropBody(res);
      throw new Error(
        `Content-Length ${length} does not fit Content-Range ${res.headers.get('content-range')}`,
      );
    }
  } else if (res.status === 200) {
    if (resumeFrom > 0) {
      transfer.logger.info(
        { url: redactUrl(options.url) },
        'the server ignored Range; downloading from the start',
      );
      await restart(transfer);
    }
    total = contentLengthOf(res.headers);
  } else {
    dropBody(res);
    throw new HttpError(
      { kind: 'status', method: 'GET', url: options.url, status: res.status, attempts: transfer.requests },
      `answered ${res.status} instead of the image`,
    );
  }
  if (expected.sizeBytes !== undefined && total !== undefined && total !== expected.sizeBytes) {
    dropBody(res);
    await rm(transfer.paths.part, { force: true });
    throw new ImageVerifyError(
      options.url,
      'size',
      `${expected.sizeBytes} bytes`,
      `${total} (Content-Length)`,
    );
  }
  return total ?? expected.sizeBytes;
}

/**
 * Streams the body into the part (appending), hashing each chunk once on the hashing thread while
 * the file stream writes it. Chunks arrive as events; the body is paused only while the file
 * stream or the hashing thread lags behind (back-pressure without a promise per chunk).
 */
async function appendBody(
  transfer: Transfer,
  res: HttpStreamResponse,
  stallTimer: NodeJS.Timeout,
): Promise<void> {
  const { options, expected, paths } = transfer;
  const out = createWriteStream(paths.part, {
    flags: transfer.doneBytes > 0 ? 'a' : 'w',
    highWaterMark: WRITE_HIGH_WATER_MARK,
  });
  let writeError: unknown;
  out.on('error', (error) => (writeError ??= error));
  const limit = expected.sizeBytes ?? transfer.totalBytes;
  const body = res.body;
  const flusher = new BackgroundFlush(paths.part);
  try {
    await new Promise<void>((resolve, reject) => {
      let isSettled = false;
      const settle = (error?: unknown): void => {
        if (isSettled) return;
        isSettled = true;
        body.off('data', onData);
        if (error === undefined) resolve();
        else {
          dropBody(res);
          reject(error as Error);
        }
      };
      const onData = (chunk: Buffer): void => {
        try {
          stallTimer.refresh();
          if (writeError !== undefined) throw writeError;
          transfer.doneBytes += chunk.byteLength;
          transfer.receivedBytes += chunk.byteLength;
          if (limit !== undefined && transfer.doneBytes > limit)
            throw new ImageVerifyError(
              options.url,
              'size',
              `${limit} bytes`,
              `more (${transfer.doneBytes} so far)`,
            );
          const hashing = transfer.hash.update(chunk);
          const isWritable = out.write(chunk);
          options.onProgress?.({ doneBytes: transfer.doneBytes, totalBytes: transfer.totalBytes });
          flusher.wrote(chunk.byteLength);
          if (isWritable && !hashing) return;
          body.pause();
          Promise.all([isWritable ? undefined : once(out, 'drain'), hashing]).then(
            () => body.resume(),
            settle,
          );
        } catch (error) {
          settle(error);
        }
      };
      body.on('data', onData);
      body.once('end', () => settle());
      body.once('error', settle);
      body.once('close', () => settle(new Error('the connection closed before the body ended')));
    });
  } catch (error) {
    if (error instanceof ImageVerifyError) {
      out.destroy();
      await rm(paths.part, { force: true });
      throw error;
    }
    // keep what was received: every counted byte is flushed, so a resume starts right after it
    await closeStream(out).catch(() => undefined);
    await flusher.close();
    throw writeError === undefined
      ? error
      : new ImageCacheError(paths.part, 'cannot be written', { cause: writeError });
  }
  try {
    await closeStream(out);
  } catch (error) {
    throw new ImageCacheError(paths.part, 'cannot be written', { cause: error });
  } finally {
    await flusher.close();
  }
}

/**
 * Flushes a file being written to disk in the background every `FLUSH_EVERY_BYTES`, one flush at
 * a time, so that the disk writes overlap the download and the final fsync is short. Its errors
 * are left to that final fsync to report.
 */
class BackgroundFlush {
  private handle: Promise<FileHandle | undefined> | undefined;
  private flushing: Promise<void> | undefined;
  private sinceFlushBytes = 0;

  constructor(private readonly file: string) {}

  wrote(bytes: number): void {
    this.sinceFlushBytes += bytes;
    if (this.sinceFlushBytes < FLUSH_EVERY_BYTES || this.flushing) return;
    this.sinceFlushBytes = 0;
    this.handle ??= open(this.file, 'r').catch(() => undefined);
    const handle = this.handle;
    this.flushing = handle
      .then((h) => h?.datasync())
      .catch(() => undefined)
      .finally(() => (this.flushing = undefined));
  }

  async close(): Promise<void> {
    await this.flushing;
    await (await this.handle)?.close().catch(() => undefined);
    this.handle = undefined;
  }
}

function closeStream(out: ReturnType<typeof createWriteStream>): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.destroyed) return reject(new Error('the file stream was destroyed'));
    out.end((error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** Checks size and digest of the complete part, then makes it the cache file. */
async function finish(transfer: Transfer): Promise<number> {
  const { options, expected, paths } = transfer;
  const actualHex = await transfer.hash.digest();
  if (expected.sizeBytes !== undefined && transfer.doneBytes !== expected.sizeBytes) {
    await rm(paths.part, { force: true });
    throw new ImageVerifyError(options.url, 'size', `${expected.sizeBytes} bytes`, `${transfer.doneBytes}`);
  }
  if (actualHex !== expected.hex) {
    await rm(paths.part, { force: true });
    transfer.logger.warn(
      { url: redactUrl(options.url), expected: expected.hex, found: actualHex },
      'image checksum mismatch',
    );
    throw new ImageVerifyError(options.url, 'checksum', `${expected.algorithm} ${expected.hex}`, actualHex);
  }
  try {
    const handle = await open(paths.part, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(paths.part, paths.file);
    return await writeSidecar(paths, expected.algorithm, expected.hex, options.url);
  } catch (error) {
    throw new ImageCacheError(paths.file, 'cannot be stored', { cause: error });
  }
}
