/**
 * Carrying out an image sync plan against Glance: uploads (download into the cache, convert when
 * the bytes are not in an accepted format, create, stream the file, wait until active, share and
 * accept as the member project), patches, shares and unshares, then retires (only after every
 * successor is active) and prunes. A delete that fails deactivates the image and is reported as a
 * failed step; an image deactivated so by an earlier run is deleted again, and when Glance refuses
 * again it is only noticed ("delete it by hand"), not failed, so the run does not fail for it forever.
 * A failing step is reported and the others go on; nothing is deleted on doubt (images.md §5.1).
 * @module
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../../errors.js';
import { glanceDiskFormatOf, type DiskFormat } from '../../formats/disk-image/index.js';
import type { SourceImage } from '../../formats/imagelist/index.js';
import type { HttpClient } from '../../http/index.js';
import { silentLogger, type Logger } from '../../log.js';
import {
  addImageMember,
  createImage,
  deactivateImage,
  deleteImage,
  deleteImageMember,
  getImage,
  isOpenStackStatus,
  patchImage,
  updateImageMember,
  uploadImageData,
  type ImagePatchOp,
  type OpenStackSession,
} from '../../openstack/index.js';
import { convertImage, inspectImageFile } from './convert.js';
import { fetchToCache } from './download-cache.js';
import type { ProgressReporter } from './progress-reporter.js';
import type { GlanceState } from './glance-state.js';
import type {
  ImageSyncPlan,
  PatchStep,
  PlanStep,
  PlanStepKind,
  PruneStep,
  RetireStep,
  ShareStep,
  UnshareStep,
  UploadStep,
} from './sync-plan.js';

/** What a plan's application did. */
export interface ApplyCounts {
  /** Image files fetched from their source (cache hits not counted). */
  downloads: number;
  /** Images created and uploaded to Glance (active). */
  uploads: number;
  /** qemu-img conversions run (cached conversions not counted). */
  conversions: number;
  patches: number;
  /** Memberships added or accepted. */
  shares: number;
  unshares: number;
  /** Images deleted (retired or pruned). */
  deletions: number;
  /** Images deactivated because their delete failed. */
  deactivations: number;
}

/** A step that failed or was not done. */
export interface StepError {
  readonly stepId: string;
  readonly kind: PlanStepKind;
  readonly sourceId: string | undefined;
  readonly name: string;
  readonly glanceImageId?: string;
  readonly message: string;
}

/** Something the operator should do that does not fail the run (a deactivated image to delete by hand). */
export interface StepNotice {
  readonly stepId: string;
  readonly kind: PlanStepKind;
  readonly sourceId: string | undefined;
  readonly name: string;
  readonly glanceImageId: string;
  readonly message: string;
}

/** The outcome of {@link applyImageSyncPlan}. */
export interface ApplyResult {
  readonly counts: ApplyCounts;
  readonly errors: readonly StepError[];
  readonly notices: readonly StepNotice[];
  /** Images this run created, by upload step id. */
  readonly created: Readonly<Record<string, string>>;
}

/** Options of {@link applyImageSyncPlan}. */
/** The request that fetches one image's bytes. */
export interface ImageDownload {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The image's own URL, without headers; a registry image needs the source (see `downloadOf`). */
async function plainDownload(_sourceId: string | undefined, image: SourceImage): Promise<ImageDownload> {
  if (image.location.kind !== 'url')
    throw new Error(`registry image ${image.location.reference} needs its source to be downloaded`);
  return { url: image.location.url };
}

export interface ApplyPlanOptions {
  /** A session scoped to a project (owner of the image, or member to accept a share). */
  readonly sessionFor: (projectId: string) => OpenStackSession;
  /** The state the plan was made from: the owner and properties of every image of ours. */
  readonly current: GlanceState;
  /** The project a step acts in when the image's owner is unknown. */
  readonly ownerProjectId: string;
  readonly cacheDir: string;
  /** Accepted disk formats, preferred first (`images.formats`). */
  readonly formats: readonly string[];
  /** Client for image downloads (default: fetchToCache's own). */
  readonly httpClient?: HttpClient;
  /**
   * Where and with which headers to download one image of a source: its `hv:uri` (with the
   * source's token when the image is on the list's own origin), or for a registry image the blob
   * URL with the registry's authorisation. Redirects to another host drop the headers (the HTTP
   * layer's `follow` mode). Default: the image's URL without headers; registry images refused.
   */
  readonly downloadOf?: (sourceId: string | undefined, image: SourceImage) => Promise<ImageDownload>;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Now, epoch ms; the only clock of the run. */
  readonly clock: () => number;
  /** Longest wait for an uploaded image to become active, ms; default 30 min. */
  readonly activeTimeoutMs?: number;
  /** Time between status polls, ms; default 1 000. */
  readonly pollIntervalMs?: number;
  /** Time limit of one image upload, ms; default 6 h. */
  readonly uploadTimeoutMs?: number;
  /** Shows the progress of one download (a bar on a terminal, log lines otherwise); default none. */
  readonly progressFor?: (label: string) => ProgressReporter;
}

const CONVERTIBLE: readonly DiskFormat[] = ['raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx'];
const FAILED_STATUSES = new Set(['killed', 'deleted', 'pending_delete', 'deactivated']);

function emptyCounts(): ApplyCounts {
  return {
    downloads: 0,
    uploads: 0,
    conversions: 0,
    patches: 0,
    shares: 0,
    unshares: 0,
    deletions: 0,
    deactivations: 0,
  };
}

class Applier {
  readonly counts = emptyCounts();
  readonly errors: StepError[] = [];
  readonly notices: StepNotice[] = [];
  readonly created: Record<string, string> = {};
  readonly #logger: Logger;
  readonly #owners = new Map<string, string | undefined>();
  readonly #properties = new Map<string, Readonly<Record<string, string>>>();
  readonly #statuses = new Map<string, string>();

  constructor(readonly options: ApplyPlanOptions) {
    this.#logger = options.logger ?? silentLogger;
    for (const m of options.current.managed) {
      this.#owners.set(m.image.id, m.image.owner);
      this.#properties.set(m.image.id, m.image.properties);
      this.#statuses.set(m.image.id, m.image.status);
    }
  }

  #sessionOfImage(glanceImageId: string): OpenStackSession {
    return this.options.sessionFor(this.#owners.get(glanceImageId) ?? this.options.ownerProjectId);
  }

  fail(step: PlanStep, error: unknown, glanceImageId?: string): void {
    const message = typeof error === 'string' ? error : describeError(error);
    const id = glanceImageId ?? ('glanceImageId' in step ? step.glanceImageId : undefined);
    this.errors.push({
      stepId: step.id,
      kind: step.kind,
      sourceId: step.sourceId,
      name: step.name,
      ...(id !== undefined ? { glanceImageId: id } : {}),
      message,
    });
    this.#logger.error({ step: step.id, image: step.name, error: message }, `image ${step.kind} failed`);
  }

  /** The format to upload as: the file's own when accepted, else the first accepted one qemu-img writes. */
  #targetFormat(detected: string | undefined): DiskFormat {
    const accepted = this.options.formats.filter((f): f is DiskFormat =>
      (CONVERTIBLE as readonly string[]).includes(f),
    );
    if (detected !== undefined && accepted.includes(detected as DiskFormat)) return detected as DiskFormat;
    const target = accepted[0];
    if (target === undefined)
      throw new Error(
        `none of the accepted formats (${this.options.formats.join(', ')}) can be converted to`,
      );
    return target;
  }

  async #waitActive(session: OpenStackSession, imageId: string): Promise<void> {
    const { clock, signal } = this.options;
    const deadline = clock() + (this.options.activeTimeoutMs ?? 1_800_000);
    for (;;) {
      const image = await getImage(session, imageId);
      if (image.status === 'active') return;
      if (FAILED_STATUSES.has(image.status)) throw new Error(`Glance left the image ${image.status}`);
      if (clock() >= deadline) throw new Error(`the image is still ${image.status} after the upload`);
      await sleep(this.options.pollIntervalMs ?? 1000, undefined, { signal });
    }
  }

  async upload(step: UploadStep): Promise<boolean> {
    const { options } = this;
    let createdId: string | undefined;
    const session = options.sessionFor(step.ownerProjectId);
    try {
      const download = await (options.downloadOf ?? plainDownload)(step.sourceId, step.image);
      const progress = options.progressFor?.(step.name);
      const cached = await fetchToCache({
        url: download.url,
        expected: {
          algorithm: step.image.hash.algorithm,
          hex: step.image.hash.value,
          sizeBytes: step.image.sizeBytes,
        },
        cacheDir: options.cacheDir,
        httpClient: options.httpClient,
        headers: download.headers,
        signal: options.signal,
        logger: this.#logger,
        ...(progress ? { onProgress: progress.onProgress } : {}),
      }).finally(() => progress?.done());
      if (cached.source === 'download') this.counts.downloads++;
      const detected = await inspectImageFile(cached.path);
      const targetFormat = this.#targetFormat(
        detected.kind === 'ova' ? step.diskFormat : glanceDiskFormatOf(detected),
      );
      const file = await convertImage({
        source: cached,
        targetFormat,
        cacheDir: options.cacheDir,
        signal: options.signal,
        logger: this.#logger,
      });
      if (file.source === 'converted') this.counts.conversions++;
      const image = await createImage(session, {
        name: step.name,
        diskFormat: file.format,
        containerFormat: step.containerFormat,
        visibility: step.visibility,
        ...(step.minRamMb !== undefined ? { minRamMb: step.minRamMb } : {}),
        tags: [...step.tags],
        properties: { ...step.properties },
      });
      createdId = image.id;
      const { size } = await stat(file.path);
      await uploadImageData(session, image.id, createReadStream(file.path), {
        sizeBytes: size,
        timeoutMs: options.uploadTimeoutMs ?? 6 * 3_600_000,
      });
      await this.#waitActive(session, image.id);
      this.counts.uploads++;
      this.created[step.id] = image.id;
      this.#owners.set(image.id, step.ownerProjectId);
      this.#logger.info({ image: step.name, id: image.id, format: file.format }, 'image uploaded');
    } catch (error) {
      this.fail(step, error, createdId);
      // a new image that never became active is ours alone and useless: remove it
      if (createdId !== undefined)
        await deleteImage(session, createdId).catch((e: unknown) =>
          this.#logger.warn({ id: createdId, error: describeError(e) }, 'cannot remove a failed upload'),
        );
      return false;
    }
    for (const member of step.members)
      await this.share({
        kind: 'share',
        id: `share:${createdId}:${member}`,
        sourceId: step.sourceId,
        imageId: step.imageId,
        name: step.name,
        glanceImageId: createdId,
        memberProjectId: member,
        action: 'add',
      });
    return true;
  }

  async patch(step: PatchStep): Promise<void> {
    const current = this.#properties.get(step.glanceImageId) ?? {};
    const ops: ImagePatchOp[] = [
      ...(step.newName !== undefined ? [{ op: 'replace' as const, path: '/name', value: step.newName }] : []),
      ...(step.visibility !== undefined
        ? [{ op: 'replace' as const, path: '/visibility', value: step.visibility }]
        : []),
      ...Object.entries(step.setProperties).map(([k, value]) => ({
        op: k in current ? ('replace' as const) : ('add' as const),
        path: `/${k}`,
        value,
      })),
      ...step.removeProperties.map((k) => ({ op: 'remove' as const, path: `/${k}` })),
    ];
    try {
      await patchImage(this.#sessionOfImage(step.glanceImageId), step.glanceImageId, ops);
      this.counts.patches++;
    } catch (error) {
      this.fail(step, error);
    }
  }

  /** Adds the member (unless only its acceptance is missing), then accepts it as the member project. */
  async share(step: ShareStep): Promise<void> {
    try {
      if (step.action === 'add')
        await addImageMember(
          this.#sessionOfImage(step.glanceImageId),
          step.glanceImageId,
          step.memberProjectId,
        ).catch((error: unknown) => {
          if (!isOpenStackStatus(error, 409)) throw error; // 409: a member already
        });
      const member = this.options.sessionFor(step.memberProjectId);
      await updateImageMember(member, step.glanceImageId, step.memberProjectId, 'accepted');
      this.counts.shares++;
    } catch (error) {
      this.fail(step, error);
    }
  }

  async unshare(step: UnshareStep): Promise<void> {
    try {
      await deleteImageMember(
        this.#sessionOfImage(step.glanceImageId),
        step.glanceImageId,
        step.memberProjectId,
      );
      this.counts.unshares++;
    } catch (error) {
      this.fail(step, error);
    }
  }

  /**
   * Deletes an image; when Glance refuses, deactivates it instead and reports both. An image that
   * was deactivated before this run (a delete refused earlier) is not deactivated again: a refused
   * delete of it is a notice, not a failed step.
   */
  async remove(step: RetireStep | PruneStep): Promise<void> {
    const session = this.#sessionOfImage(step.glanceImageId);
    try {
      await deleteImage(session, step.glanceImageId);
      this.counts.deletions++;
      this.#logger.info(
        { image: step.name, id: step.glanceImageId, reason: step.reason },
        `image ${step.kind}d`,
      );
    } catch (error) {
      if (this.#statuses.get(step.glanceImageId) === 'deactivated') {
        const message =
          `image "${step.name}" (${step.glanceImageId}) is deactivated and Glance refuses its delete ` +
          `again (${describeError(error)}): delete it by hand`;
        this.notices.push({
          stepId: step.id,
          kind: step.kind,
          sourceId: step.sourceId,
          name: step.name,
          glanceImageId: step.glanceImageId,
          message,
        });
        this.#logger.warn({ step: step.id, image: step.name, id: step.glanceImageId }, message);
        return;
      }
      try {
        await deactivateImage(session, step.glanceImageId);
        this.counts.deactivations++;
        this.fail(step, `cannot delete (${describeError(error)}); deactivated instead`);
      } catch (second) {
        this.fail(step, `cannot delete (${describeError(error)}) nor deactivate (${describeError(second)})`);
      }
    }
  }
}

/**
 * Applies `plan`: uploads first (each shared once active), then patches, shares and unshares,
 * then retires whose successors are all active, then prunes. `keep` steps do nothing. An aborted
 * signal stops before the next step; what was not done is reported in `errors`.
 * @example const result = await applyImageSyncPlan(plan, { sessionFor, current, ownerProjectId, cacheDir, formats: ['raw'], clock: Date.now });
 */
export async function applyImageSyncPlan(
  plan: ImageSyncPlan,
  options: ApplyPlanOptions,
): Promise<ApplyResult> {
  const applier = new Applier(options);
  const done = new Set<string>();
  const order: PlanStepKind[] = ['upload', 'patch', 'share', 'unshare', 'retire', 'prune'];
  for (const kind of order)
    for (const step of plan.steps) {
      if (step.kind !== kind) continue;
      if (options.signal?.aborted) {
        applier.fail(step, 'not done: the run was aborted');
        continue;
      }
      switch (step.kind) {
        case 'upload':
          if (await applier.upload(step)) done.add(step.id);
          break;
        case 'patch':
          await applier.patch(step);
          break;
        case 'share':
          await applier.share(step);
          break;
        case 'unshare':
          await applier.unshare(step);
          break;
        case 'retire': {
          const missing = step.dependsOn.filter((id) => !done.has(id));
          if (missing.length > 0)
            applier.fail(step, `kept: its successor (${missing.join(', ')}) is not active`);
          else await applier.remove(step);
          break;
        }
        case 'prune':
          await applier.remove(step);
          break;
        case 'keep':
          break;
        default: {
          const never: never = step;
          throw new Error(`unknown step ${String(never)}`);
        }
      }
    }
  return {
    counts: applier.counts,
    errors: applier.errors,
    notices: applier.notices,
    created: applier.created,
  };
}
