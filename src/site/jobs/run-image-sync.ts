// Image sync of one site as a function: fetch the sources, read Glance, plan, and (unless a dry run) apply.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, describeError } from '../../errors.js';
import type { SourceImage } from '../../formats/imagelist/index.js';
import { HttpClient } from '../../http/index.js';
import {
  collectAll,
  listImageMembers,
  paginateImages,
  type Image,
  type ImageMember,
  type OpenStackSession,
} from '../../openstack/index.js';
import { acquireRunLock } from '../accounting/run-lock.js';
import {
  applyImageSyncPlan,
  type ApplyCounts,
  type ImageDownload,
  type StepError,
  type StepNotice,
} from '../images/apply-plan.js';
import { ociBlobDownload } from '../images/oci-source.js';
import {
  appdbAuthorization,
  fetchImageSources,
  tlsCaPathOf,
  toSourceFetches,
  type SourceFetchResult,
} from '../images/fetch-sources.js';
import { readGlanceState, type GlanceState } from '../images/glance-state.js';
import {
  imageSyncStateFile,
  lastAcceptedOf,
  readImageSyncState,
  withAcceptedLists,
  writeImageSyncState,
  type AcceptedListState,
} from '../images/sync-state.js';
import type { ImagesConfig } from '../images/images-config.js';
import type { ProgressReporter } from '../images/progress-reporter.js';
import {
  countSteps,
  planImageSync,
  type ImageSyncPlan,
  type PlanStepKind,
  type SiteProject,
  type SourcePlanReport,
} from '../images/sync-plan.js';
import { mapWithConcurrency } from '../../map-with-concurrency.js';
import { assertCredentialsReadable, createSiteSession } from '../site-session.js';
import { readSecret, type SiteConfig } from '../site-config.js';
import type { JobContext } from './job-context.js';
import { toJobFailure, type JobFailure } from './job-outcome.js';

/** The download cache when neither `images.cache_dir` nor the caller names one. */
export const DEFAULT_IMAGE_CACHE_DIR = '/var/cache/fedstack/images';

/** Options of {@link runImageSync}. */
export interface ImageSyncOptions {
  /** Plan only: fetch and read Glance, change nothing, download nothing. */
  readonly dryRun?: boolean;
  /**
   * The download cache, over `images.cache_dir` (central mode shares one cache among its sites);
   * default `images.cache_dir`, else {@link DEFAULT_IMAGE_CACHE_DIR}.
   */
  readonly cacheDir?: string;
  /** Time limit of each image list request, ms; default 60 000. */
  readonly listTimeoutMs?: number;
  /** Longest wait for an uploaded image to become active, ms; default 30 min. */
  readonly activeTimeoutMs?: number;
  /** Time between status polls of an upload, ms; default 1 000. */
  readonly pollIntervalMs?: number;
  /** Shows the progress of each download (see `createProgressReporter`); default none. */
  readonly progressFor?: (label: string) => ProgressReporter;
}

/** What happened to one source. */
export interface SourceOutcome {
  readonly sourceId: string;
  /** The list was fetched, verified and endorsed in this run. */
  readonly trusted: boolean;
  /** `synced`: its list drove the plan; `held`: its images were kept as they are; `disabled`. */
  readonly status: SourcePlanReport['status'];
  readonly reasons: readonly string[];
  readonly listId?: string;
  readonly listVersion?: string;
  /** Planned steps of the source, by kind. */
  readonly steps: Readonly<Record<PlanStepKind, number>>;
  /** Steps of the source that failed or were not done. */
  readonly errors: readonly StepError[];
}

/** One VO project of the site, as the run saw it. */
export interface ProjectImagesOutcome {
  readonly vo: string;
  readonly projectId: string;
  /** The project shared and community images are created in. */
  readonly isOwner: boolean;
  /** Images with our tag owned by the project before the run. */
  readonly managedImages: number;
}

/** What {@link runImageSync} did. */
export interface ImageSyncOutcome {
  readonly site: string;
  readonly isDryRun: boolean;
  readonly sources: readonly SourceOutcome[];
  readonly projects: readonly ProjectImagesOutcome[];
  /** The plan; absent when the run failed before it could be made. */
  readonly plan?: ImageSyncPlan;
  /** What applying did; absent in a dry run. */
  readonly applied?: ApplyCounts;
  /** Every step that failed or was not done. */
  readonly errors: readonly StepError[];
  /**
   * What needs a hand but does not fail the run: an image deactivated by an earlier run whose
   * delete Glance refuses again. Also in the reasons of its source.
   */
  readonly notices: readonly StepNotice[];
  readonly durationMs: number;
  /**
   * The run ended before planning (Glance unreachable, credentials refused, lock held, the state
   * file unreadable), or its state could not be written after applying.
   */
  readonly failure?: JobFailure;
}

/** True when the run did everything it was asked: no failure, no failed step, no held source. */
export function isImageSyncComplete(outcome: ImageSyncOutcome): boolean {
  return !outcome.failure && outcome.errors.length === 0 && outcome.sources.every((s) => s.status !== 'held');
}

/** The download cache of a run: `override` when given, else `images.cache_dir` (from the config's directory), else the default. */
export function imageCacheDirOf(config: SiteConfig, override?: string): string {
  if (override !== undefined) return path.resolve(override);
  const configured = config.images?.cacheDir;
  return configured ? path.resolve(path.dirname(config.file), configured) : DEFAULT_IMAGE_CACHE_DIR;
}

function imagesOf(config: SiteConfig): ImagesConfig {
  const images = config.images;
  if (!images?.isSyncEnabled)
    throw new ConfigError('image sync is not enabled for this site (set images.sync: true)', {
      file: config.file,
      path: 'images.sync',
    });
  return images;
}

/** The owner project: the `ops` VO's, else the first VO's. */
function ownerProjectOf(config: SiteConfig): string {
  const vo = config.vos.find((v) => v.name === 'ops') ?? config.vos[0];
  if (!vo)
    throw new ConfigError('image sync needs at least one VO project to own the images', {
      file: config.file,
      path: 'vos',
    });
  return vo.auth.projectId;
}

/** One session per project (the VO's own credentials when it has some), made on first use. */
function sessionsOf(config: SiteConfig, ctx: JobContext): (projectId: string) => OpenStackSession {
  const sessions = new Map<string, OpenStackSession>();
  return (projectId) => {
    let session = sessions.get(projectId);
    if (!session) {
      const voIndex = config.vos.findIndex((v) => v.auth.projectId === projectId);
      // requests of a run past its deadline (or stopped) end with it
      session = createSiteSession(config, {
        projectId,
        ...(voIndex >= 0 ? { voIndex } : {}),
        logger: ctx.logger,
      }).withSignal(ctx.signal);
      sessions.set(projectId, session);
    }
    return session;
  };
}

/**
 * Where an image is downloaded from. A listed URL gets the source's token (AppDB's Basic form)
 * only when the image is on the origin (scheme, host, port) of the source's list URL, as AppDB
 * serves both, so the token never reaches another host; a registry image is its layer blob, with
 * the registry's authorisation.
 */
function downloadOfImages(
  config: SiteConfig,
  images: ImagesConfig,
  options: { signal?: AbortSignal },
): (sourceId: string | undefined, image: SourceImage) => Promise<ImageDownload> {
  return async (sourceId, image) => {
    const index = images.sources.findIndex((s) => s.name === sourceId);
    const source = images.sources[index];
    if (image.location.kind === 'oci') {
      if (source?.kind !== 'oci')
        throw new Error(`registry image ${image.location.reference} is not of a registry source`);
      const caPath = tlsCaPathOf(config.file, images);
      const httpClient = new HttpClient({ caPath, timeoutMs: 60_000, logName: 'registry' });
      return ociBlobDownload(source, image, {
        httpClient,
        configFile: config.file,
        index,
        signal: options.signal,
      });
    }
    const url = image.location.url;
    if (!source || source.kind !== 'hepix' || source.location.kind !== 'url') return { url };
    if (source.tokenEnv === undefined && source.tokenFile === undefined) return { url };
    let isSameOrigin: boolean;
    try {
      isSameOrigin = new URL(url).origin === new URL(source.location.url).origin;
    } catch {
      return { url };
    }
    if (!isSameOrigin) return { url };
    const token = readSecret(source, 'token', { file: config.file, path: `images.sources[${index}]` });
    return { url, headers: { Authorization: appdbAuthorization(token) } };
  };
}

/** The values of settled results; throws the first rejection. */
function settled<T>(results: readonly PromiseSettledResult<T>[]): T[] {
  return results.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
}

/** The images of ours every VO project sees, and the members of the shared ones the site owns. */
async function readState(
  projects: readonly SiteProject[],
  tag: string,
  sessionFor: (projectId: string) => OpenStackSession,
): Promise<GlanceState> {
  const projectIds = [...new Set(projects.map((p) => p.projectId))];
  const byId = new Map<string, Image>();
  // a project that cannot be read would look empty and get duplicates: the run stops instead
  const lists = settled(
    await mapWithConcurrency(projectIds, 4, (id) => collectAll(paginateImages(sessionFor(id), { tag }))),
  );
  for (const image of lists.flat()) byId.set(image.id, image);
  const images = [...byId.values()];
  const shared = images.filter(
    (i) => i.visibility === 'shared' && i.owner !== undefined && projectIds.includes(i.owner),
  );
  const members: Record<string, ImageMember[]> = {};
  settled(
    await mapWithConcurrency(shared, 4, async (image) => {
      members[image.id] = await listImageMembers(sessionFor(image.owner!), image.id);
    }),
  );
  return readGlanceState({ images, members, tag });
}

/**
 * The lists to remember: those of sources that were trusted, drove the plan and had no failed
 * step, so a later run refuses a lower version of them. A source with a failed step keeps its
 * older entry: its next run may still apply the same list again.
 */
function acceptedLists(
  fetched: readonly SourceFetchResult[],
  plan: ImageSyncPlan,
  errors: readonly StepError[],
  appliedAt: string,
): Record<string, AcceptedListState> {
  const accepted: Record<string, AcceptedListState> = {};
  for (const f of fetched) {
    const report = plan.sources.find((r) => r.sourceId === f.sourceId);
    if (!f.trusted || !f.list || report?.status !== 'synced') continue;
    if (errors.some((e) => e.sourceId === f.sourceId)) continue;
    accepted[f.sourceId] = {
      listId: f.list.id,
      ...(f.list.version !== undefined ? { version: f.list.version } : {}),
      ...(f.contentDigest !== undefined ? { contentDigest: f.contentDigest } : {}),
      appliedAt,
    };
  }
  return accepted;
}

/** The sources of a run that ended before they were fetched: each held. */
function unfetched(images: ImagesConfig): SourceFetchResult[] {
  return images.sources.map((s) => ({
    sourceId: s.name,
    trusted: false,
    problems: ['not fetched: the run ended before'],
  }));
}

function sourceOutcomes(
  fetched: readonly SourceFetchResult[],
  plan: ImageSyncPlan | undefined,
  errors: readonly StepError[],
  notices: readonly StepNotice[] = [],
): SourceOutcome[] {
  return fetched.map((f) => {
    const report = plan?.sources.find((r) => r.sourceId === f.sourceId);
    const steps = countSteps({
      tag: plan?.tag ?? '',
      steps: plan?.steps.filter((s) => s.sourceId === f.sourceId) ?? [],
      sources: [],
      notes: [],
    });
    return {
      sourceId: f.sourceId,
      trusted: f.trusted,
      status: report?.status ?? 'held',
      reasons: [
        ...(report?.reasons ?? f.problems),
        ...(f.warnings ?? []),
        ...notices.filter((n) => n.sourceId === f.sourceId).map((n) => n.message),
      ],
      ...(report?.listId !== undefined ? { listId: report.listId } : {}),
      ...(report?.listVersion !== undefined ? { listVersion: report.listVersion } : {}),
      steps,
      errors: errors.filter((e) => e.sourceId === f.sourceId),
    };
  });
}

/**
 * Syncs the images of the site's sources into its Glance: fetches every source (a failing source
 * is held: none of its images is deleted), reads the images of ours in every VO project, plans
 * (see `planImageSync`) and, unless `dryRun`, applies the plan under a lock in the cache
 * directory (taken before the sources are fetched). A list whose `hv:version` is lower than the one
 * last applied from its source is refused (the source is held); after applying, the version and
 * content digest of every source applied without a failed step are stored
 * (`<cache_dir>/sync-<site>.state.json`, see `sync-state`). A failing step is reported in `errors`
 * and the others go on; a failure before the plan (Keystone or Glance unreachable, the lock held,
 * the state unreadable) in `failure`.
 * @throws ConfigError before any request when `images.sync` is not true, the site has no VO, the
 *   credentials are missing or a secret reference cannot be read.
 * @example const outcome = await runImageSync({ config, logger, signal, clock: Date.now }, { dryRun: true });
 */
export async function runImageSync(
  ctx: JobContext,
  options: ImageSyncOptions = {},
): Promise<ImageSyncOutcome> {
  const { config, logger, signal, clock } = ctx;
  const images = imagesOf(config);
  const ownerProjectId = ownerProjectOf(config);
  assertCredentialsReadable(config);
  const started = clock();
  const isDryRun = options.dryRun === true;
  const cacheDir = imageCacheDirOf(config, options.cacheDir);
  const projects: SiteProject[] = config.vos.map((v) => ({ vo: v.name, projectId: v.auth.projectId }));
  const sessionFor = sessionsOf(config, ctx);
  const stateFile = imageSyncStateFile(cacheDir, config.gocdb);
  let fetched: SourceFetchResult[] | undefined;
  const base = { site: config.gocdb, isDryRun };
  const projectOutcomes = (state?: GlanceState): ProjectImagesOutcome[] =>
    projects.map((p) => ({
      ...p,
      isOwner: p.projectId === ownerProjectId,
      managedImages: state?.managed.filter((m) => m.image.owner === p.projectId).length ?? 0,
    }));
  let release: (() => Promise<void>) | undefined;
  try {
    if (!isDryRun) {
      await mkdir(cacheDir, { recursive: true });
      release = await acquireRunLock(path.join(cacheDir, `sync-${config.gocdb}.lock`));
    }
    const state = await readImageSyncState(stateFile);
    fetched = await fetchImageSources(images, {
      configFile: config.file,
      now: new Date(clock()),
      signal,
      timeoutMs: options.listTimeoutMs,
      logger,
      lastAccepted: (sourceId) => lastAcceptedOf(state, sourceId),
    });
    const current = await readState(projects, images.tag, sessionFor);
    const plan = planImageSync({
      sources: toSourceFetches(images, fetched),
      projects,
      ownerProjectId,
      current,
      formats: images.formats,
      visibility: images.visibility,
      now: new Date(clock()),
    });
    if (isDryRun)
      return {
        ...base,
        sources: sourceOutcomes(fetched, plan, []),
        projects: projectOutcomes(current),
        plan,
        errors: [],
        notices: [],
        durationMs: clock() - started,
      };
    const result = await applyImageSyncPlan(plan, {
      sessionFor,
      current,
      ownerProjectId,
      cacheDir,
      formats: images.formats,
      downloadOf: downloadOfImages(config, images, { signal }),
      signal,
      logger,
      clock,
      activeTimeoutMs: options.activeTimeoutMs,
      pollIntervalMs: options.pollIntervalMs,
      progressFor: options.progressFor,
    });
    let failure: JobFailure | undefined;
    const accepted = acceptedLists(fetched, plan, result.errors, new Date(started).toISOString());
    if (Object.keys(accepted).length > 0)
      try {
        await writeImageSyncState(stateFile, withAcceptedLists(state, accepted));
      } catch (error) {
        // the images are in place; only the rollback check of the next run lacks this run's versions
        failure = toJobFailure(error);
        logger.error(
          { site: config.gocdb, error: describeError(error) },
          'cannot store the image sync state',
        );
      }
    return {
      ...base,
      sources: sourceOutcomes(fetched, plan, result.errors, result.notices),
      projects: projectOutcomes(current),
      plan,
      applied: result.counts,
      errors: result.errors,
      notices: result.notices,
      durationMs: clock() - started,
      ...(failure ? { failure } : {}),
    };
  } catch (error) {
    const failure = toJobFailure(error);
    logger.error({ site: config.gocdb, error: describeError(error) }, 'image sync failed');
    return {
      ...base,
      sources: sourceOutcomes(fetched ?? unfetched(images), undefined, []),
      projects: projectOutcomes(),
      errors: [],
      notices: [],
      durationMs: clock() - started,
      failure,
    };
  } finally {
    await release?.();
  }
}
