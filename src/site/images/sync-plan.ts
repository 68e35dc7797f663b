/**
 * The image sync planner: from the fetched sources, the site's VO projects and the current Glance
 * state, the steps that bring Glance to the desired state (upload, patch, share, unshare, keep,
 * retire after the successor, prune), the Glance properties each image carries, and the dry-run
 * text. Pure: no I/O, `now` passed in. Rule: never delete on doubt (images.md §5.1).
 *
 * The file stays whole (over 500 lines) because the step kinds, the diff that builds them and their
 * dry-run text are one contract: a new step kind must be planned, counted and printed, and the
 * `never` checks below only catch a missing case when the three sit in one module.
 * @module
 */
import type { imagelist } from '../../formats/index.js';
import {
  IMAGE_PROPERTY,
  formatImageHash,
  parseImageHash,
  type GlanceState,
  type ManagedImage,
} from './glance-state.js';
import type { ImageSourceConfig, ImageVisibility } from './images-config.js';

type SourceImage = imagelist.SourceImage;
type ImageList = imagelist.ImageList;

/** One source as fetched in this run. */
export interface SourceFetch {
  readonly source: ImageSourceConfig;
  /** The list was fetched, its signature verified and its endorser the expected one, in this run. */
  readonly isTrusted: boolean;
  /** The list, when it could be read (also when not trusted, for the report). */
  readonly list?: ImageList;
  /** What went wrong fetching or verifying (fetch error, untrusted signer, lower version…); any entry holds the source. */
  readonly problems: readonly string[];
}

/** A VO of the site and its project. */
export interface SiteProject {
  readonly vo: string;
  readonly projectId: string;
}

/** What {@link planImageSync} plans from. */
export interface ImageSyncInput {
  readonly sources: readonly SourceFetch[];
  /** The site's VOs and their projects (`vos[]`). */
  readonly projects: readonly SiteProject[];
  /** The project shared and community images are created in (normally the `ops` VO's). */
  readonly ownerProjectId: string;
  readonly current: GlanceState;
  /** Accepted disk formats in order of preference (`images.formats`). */
  readonly formats: readonly string[];
  /** `images.visibility`; a source's own `visibility` overrides it. */
  readonly visibility: ImageVisibility;
  readonly now: Date;
}

/** Why an image is uploaded. */
export type UploadReason = 'missing' | 'content-changed' | 'format-not-accepted' | 'not-active';

interface StepBase {
  /** Unique within the plan; `dependsOn` refers to it. */
  readonly id: string;
  readonly sourceId: string | undefined;
  /** The source image id (`dc:identifier`), when known. */
  readonly imageId: string | undefined;
  /** The Glance name (planned, or current). */
  readonly name: string;
}

/** Create an image in `ownerProjectId`, upload the file, then add `members`. */
export interface UploadStep extends StepBase {
  readonly kind: 'upload';
  readonly reason: UploadReason;
  readonly image: SourceImage;
  readonly ownerProjectId: string;
  readonly visibility: ImageVisibility;
  /** The Glance `disk_format` to upload as. */
  readonly diskFormat: string;
  /** `hv:format` as the list declares it; the apply step detects the real format from the bytes. */
  readonly sourceFormat: string | undefined;
  /** The file is not uploaded as it is (extracted from an OVA, or converted). */
  readonly isConversionNeeded: boolean;
  readonly containerFormat: 'bare';
  readonly minRamMb: number | undefined;
  readonly tags: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  /** Projects to share with once the image is active. */
  readonly members: readonly string[];
}

/** Change metadata of an image whose file is current. */
export interface PatchStep extends StepBase {
  readonly kind: 'patch';
  readonly glanceImageId: string;
  readonly newName?: string;
  readonly visibility?: ImageVisibility;
  readonly setProperties: Readonly<Record<string, string>>;
  readonly removeProperties: readonly string[];
}

/** Add a project as member (`add`), or set a pending or rejected membership to accepted (`accept`). */
export interface ShareStep extends StepBase {
  readonly kind: 'share';
  readonly glanceImageId: string;
  readonly memberProjectId: string;
  readonly action: 'add' | 'accept';
}

export interface UnshareStep extends StepBase {
  readonly kind: 'unshare';
  readonly glanceImageId: string;
  readonly memberProjectId: string;
}

/** Leave the image as it is; `reason` says why (up to date, or the source was held). */
export interface KeepStep extends StepBase {
  readonly kind: 'keep';
  readonly glanceImageId: string;
  readonly reason: string;
}

/** Delete an old copy, only after every step in `dependsOn` (the successor's upload) succeeded. */
export interface RetireStep extends StepBase {
  readonly kind: 'retire';
  readonly glanceImageId: string;
  readonly reason: string;
  readonly dependsOn: readonly string[];
}

/** Delete an image its trusted source no longer lists (or lists as expired, or outside `images:`). */
export interface PruneStep extends StepBase {
  readonly kind: 'prune';
  readonly glanceImageId: string;
  readonly reason: string;
}

export type PlanStep = UploadStep | PatchStep | ShareStep | UnshareStep | KeepStep | RetireStep | PruneStep;
export type PlanStepKind = PlanStep['kind'];

/** How one source was planned: `synced` (its list drove the diff), `held` (kept as is), `disabled`. */
export interface SourcePlanReport {
  readonly sourceId: string;
  readonly status: 'synced' | 'held' | 'disabled';
  /** Why it was held, and anything odd seen while planning it. */
  readonly reasons: readonly string[];
  readonly listId?: string;
  readonly listVersion?: string;
}

/** The steps of one sync run, per source in input order, and what the report should say. */
export interface ImageSyncPlan {
  readonly tag: string;
  readonly steps: readonly PlanStep[];
  readonly sources: readonly SourcePlanReport[];
  /** Images seen but not planned for (unattributed, of unknown sources, of other replicators). */
  readonly notes: readonly string[];
}

/** Glance properties {@link imagePropertiesOf} may write; only these are ever changed or removed. */
export const MANAGED_PROPERTIES: readonly string[] = [
  IMAGE_PROPERTY.appdbId,
  IMAGE_PROPERTY.imageHash,
  IMAGE_PROPERTY.imageList,
  IMAGE_PROPERTY.project,
  IMAGE_PROPERTY.marketplaceUri,
  IMAGE_PROPERTY.description,
  IMAGE_PROPERTY.osDistro,
  IMAGE_PROPERTY.osVersion,
  IMAGE_PROPERTY.architecture,
  IMAGE_PROPERTY.applianceAttributes,
];

/** JSON text with object keys sorted, so that equal attributes give equal text whatever their order. */
function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(value));
}

/**
 * The Glance properties of a synced image, under the names atrope writes (images.md §4) so that
 * discovery (`vmcatcher_event_ad_mpuri` → MarketplaceURL, `APPLIANCE_ATTRIBUTES`, `os_*`) and
 * the next run (`appdb_id`, `image_hash`, `image_list`) read them. Absent values are left out.
 * An OCI image without `ad:mpuri` gets its id as marketplace URI, as atrope's Harbor source does.
 */
export function imagePropertiesOf(
  image: SourceImage,
  source: Pick<ImageSourceConfig, 'name' | 'project'>,
): Record<string, string> {
  const marketplaceUri = image.marketplaceUri ?? (image.location.kind === 'oci' ? image.id : undefined);
  const entries: [string, string | undefined][] = [
    [IMAGE_PROPERTY.appdbId, image.id],
    [IMAGE_PROPERTY.imageHash, formatImageHash(image.hash)],
    [IMAGE_PROPERTY.imageList, source.name],
    [IMAGE_PROPERTY.project, source.project],
    [IMAGE_PROPERTY.marketplaceUri, marketplaceUri],
    [IMAGE_PROPERTY.description, image.description],
    [IMAGE_PROPERTY.osDistro, image.os.distro],
    [IMAGE_PROPERTY.osVersion, image.os.version],
    [IMAGE_PROPERTY.architecture, image.os.arch],
    [IMAGE_PROPERTY.applianceAttributes, canonicalJson(image.attributes)],
  ];
  return Object.fromEntries(entries.filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

/** The Glance name of an image: the source's prefix and the title (its id when untitled). */
export function imageNameOf(image: SourceImage, source: Pick<ImageSourceConfig, 'prefix'>): string {
  return `${source.prefix}${image.title ?? image.id}`;
}

/**
 * The disk format to upload as: the declared `hv:format` when accepted; a VMDK inside an OVA
 * when VMDK is accepted; else the first accepted format (free-text or unknown formats included:
 * `hv:format` is not reliable, images.md §5.6, so the bytes decide at apply time).
 */
export function chooseDiskFormat(
  declared: string | undefined,
  formats: readonly string[],
): { diskFormat: string; isConversionNeeded: boolean } {
  const format = declared?.toLowerCase();
  if (format !== undefined && format !== 'ova' && formats.includes(format))
    return { diskFormat: format, isConversionNeeded: false };
  if (format === 'ova' && formats.includes('vmdk')) return { diskFormat: 'vmdk', isConversionNeeded: true };
  return { diskFormat: formats[0] ?? 'raw', isConversionNeeded: true };
}

function sameProperty(key: string, current: string | undefined, desired: string): boolean {
  if (current === undefined) return false;
  if (key === IMAGE_PROPERTY.imageHash) {
    const c = parseImageHash(current);
    return c !== undefined && formatImageHash(c) === desired;
  }
  if (key === IMAGE_PROPERTY.applianceAttributes) {
    try {
      return canonicalJson(JSON.parse(current)) === desired;
    } catch {
      return false;
    }
  }
  return current === desired;
}

/** What to set and remove so that the managed properties of `current` equal `desired`. */
function propertyChanges(
  current: Readonly<Record<string, string>>,
  desired: Readonly<Record<string, string>>,
): { setProperties: Record<string, string>; removeProperties: string[] } {
  const setProperties: Record<string, string> = {};
  const removeProperties: string[] = [];
  for (const key of MANAGED_PROPERTIES) {
    const want = desired[key];
    if (want === undefined) {
      if (current[key] !== undefined) removeProperties.push(key);
    } else if (!sameProperty(key, current[key], want)) setProperties[key] = want;
  }
  return { setProperties, removeProperties };
}

/** Where copies of an image live: one owner project each, and the members it is shared with. */
interface Placement {
  readonly owner: string;
  readonly members: readonly string[];
}

function placementsOf(
  visibility: ImageVisibility,
  ownerProjectId: string,
  targets: readonly string[],
): Placement[] {
  if (targets.length === 0) return [{ owner: ownerProjectId, members: [] }];
  switch (visibility) {
    case 'shared':
      return [{ owner: ownerProjectId, members: targets.filter((p) => p !== ownerProjectId) }];
    case 'community':
      return [{ owner: ownerProjectId, members: [] }];
    case 'private':
      // a private image is seen only in its own project: one copy per project (cloudkeeper-os's model)
      return targets.map((owner) => ({ owner, members: [] }));
    default: {
      const never: never = visibility;
      throw new Error(`unknown visibility ${String(never)}`);
    }
  }
}

/**
 * The projects a source's images go to: its `vos` (empty: the owner project only); without
 * `vos`, the list's VO (`ad:vo`) or else every VO of the site. Undefined, with the reason, when
 * that names no project of the site: a source that resolves to nothing is held, not pruned.
 */
function targetsOf(
  source: ImageSourceConfig,
  list: ImageList,
  projects: readonly SiteProject[],
): { targets?: string[]; reason?: string } {
  const projectsOf = (vos: readonly string[]) => [
    ...new Set(projects.filter((p) => vos.includes(p.vo)).map((p) => p.projectId)),
  ];
  if (source.vos !== undefined) {
    if (source.vos.length === 0) return { targets: [] };
    const targets = projectsOf(source.vos);
    return targets.length > 0
      ? { targets }
      : { reason: `none of its vos (${source.vos.join(', ')}) is a VO of the site` };
  }
  if (list.vo !== undefined) {
    const targets = projectsOf([list.vo]);
    return targets.length > 0
      ? { targets }
      : { reason: `the list is for VO ${list.vo}, which is not a VO of the site` };
  }
  const targets = [...new Set(projects.map((p) => p.projectId))];
  return targets.length > 0 ? { targets } : { reason: 'the site has no VO projects' };
}

/** Why a source's list may not drive deletions in this run, or undefined when it may. */
function holdReasonOf(fetch: SourceFetch, now: Date): string[] {
  const reasons = [...fetch.problems];
  if (!fetch.list) reasons.push('no image list was read');
  if (!fetch.isTrusted)
    reasons.push('the list is not trusted (not fetched, verified and endorsed in this run)');
  if (fetch.list && fetch.list.expiresAt.getTime() <= now.getTime())
    reasons.push(`the list expired on ${fetch.list.expiresAt.toISOString()}`);
  return [...new Set(reasons)];
}

const stepBase = (m: ManagedImage) => ({
  sourceId: m.sourceId,
  imageId: m.imageId,
  name: m.image.name,
  glanceImageId: m.image.id,
});
const keepStep = (m: ManagedImage, reason: string): KeepStep => ({
  kind: 'keep',
  id: `keep:${m.image.id}`,
  ...stepBase(m),
  reason,
});
const newestFirst = (a: ManagedImage, b: ManagedImage) => b.image.createdAt.localeCompare(a.image.createdAt);

/** Context of one trusted source while its images are planned. */
interface SourceContext {
  readonly input: ImageSyncInput;
  readonly source: ImageSourceConfig;
  readonly visibility: ImageVisibility;
}

/** The steps for one copy of a listed image, given the images of ours with its id in that project. */
function planPlacement(
  ctx: SourceContext,
  image: SourceImage,
  placement: Placement,
  candidates: readonly ManagedImage[],
): { steps: PlanStep[]; uploadId?: string } {
  const { input, source, visibility } = ctx;
  const name = imageNameOf(image, source);
  const properties = imagePropertiesOf(image, source);
  const hash = formatImageHash(image.hash);
  const isAccepted = (m: ManagedImage) =>
    m.image.diskFormat !== undefined && input.formats.includes(m.image.diskFormat);
  const sorted = [...candidates].sort(newestFirst);
  const current = sorted.find(
    (m) =>
      m.image.status === 'active' &&
      m.hash !== undefined &&
      formatImageHash(m.hash) === hash &&
      isAccepted(m),
  );
  if (current === undefined) {
    const active = sorted.filter((m) => m.image.status === 'active');
    const reason: UploadReason =
      candidates.length === 0
        ? 'missing'
        : active.some((m) => m.hash === undefined || formatImageHash(m.hash) !== hash)
          ? 'content-changed'
          : active.length > 0
            ? 'format-not-accepted'
            : 'not-active';
    const id = `upload:${source.name}/${image.id}@${placement.owner}`;
    const upload: UploadStep = {
      kind: 'upload',
      id,
      sourceId: source.name,
      imageId: image.id,
      name,
      reason,
      image,
      ownerProjectId: placement.owner,
      visibility,
      ...chooseDiskFormat(image.format, input.formats),
      sourceFormat: image.format,
      containerFormat: 'bare',
      minRamMb: image.minRamMb,
      tags: [input.current.tag],
      properties,
      members: placement.members,
    };
    const retires = sorted.map((m): RetireStep => ({
      kind: 'retire',
      id: `retire:${m.image.id}`,
      ...stepBase(m),
      reason:
        m.image.status === 'active' ? 'replaced by a new upload' : `left ${m.image.status} by an earlier run`,
      dependsOn: [id],
    }));
    return { steps: [upload, ...retires], uploadId: id };
  }
  const steps: PlanStep[] = [];
  const base = stepBase(current);
  const { setProperties, removeProperties } = propertyChanges(current.image.properties, properties);
  const isNameChanged = current.image.name !== name;
  const isVisibilityChanged = current.image.visibility !== visibility;
  if (
    isNameChanged ||
    isVisibilityChanged ||
    Object.keys(setProperties).length > 0 ||
    removeProperties.length > 0
  )
    steps.push({
      kind: 'patch',
      id: `patch:${current.image.id}`,
      ...base,
      ...(isNameChanged ? { newName: name } : {}),
      ...(isVisibilityChanged ? { visibility } : {}),
      setProperties,
      removeProperties,
    });
  for (const project of placement.members) {
    const member = current.members.find((m) => m.memberId === project);
    if (member?.status === 'accepted') continue;
    const action = member === undefined ? 'add' : 'accept';
    steps.push({
      kind: 'share',
      id: `share:${current.image.id}:${project}`,
      ...base,
      memberProjectId: project,
      action,
    });
  }
  for (const member of current.members)
    if (!placement.members.includes(member.memberId))
      steps.push({
        kind: 'unshare',
        id: `unshare:${current.image.id}:${member.memberId}`,
        ...base,
        memberProjectId: member.memberId,
      });
  if (steps.length === 0) steps.push(keepStep(current, 'up to date'));
  for (const m of sorted)
    if (m !== current)
      steps.push({
        kind: 'retire',
        id: `retire:${m.image.id}`,
        ...stepBase(m),
        reason:
          m.image.status === 'active'
            ? 'a duplicate or older copy'
            : `left ${m.image.status} by an earlier run`,
        dependsOn: [],
      });
  return { steps };
}

/** Why a listed image is not wanted in this run, or undefined when it is. */
function exclusionOf(source: ImageSourceConfig, image: SourceImage, now: Date): string | undefined {
  if (source.images.length > 0 && !source.images.includes(image.id))
    return 'not in the images: subset of the source';
  if (image.expiresAt !== undefined && image.expiresAt.getTime() <= now.getTime())
    return `expired on ${image.expiresAt.toISOString()}`;
  return undefined;
}

/** The steps of a trusted source: its wanted images placed, every other image of it pruned. */
function planTrustedSource(
  input: ImageSyncInput,
  source: ImageSourceConfig,
  list: ImageList,
  targets: readonly string[],
  existing: readonly ManagedImage[],
): { steps: PlanStep[]; reasons: string[] } {
  const ctx: SourceContext = { input, source, visibility: source.visibility ?? input.visibility };
  const placements = placementsOf(ctx.visibility, input.ownerProjectId, targets);
  const steps: PlanStep[] = [];
  const reasons: string[] = [];
  const claimed = new Set<ManagedImage>();
  const uploadsOf = new Map<string, string[]>();
  const excluded = new Map<string, string>();
  for (const id of source.images)
    if (!list.images.some((i) => i.id === id)) reasons.push(`images: ${id} is not in the list`);
  for (const image of list.images) {
    const exclusion = exclusionOf(source, image, input.now);
    if (exclusion !== undefined) {
      excluded.set(image.id, exclusion);
      continue;
    }
    for (const placement of placements) {
      const candidates = existing.filter((m) => m.imageId === image.id && m.image.owner === placement.owner);
      candidates.forEach((m) => claimed.add(m));
      const planned = planPlacement(ctx, image, placement, candidates);
      steps.push(...planned.steps);
      if (planned.uploadId) uploadsOf.set(image.id, [...(uploadsOf.get(image.id) ?? []), planned.uploadId]);
    }
  }
  const wanted = new Set(list.images.filter((i) => !excluded.has(i.id)).map((i) => i.id));
  for (const m of existing) {
    if (claimed.has(m)) continue;
    if (wanted.has(m.imageId!))
      // still listed but placed elsewhere now (visibility or VOs changed): delete after the new copies
      steps.push({
        kind: 'retire',
        id: `retire:${m.image.id}`,
        ...stepBase(m),
        reason: `no longer placed in project ${m.image.owner ?? '(unknown)'}`,
        dependsOn: uploadsOf.get(m.imageId!) ?? [],
      });
    else {
      const reason = excluded.get(m.imageId!) ?? 'no longer in the list';
      steps.push({
        kind: 'prune',
        id: `prune:${m.image.id}`,
        ...stepBase(m),
        // deactivated after a refused delete: retried, and a refusal again only asks for a hand delete
        reason:
          m.image.status === 'deactivated'
            ? `${reason}; deactivated by an earlier run whose delete was refused, the delete is retried`
            : reason,
      });
    }
  }
  return { steps, reasons };
}

/**
 * Plans one sync run. Only a source whose list was fetched, verified and trusted in this run
 * (and has not expired) can cause a retire or a prune; any other source is held: every image of
 * it gets `keep` and the report says why. A new version is uploaded before the old one is retired
 * (`retire.dependsOn`). Images with our tag but no source, or of a source not configured, are
 * kept and noted.
 * @example const plan = planImageSync({ sources, projects, ownerProjectId, current, formats, visibility: 'shared', now: new Date() });
 */
export function planImageSync(input: ImageSyncInput): ImageSyncPlan {
  const steps: PlanStep[] = [];
  const reports: SourcePlanReport[] = [];
  const notes: string[] = [];
  for (const fetch of input.sources) {
    const { source, list } = fetch;
    const existing = input.current.bySource.get(source.name) ?? [];
    const listInfo = list ? { listId: list.id, listVersion: list.version } : {};
    if (!source.isEnabled) {
      steps.push(...existing.map((m) => keepStep(m, 'the source is disabled')));
      reports.push({ sourceId: source.name, status: 'disabled', reasons: ['enabled: false'], ...listInfo });
      continue;
    }
    const held = holdReasonOf(fetch, input.now);
    const resolved = list && held.length === 0 ? targetsOf(source, list, input.projects) : {};
    if (resolved.reason) held.push(resolved.reason);
    if (held.length > 0 || !list || !resolved.targets) {
      steps.push(...existing.map((m) => keepStep(m, `source held: ${held.join('; ')}`)));
      reports.push({ sourceId: source.name, status: 'held', reasons: held, ...listInfo });
      continue;
    }
    const planned = planTrustedSource(input, source, list, resolved.targets, existing);
    steps.push(...planned.steps);
    reports.push({ sourceId: source.name, status: 'synced', reasons: planned.reasons, ...listInfo });
  }
  const known = new Set(input.sources.map((f) => f.source.name));
  for (const [sourceId, images] of input.current.bySource)
    if (!known.has(sourceId)) {
      steps.push(...images.map((m) => keepStep(m, `source ${sourceId} is not configured`)));
      notes.push(
        `${images.length} image(s) of source ${sourceId}, which is not configured, are kept; delete them by hand`,
      );
    }
  for (const m of input.current.unattributed) {
    steps.push(keepStep(m, `tagged ${input.current.tag} but without image_list or appdb_id`));
    notes.push(
      `image ${m.image.id} (${m.image.name}) has tag ${input.current.tag} but no image_list or appdb_id; kept`,
    );
  }
  if (input.current.foreign.length > 0)
    notes.push(
      `${input.current.foreign.length} image(s) written by atrope or cloudkeeper (without tag ${input.current.tag}) are left alone`,
    );
  return { tag: input.current.tag, steps, sources: reports, notes };
}

/** The number of steps of each kind. */
export function countSteps(plan: ImageSyncPlan): Record<PlanStepKind, number> {
  const counts: Record<PlanStepKind, number> = {
    upload: 0,
    patch: 0,
    share: 0,
    unshare: 0,
    keep: 0,
    retire: 0,
    prune: 0,
  };
  for (const step of plan.steps) counts[step.kind]++;
  return counts;
}

function describeStep(step: PlanStep): string {
  const what = `"${step.name}"`;
  switch (step.kind) {
    case 'upload': {
      const format = step.isConversionNeeded
        ? `${step.diskFormat} (from ${step.sourceFormat ?? 'an undeclared format'})`
        : step.diskFormat;
      const share = step.members.length > 0 ? `; then share with ${step.members.join(', ')}` : '';
      return `upload   ${what} [${step.imageId}] into ${step.ownerProjectId} as ${format}, ${step.visibility}: ${step.reason}${share}`;
    }
    case 'patch': {
      const changes = [
        ...(step.newName !== undefined ? [`name → "${step.newName}"`] : []),
        ...(step.visibility !== undefined ? [`visibility → ${step.visibility}`] : []),
        ...Object.keys(step.setProperties).map((k) => `set ${k}`),
        ...step.removeProperties.map((k) => `remove ${k}`),
      ];
      return `patch    ${what} (${step.glanceImageId}): ${changes.join(', ')}`;
    }
    case 'share':
      return `share    ${what} (${step.glanceImageId}) with ${step.memberProjectId}${step.action === 'accept' ? ' (accept the pending membership)' : ''}`;
    case 'unshare':
      return `unshare  ${what} (${step.glanceImageId}) from ${step.memberProjectId}`;
    case 'keep':
      return `keep     ${what} (${step.glanceImageId}): ${step.reason}`;
    case 'retire': {
      const after = step.dependsOn.length > 0 ? ` once ${step.dependsOn.join(', ')} is active` : '';
      return `retire   ${what} (${step.glanceImageId})${after}: ${step.reason}`;
    }
    case 'prune':
      return `prune    ${what} (${step.glanceImageId}): ${step.reason}`;
    default: {
      const never: never = step;
      return String(never);
    }
  }
}

/** The plan as text for `--dry-run`: a summary line, then each source with its steps, then notes. */
export function formatPlan(plan: ImageSyncPlan): string {
  const counts = countSteps(plan);
  const lines = [
    `image sync plan (tag ${plan.tag}): ` +
      (Object.keys(counts) as PlanStepKind[]).map((k) => `${counts[k]} ${k}`).join(', '),
  ];
  for (const report of plan.sources) {
    const list = report.listId
      ? ` (list ${report.listId}${report.listVersion ? ` version ${report.listVersion}` : ''})`
      : '';
    const status = report.status === 'held' ? 'held, nothing is deleted' : report.status;
    const why = report.reasons.length > 0 ? `: ${report.reasons.join('; ')}` : '';
    lines.push(`source ${report.sourceId}${list}: ${status}${why}`);
    for (const step of plan.steps)
      if (step.sourceId === report.sourceId) lines.push(`  ${describeStep(step)}`);
  }
  const sourceIds = new Set(plan.sources.map((r) => r.sourceId));
  const others = plan.steps.filter((s) => s.sourceId === undefined || !sourceIds.has(s.sourceId));
  if (others.length > 0) {
    lines.push('other images of ours:');
    for (const step of others) lines.push(`  ${describeStep(step)}`);
  }
  for (const note of plan.notes) lines.push(`note: ${note}`);
  return lines.join('\n') + '\n';
}
