/**
 * The status of a site's last image sync, for monitoring and `fedstack site status`: one JSON file
 * per site (`<status_dir>/<site>.image-sync.json`), replaced atomically after every run that was not
 * a dry run. It says when the site last ran and last succeeded, how many listed images are in step,
 * which sources were held and why, and every failed step. Building it is pure
 * ({@link imageSyncStatusOf}); reading and writing are the two I/O functions below.
 * @module
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { FedstackError } from '../../errors.js';
import type { ApplyCounts } from '../images/apply-plan.js';
import { writeAtomically } from '../write-atomically.js';
import { isImageSyncComplete, type ImageSyncOutcome } from './run-image-sync.js';

/** The status file's format number; a reader refuses others. */
export const IMAGE_SYNC_STATUS_FORMAT = 1;

/** What the status records of one source. */
export interface SourceStatus {
  readonly sourceId: string;
  readonly status: 'synced' | 'held' | 'disabled';
  readonly trusted: boolean;
  readonly listVersion?: string;
  readonly reasons: readonly string[];
}

/** The status of one site's image sync, as written to its status file. */
export interface ImageSyncStatus {
  readonly format: typeof IMAGE_SYNC_STATUS_FORMAT;
  readonly site: string;
  /** The site YAML the run read. */
  readonly config: string;
  /** ISO 8601 start and end of the last run. */
  readonly lastRunAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** The last run synced every source and did every step. */
  readonly ok: boolean;
  /** Start of the last run that was ok (this one, or an earlier one); absent when none was. */
  readonly lastSuccessAt?: string;
  /**
   * Images of the trusted sources (one per listed image and owner project): `listed` in all, of
   * which `inStep` have no failed step.
   */
  readonly images: { readonly listed: number; readonly inStep: number };
  readonly sources: readonly SourceStatus[];
  readonly applied?: ApplyCounts;
  /** Failed steps, and a failure of the whole run (`kind: "run"`). */
  readonly errors: readonly { readonly kind: string; readonly name: string; readonly message: string }[];
}

/** Where and when the run of an outcome was. */
export interface ImageSyncRunInfo {
  /** The site YAML the run read. */
  readonly config: string;
  /** Start of the run, epoch ms. */
  readonly startedAt: number;
}

/** Upload, patch, share and keep steps of synced sources, by listed image and owner. */
function listedImages(record: ImageSyncOutcome): { listed: number; inStep: number } {
  const synced = new Set(record.sources.filter((s) => s.status === 'synced').map((s) => s.sourceId));
  const failedNames = new Set(record.errors.map((e) => e.name));
  const names = new Set<string>();
  for (const step of record.plan?.steps ?? []) {
    if (step.sourceId === undefined || !synced.has(step.sourceId)) continue;
    if (step.kind === 'prune' || step.kind === 'retire' || step.kind === 'unshare') continue;
    names.add(step.name);
  }
  const inStep = [...names].filter((n) => !failedNames.has(n)).length;
  return { listed: names.size, inStep: record.failure ? 0 : inStep };
}

/** The status after `record`, carrying `lastSuccessAt` over from the `previous` status. */
export function imageSyncStatusOf(
  record: ImageSyncOutcome,
  run: ImageSyncRunInfo,
  previous?: ImageSyncStatus,
): ImageSyncStatus {
  const ok = isImageSyncComplete(record);
  const lastRunAt = new Date(run.startedAt).toISOString();
  const lastSuccessAt = ok ? lastRunAt : previous?.lastSuccessAt;
  return {
    format: IMAGE_SYNC_STATUS_FORMAT,
    site: record.site,
    config: run.config,
    lastRunAt,
    finishedAt: new Date(run.startedAt + record.durationMs).toISOString(),
    durationMs: record.durationMs,
    ok,
    ...(lastSuccessAt !== undefined ? { lastSuccessAt } : {}),
    images: listedImages(record),
    sources: record.sources.map((s) => ({
      sourceId: s.sourceId,
      status: s.status,
      trusted: s.trusted,
      ...(s.listVersion !== undefined ? { listVersion: s.listVersion } : {}),
      reasons: s.reasons,
    })),
    ...(record.applied ? { applied: record.applied } : {}),
    errors: [
      ...(record.failure ? [{ kind: 'run', name: record.site, message: record.failure.message }] : []),
      ...record.errors.map((e) => ({ kind: e.kind, name: e.name, message: e.message })),
    ],
  };
}

/** The status file of a site: `<statusDir>/<site>.image-sync.json`. */
export function imageSyncStatusFile(statusDir: string, site: string): string {
  return path.join(statusDir, `${encodeURIComponent(site)}.image-sync.json`);
}

/**
 * Reads a status file; undefined when there is none. A file that cannot be parsed is undefined
 * too: the status is a report, and the next run rewrites it whole.
 */
export async function readImageSyncStatus(file: string): Promise<ImageSyncStatus | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<ImageSyncStatus>;
    return parsed.format === IMAGE_SYNC_STATUS_FORMAT && typeof parsed.site === 'string'
      ? (parsed as ImageSyncStatus)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Durably replaces the status file (creating its directory).
 * @throws FedstackError `STATE_IO` naming the file when it cannot be written (the old one stays).
 */
export async function writeImageSyncStatus(file: string, status: ImageSyncStatus): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeAtomically(file, JSON.stringify(status, null, 2) + '\n');
  } catch (error) {
    throw new FedstackError(
      'STATE_IO',
      `cannot write image sync status ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
