// The accounting outbox: a directory queue laid out exactly like Python dirq's QueueSimple, which SSM reads.
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { FedstackError } from '../../errors.js';

const DIRECTORY_NAME = /^[0-9a-f]{8}$/;
const ELEMENT_NAME = /^[0-9a-f]{14}$/;
const QUALIFIED_NAME = /^[0-9a-f]{8}\/[0-9a-f]{14}$/;
const TEMPORARY_SUFFIX = '.tmp';
const LOCKED_SUFFIX = '.lck';

/** Options of {@link DirqOutbox}; the defaults are dirq's. */
export interface DirqOutboxOptions {
  /** Seconds of insertion time per intermediate directory; default 60. */
  readonly granularitySeconds?: number;
  /** The last hex digit of every element name, 0..15; default random, as dirq picks it. */
  readonly rndhex?: number;
  /** Wall clock in milliseconds since the epoch, with a sub-millisecond fraction; for tests. */
  readonly nowMs?: () => number;
}

/** Ages after which {@link DirqOutbox.purge} clears leftovers; dirq's defaults. */
export interface PurgeOptions {
  /** A `.tmp` file older than this is removed; 0 keeps them. Default 300. */
  readonly maxTempSeconds?: number;
  /** A lock older than this is released; 0 keeps them. Default 600. */
  readonly maxLockSeconds?: number;
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

function ioError(operation: string, file: string, error: unknown): FedstackError {
  const reason = error instanceof Error ? error.message : String(error);
  return new FedstackError('OUTBOX_IO', `cannot ${operation} ${file}: ${reason}`, { cause: error });
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * An outgoing message queue on disk, byte-compatible with Python dirq's
 * `QueueSimple` as APEL SSM uses it (§4), so `ssmsend` can send what we
 * queue and we can send what cASO queued. An element is a file
 * `<dir>/<8 hex: insertion epoch rounded down to the granularity>/<8 hex
 * seconds><5 hex microseconds><1 hex digit>`; it is written as `<name>.tmp`
 * then hard-linked to its name; a lock is a hard link `<name>.lck`.
 *
 * @example
 * const outbox = new DirqOutbox('/var/spool/apel/outgoing/openstack');
 * await outbox.add(serializeCloudMessage(records));
 * for await (const name of outbox.elements()) {
 *   if (!(await outbox.lock(name))) continue;
 *   await send(await outbox.get(name));
 *   await outbox.remove(name);
 * }
 */
export class DirqOutbox {
  readonly dir: string;
  private readonly granularitySeconds: number;
  private readonly rndhex: number;
  private readonly nowMs: () => number;
  private lastMicros = 0;

  constructor(dir: string, options: DirqOutboxOptions = {}) {
    this.dir = dir;
    this.granularitySeconds = options.granularitySeconds ?? 60;
    this.rndhex = (options.rndhex ?? randomInt(16)) & 15;
    this.nowMs = options.nowMs ?? (() => performance.timeOrigin + performance.now());
  }

  /**
   * Queues `body` (written as UTF-8) and returns its element name
   * `<dir>/<file>`. Resolves only when the file and its directory entries are
   * on disk (fsync), so a caller may move a watermark right after.
   * @throws FedstackError `OUTBOX_IO` naming the path that could not be written
   */
  async add(body: string): Promise<string> {
    const micros = this.nextMicros();
    const seconds = Math.floor(micros / 1e6);
    const dirName = hex(seconds - (this.granularitySeconds > 1 ? seconds % this.granularitySeconds : 0), 8);
    const dirPath = path.join(this.dir, dirName);
    await this.makeDirectory(dirPath);
    const temporary = await this.writeTemporary(dirPath, body);
    for (;;) {
      const name = this.elementName(this.nextMicros());
      const final = path.join(dirPath, name);
      try {
        await fs.link(temporary, final);
      } catch (error) {
        if (errorCode(error) === 'EEXIST') continue; // another writer took the name: pick a new one
        throw ioError('link', final, error);
      }
      await fs.unlink(temporary).catch((error: unknown) => {
        throw ioError('remove', temporary, error);
      });
      await syncDirectory(dirPath);
      return `${dirName}/${name}`;
    }
  }

  /** The element names, oldest first (dirq's order: by directory, then by name). */
  async *elements(): AsyncGenerator<string> {
    for (const dirName of await this.intermediateDirectories()) {
      let names: string[];
      try {
        names = await fs.readdir(path.join(this.dir, dirName));
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue; // purged meanwhile
        throw ioError('list', path.join(this.dir, dirName), error);
      }
      for (const name of names.filter((n) => ELEMENT_NAME.test(n)).sort()) yield `${dirName}/${name}`;
    }
  }

  /**
   * Locks an element for this process (a hard link `<name>.lck`, as dirq does).
   * @returns false when another process holds the lock or the element is gone
   * @throws FedstackError `OUTBOX_IO` on any other failure
   */
  async lock(name: string): Promise<boolean> {
    const file = this.pathOf(name);
    try {
      await fs.link(file, file + LOCKED_SUFFIX);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST' || code === 'ENOENT') return false;
      throw ioError('lock', file, error);
    }
    try {
      // dirq touches a locked element so that purge measures the lock's age from now
      const now = new Date(this.nowMs());
      await fs.utimes(file, now, now);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw ioError('touch', file, error);
      await fs.unlink(file + LOCKED_SUFFIX).catch(() => undefined); // removed under our feet
      return false;
    }
    return true;
  }

  /**
   * Releases a lock taken by {@link lock}.
   * @throws FedstackError `OUTBOX_IO` when the element is not locked
   */
  async unlock(name: string): Promise<void> {
    const lock = this.pathOf(name) + LOCKED_SUFFIX;
    await fs.unlink(lock).catch((error: unknown) => {
      throw ioError('unlock', lock, error);
    });
  }

  /**
   * Reads a locked element's body (UTF-8).
   * @throws FedstackError `OUTBOX_IO` when it cannot be read, e.g. is not locked
   */
  async get(name: string): Promise<string> {
    const lock = this.pathOf(name) + LOCKED_SUFFIX;
    try {
      return await fs.readFile(lock, 'utf8');
    } catch (error) {
      throw ioError('read (is the element locked?)', lock, error);
    }
  }

  /**
   * Removes a locked element and its lock.
   * @throws FedstackError `OUTBOX_IO` when either cannot be removed
   */
  async remove(name: string): Promise<void> {
    const file = this.pathOf(name);
    for (const target of [file, file + LOCKED_SUFFIX]) {
      await fs.unlink(target).catch((error: unknown) => {
        throw ioError('remove', target, error);
      });
    }
  }

  /**
   * Cleans up as dirq's `purge()` does: removes `.tmp` files older than
   * `maxTempSeconds` (a writer died), releases locks older than
   * `maxLockSeconds` (a sender died), and removes every empty intermediate
   * directory except the newest.
   * @throws FedstackError `OUTBOX_IO` naming the path that could not be cleaned
   */
  async purge(options: PurgeOptions = {}): Promise<void> {
    const maxTempSeconds = options.maxTempSeconds ?? 300;
    const maxLockSeconds = options.maxLockSeconds ?? 600;
    const nowSeconds = this.nowMs() / 1000;
    const dirs = await this.intermediateDirectories();
    for (const dirName of dirs) {
      const dirPath = path.join(this.dir, dirName);
      for (const name of await readdirIfPresent(dirPath)) {
        const maxAgeSeconds = name.endsWith(TEMPORARY_SUFFIX)
          ? maxTempSeconds
          : name.endsWith(LOCKED_SUFFIX)
            ? maxLockSeconds
            : 0;
        if (maxAgeSeconds > 0) await removeIfOlder(path.join(dirPath, name), nowSeconds - maxAgeSeconds);
      }
    }
    for (const dirName of dirs.slice(0, -1)) {
      const dirPath = path.join(this.dir, dirName);
      if ((await readdirIfPresent(dirPath)).length > 0) continue;
      await fs.rmdir(dirPath).catch((error: unknown) => {
        // ENOTEMPTY: a writer put an element there meanwhile
        if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTEMPTY')
          throw ioError('remove', dirPath, error);
      });
    }
  }

  /** Number of elements, locked or not (temporary files aside). */
  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.elements()) n++;
    return n;
  }

  private pathOf(name: string): string {
    if (!QUALIFIED_NAME.test(name)) {
      throw new FedstackError(
        'OUTBOX_IO',
        `not an outbox element name: ${JSON.stringify(name)} in ${this.dir}`,
      );
    }
    return path.join(this.dir, name);
  }

  // Microseconds since the epoch, strictly increasing within this outbox so
  // that our own elements sort in the order they were added.
  private nextMicros(): number {
    const micros = Math.max(Math.floor(this.nowMs() * 1000), this.lastMicros + 1);
    this.lastMicros = micros;
    return micros;
  }

  private elementName(micros: number): string {
    const seconds = Math.floor(micros / 1e6);
    return hex(seconds, 8) + hex(micros - seconds * 1e6, 5) + hex(this.rndhex, 1);
  }

  private async intermediateDirectories(): Promise<string[]> {
    return (await readdirIfPresent(this.dir)).filter((n) => DIRECTORY_NAME.test(n)).sort();
  }

  private async makeDirectory(dirPath: string): Promise<void> {
    let created: string | undefined;
    try {
      created = await fs.mkdir(dirPath, { recursive: true });
    } catch (error) {
      throw ioError('create directory', dirPath, error);
    }
    // a new directory entry is durable only once its parent is synced: sync the
    // parent of every directory this call created, from the deepest up
    if (created !== undefined) {
      const top = path.resolve(created);
      for (let dir = path.resolve(dirPath); ; dir = path.dirname(dir)) {
        await syncDirectory(path.dirname(dir));
        if (dir === top || path.dirname(dir) === dir) break;
      }
    }
  }

  private async writeTemporary(dirPath: string, body: string): Promise<string> {
    for (;;) {
      const temporary = path.join(dirPath, this.elementName(this.nextMicros()) + TEMPORARY_SUFFIX);
      let handle: FileHandle;
      try {
        handle = await fs.open(temporary, 'wx', 0o666);
      } catch (error) {
        if (errorCode(error) === 'EEXIST') continue;
        if (errorCode(error) === 'ENOENT') {
          await this.makeDirectory(dirPath); // purged between mkdir and open
          continue;
        }
        throw ioError('create', temporary, error);
      }
      try {
        await handle.writeFile(body, 'utf8');
        await handle.sync();
      } catch (error) {
        await handle.close().catch(() => undefined);
        await fs.unlink(temporary).catch(() => undefined);
        throw ioError('write', temporary, error);
      }
      await handle.close();
      return temporary;
    }
  }
}

async function syncDirectory(dirPath: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(dirPath, 'r');
    await handle.sync();
  } catch (error) {
    throw ioError('sync', dirPath, error);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function readdirIfPresent(dirPath: string): Promise<string[]> {
  try {
    return await fs.readdir(dirPath);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw ioError('list', dirPath, error);
  }
}

async function removeIfOlder(file: string, cutoffSeconds: number): Promise<void> {
  try {
    const stat = await fs.stat(file);
    if (stat.mtimeMs / 1000 >= cutoffSeconds) return;
    await fs.unlink(file);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw ioError('purge', file, error);
  }
}
