// Watermarks: per (site, region, project, record type), the end of the last window whose messages are in the outbox.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { FedstackError } from '../../errors.js';
import { writeAtomically } from '../write-atomically.js';

/** Record types with their own watermark. */
export type RecordType = 'cloud' | 'ip' | 'accelerator' | 'storage';

/** The identity of one watermark. */
export interface WatermarkKey {
  readonly site: string;
  readonly region: string;
  readonly projectId: string;
  readonly recordType: RecordType;
}

function fileOf(dir: string, key: WatermarkKey): string {
  const name = [key.site, key.region, key.projectId, key.recordType]
    .map((p) => encodeURIComponent(p))
    .join('__');
  return path.join(dir, `${name}.json`);
}

/** A directory of watermark files, each replaced atomically and durably ({@link writeAtomically}). */
export class WatermarkStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * The watermark (epoch s), or undefined when none was written.
   * @throws FedstackError `STATE_IO` naming the file when it exists but is unreadable or corrupt.
   */
  async get(key: WatermarkKey): Promise<number | undefined> {
    const file = fileOf(this.dir, key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new FedstackError('STATE_IO', `cannot read watermark ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      const value = (JSON.parse(text) as { extractedTo?: unknown }).extractedTo;
      const ms = typeof value === 'string' ? Date.parse(value) : NaN;
      if (Number.isNaN(ms)) throw new Error('no extractedTo time');
      return ms / 1000;
    } catch (error) {
      throw new FedstackError(
        'STATE_IO',
        `watermark ${file} is corrupt (${(error as Error).message}); delete it to re-extract from the default start`,
        { cause: error },
      );
    }
  }

  /** Durably records that everything up to `extractedTo` (epoch s) is in the outbox. */
  async set(key: WatermarkKey, extractedTo: number): Promise<void> {
    const file = fileOf(this.dir, key);
    try {
      await mkdir(this.dir, { recursive: true });
      const body = JSON.stringify({ ...key, extractedTo: new Date(extractedTo * 1000).toISOString() }) + '\n';
      await writeAtomically(file, body);
    } catch (error) {
      throw new FedstackError('STATE_IO', `cannot write watermark ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
