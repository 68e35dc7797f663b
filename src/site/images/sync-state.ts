/**
 * What the image sync remembers between runs, per source: the `hv:version` and the content digest
 * of the list it last applied, so that a later run refuses a lower version (a rollback or replay of
 * an old signed list) and warns about an equal version with other content (images.md §6). One JSON
 * file per site beside the run lock (`<cache_dir>/sync-<site>.state.json`), replaced atomically and
 * durably ({@link writeAtomically}); an entry is written only after its source was applied without
 * a failed step.
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { FedstackError } from '../../errors.js';
import type { LastAcceptedList } from '../../formats/imagelist/index.js';
import { writeAtomically } from '../write-atomically.js';

/** The last list applied from one source. */
export interface AcceptedListState {
  /** `dc:identifier` of the list. */
  readonly listId?: string;
  /** `hv:version` of the list; absent when the list has none. */
  readonly version?: string;
  /** `sha256:<hex>` of the verified list content ({@link listContentDigest}). */
  readonly contentDigest?: string;
  /** When the run that applied it started, ISO 8601. */
  readonly appliedAt: string;
}

/** The state of one site's image sync. */
export interface ImageSyncState {
  /** By source name. */
  readonly sources: Readonly<Record<string, AcceptedListState>>;
}

const FORMAT = 1;

/** The state file of a site: `<cacheDir>/sync-<site>.state.json`. */
export function imageSyncStateFile(cacheDir: string, site: string): string {
  return path.join(cacheDir, `sync-${encodeURIComponent(site)}.state.json`);
}

/** The digest the state keeps of a list's verified content: `sha256:<hex>` of its text. */
export function listContentDigest(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** What `decideListTrust` compares a newly fetched list of `sourceId` with, or undefined. */
export function lastAcceptedOf(state: ImageSyncState, sourceId: string): LastAcceptedList | undefined {
  const entry = Object.hasOwn(state.sources, sourceId) ? state.sources[sourceId] : undefined;
  if (!entry) return undefined;
  return {
    ...(entry.version !== undefined ? { version: entry.version } : {}),
    ...(entry.contentDigest !== undefined ? { contentDigest: entry.contentDigest } : {}),
  };
}

function isEntry(value: unknown): value is AcceptedListState {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const isOptionalText = (k: string) => v[k] === undefined || typeof v[k] === 'string';
  return (
    typeof v.appliedAt === 'string' &&
    isOptionalText('listId') &&
    isOptionalText('version') &&
    isOptionalText('contentDigest')
  );
}

/**
 * Reads the state; an absent file is an empty state (the first run).
 * @throws FedstackError `STATE_IO` naming the file when it exists but cannot be read or is corrupt
 *   (a run must not forget the versions it accepted: delete the file to start over).
 */
export async function readImageSyncState(file: string): Promise<ImageSyncState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { sources: {} };
    throw new FedstackError('STATE_IO', `cannot read image sync state ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const parsed = JSON.parse(text) as { format?: unknown; sources?: unknown };
    if (parsed.format !== FORMAT) throw new Error(`format ${String(parsed.format)}, expected ${FORMAT}`);
    const sources = parsed.sources;
    if (sources === null || typeof sources !== 'object' || Array.isArray(sources))
      throw new Error('no sources object');
    const entries = Object.entries(sources as Record<string, unknown>);
    const bad = entries.find(([, v]) => !isEntry(v));
    if (bad) throw new Error(`the entry of source ${bad[0]} is not valid`);
    return { sources: Object.fromEntries(entries) as Record<string, AcceptedListState> };
  } catch (error) {
    throw new FedstackError(
      'STATE_IO',
      `image sync state ${file} is corrupt (${(error as Error).message}); delete it to accept any list version again`,
      { cause: error },
    );
  }
}

/**
 * Durably replaces the state file with `state` (creating its directory).
 * @throws FedstackError `STATE_IO` naming the file when it cannot be written (the old one stays).
 */
export async function writeImageSyncState(file: string, state: ImageSyncState): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const sources = Object.fromEntries(
      Object.entries(state.sources).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    await writeAtomically(file, JSON.stringify({ format: FORMAT, sources }, null, 2) + '\n');
  } catch (error) {
    throw new FedstackError(
      'STATE_IO',
      `cannot write image sync state ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** `state` with the entries of `accepted` set (other sources unchanged). */
export function withAcceptedLists(
  state: ImageSyncState,
  accepted: Readonly<Record<string, AcceptedListState>>,
): ImageSyncState {
  return { sources: { ...state.sources, ...accepted } };
}
