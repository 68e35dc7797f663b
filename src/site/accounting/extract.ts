// One accounting extraction: per project, read the APIs once, build every record type, queue messages, move watermarks.
import {
  serializeAcceleratorMessage,
  serializeCloudMessage,
  serializePublicIpMessage,
  serializeStorageMessage,
} from '../../formats/apel/index.js';
import { describeError } from '../../errors.js';
import { redactUrlsInText } from '../../redact-url.js';
import type { Logger } from '../../log.js';
import {
  getUser,
  hasEmbeddedFlavor,
  listFlavors,
  listPorts,
  collectAll,
  paginateFloatingIps,
  paginateImages,
  paginateServers,
  paginateVolumes,
  type Flavor,
  type OpenStackSession,
  type Server,
} from '../../openstack/index.js';
import type { SiteConfig } from '../site-config.js';
import { mapWithConcurrency } from '../../map-with-concurrency.js';
import { assertCredentialsReadable, createSiteSession } from '../site-session.js';
import { resolveAccountedProjects, type AccountedProject } from './accounting-projects.js';
import { buildAcceleratorRecords } from './accelerator-records.js';
import { buildCloudRecord, isInWindow, type ProjectContext, type Window } from './cloud-records.js';
import { buildPublicIpRecords } from './ip-records.js';
import { serializeValidRecords } from './serialize-valid.js';
import { buildStorageRecord } from './storage-records.js';
import type { RecordType, WatermarkStore } from './watermarks.js';

/** The product name and version in CloudType, as cASO writes `caso/<version> (OpenStack)`. */
export const CLOUD_TYPE = 'fedstack/0.1.0 (OpenStack)';

const MARKETPLACE_PROPERTY = 'vmcatcher_event_ad_mpuri';

/** Where messages go: the outbox, or (dry run) a printer. */
export interface MessageSink {
  add(body: string): Promise<unknown>;
}

/** Options of {@link extractAccounting}. */
export interface ExtractOptions {
  /** Window end, epoch s; default now (a future time is clamped to now). */
  extractTo?: number;
  /** Window start for every project and type, epoch s; default each watermark. */
  extractFrom?: number;
  /** Start when no watermark exists, epoch s. */
  defaultFrom: number;
  sink: MessageSink;
  /** Watermarks; undefined in a dry run (nothing moves). */
  watermarks: WatermarkStore | undefined;
  logger: Logger;
  /** Now, epoch ms: the window end is never later. */
  clock: () => number;
  /** Aborts every request of the run; an aborted project fails and keeps its watermarks. */
  signal?: AbortSignal;
  /** Projects extracted at the same time; default 4. */
  concurrency?: number;
  /** Called with each project's session; tests count API calls through it. */
  onSession?: (projectId: string, session: OpenStackSession) => void;
}

/** What happened to one project. */
export interface ProjectOutcome {
  readonly projectId: string;
  readonly vo: string | undefined;
  readonly ok: boolean;
  readonly error?: string;
  /** Records and messages per type. */
  readonly records: Partial<Record<RecordType, number>>;
  /** Records per type left out because the APEL codec refused a value (each is logged). */
  readonly skipped?: Partial<Record<RecordType, number>>;
  readonly messages: number;
  readonly window?: { from: string; to: string };
  /** The watermarks moved, per record type (none in a dry run). */
  readonly watermarkMoves?: readonly WatermarkMove[];
}

/** One watermark moved: the window of `recordType` from `from` to `to` is in the outbox (ISO times). */
export interface WatermarkMove {
  readonly recordType: RecordType;
  readonly from: string;
  readonly to: string;
}

/** Everything the APIs say about one project, read once. */
interface ProjectData {
  servers: Server[];
  flavors: Map<string, Flavor>;
  userNames: Map<string, string>;
  imageUris: Map<string, string>;
}

function isoOf(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}

function withOptionalSignal(session: OpenStackSession, signal: AbortSignal | undefined): OpenStackSession {
  return signal ? session.withSignal(signal) : session;
}

async function readServers(session: OpenStackSession, since: number): Promise<Server[]> {
  const byId = new Map<string, Server>();
  // current servers (also long-running ones that did not change) plus everything changed since, deleted ones included
  for await (const page of paginateServers(session)) for (const s of page) byId.set(s.id, s);
  for await (const page of paginateServers(session, { changesSince: new Date(since * 1000).toISOString() }))
    for (const s of page) byId.set(s.id, s);
  return [...byId.values()].sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
}

async function readUserNames(
  session: OpenStackSession,
  userIds: Iterable<string>,
  logger: Logger,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(userIds)) {
    if (!id) continue;
    try {
      names.set(id, (await getUser(session, id)).name);
    } catch (error) {
      // cASO leaves GlobalUserName out when the lookup is refused; so do we, and say so
      logger.warn(
        { userId: id, error: describeError(error) },
        'cannot read a user name; GlobalUserName left out',
      );
    }
  }
  return names;
}

async function readProjectData(
  session: OpenStackSession,
  since: number,
  logger: Logger,
): Promise<ProjectData> {
  const servers = await readServers(session, since);
  const flavors = new Map<string, Flavor>();
  if (servers.some((s) => !hasEmbeddedFlavor(s.flavor)))
    for (const f of await listFlavors(session)) if (f.id) flavors.set(f.id, f);
  const imageUris = new Map<string, string>();
  if (servers.some((s) => s.imageId))
    for await (const page of paginateImages(session))
      for (const image of page) {
        const uri = image.properties[MARKETPLACE_PROPERTY];
        if (uri) imageUris.set(image.id, uri);
      }
  return {
    servers,
    flavors,
    imageUris,
    userNames: await readUserNames(
      session,
      servers.map((s) => s.userId),
      logger,
    ),
  };
}

async function extractProject(
  config: SiteConfig,
  project: AccountedProject,
  options: ExtractOptions,
  to: number,
): Promise<ProjectOutcome> {
  const site = config.accounting.siteName ?? config.gocdb;
  const region = config.region ?? '';
  const key = (recordType: RecordType) => ({ site, region, projectId: project.projectId, recordType });
  const froms = new Map<RecordType, number>();
  for (const t of config.accounting.recordTypes as RecordType[]) {
    const from = options.extractFrom ?? (await options.watermarks?.get(key(t))) ?? options.defaultFrom;
    // a type already extracted up to `to` or later is left alone: its watermark never moves back
    if (from < to) froms.set(t, from);
  }
  const types = [...froms.keys()];
  if (types.length === 0)
    return { projectId: project.projectId, vo: project.vo, ok: true, records: {}, messages: 0 };
  const minFrom = Math.min(...froms.values());

  const session = withOptionalSignal(
    createSiteSession(config, {
      projectId: project.projectId,
      voIndex: project.voIndex,
      logger: options.logger,
    }),
    options.signal,
  );
  options.onSession?.(project.projectId, session);
  const data = await readProjectData(session, minFrom, options.logger);
  const ctx: ProjectContext = {
    siteName: site,
    cloudComputeService: config.accounting.serviceName ?? site,
    cloudType: CLOUD_TYPE,
    projectId: project.projectId,
    vo: project.vo,
    userNames: data.userNames,
    imageMarketplaceUris: data.imageUris,
    flavors: data.flavors,
    benchmarkNameKey: config.accounting.benchmarkNameKey,
    benchmarkValueKey: config.accounting.benchmarkValueKey,
  };
  const win = (t: RecordType): Window => ({ from: froms.get(t)!, to });
  const messages: Partial<Record<RecordType, string[]>> = {};
  const counts: Partial<Record<RecordType, number>> = {};
  const skipped: Partial<Record<RecordType, number>> = {};
  const serializeKind = <T>(
    t: RecordType,
    records: readonly T[],
    serialize: (batch: readonly T[]) => string,
    describe: (record: T) => Record<string, unknown>,
  ): string[] => {
    const out = serializeValidRecords(records, serialize, describe, options.logger);
    counts[t] = records.length - out.skipped;
    if (out.skipped > 0) skipped[t] = out.skipped;
    return out.bodies;
  };
  for (const t of types) {
    const w = win(t);
    const inWindow = data.servers.filter((s) => isInWindow(s, w));
    let bodies: string[];
    if (t === 'cloud') {
      const records = inWindow.map((s) => buildCloudRecord(s, ctx, w));
      bodies = serializeKind(t, records, serializeCloudMessage, (r) => ({ recordType: t, vmUuid: r.vmUuid }));
    } else if (t === 'accelerator') {
      const records = inWindow.flatMap((s) => buildAcceleratorRecords(s, ctx, w));
      bodies = serializeKind(t, records, serializeAcceleratorMessage, (r) => ({
        recordType: t,
        associatedRecord: r.associatedRecord,
      }));
    } else if (t === 'ip') {
      const fips = await collectAll(paginateFloatingIps(session, { projectId: project.projectId }));
      const ports = fips.some((f) => f.portId)
        ? await listPorts(session, { project_id: project.projectId })
        : [];
      const owners = new Map(data.servers.map((s) => [s.id, s.userId]));
      const records = buildPublicIpRecords(fips, new Map(ports.map((p) => [p.id, p])), owners, ctx, w);
      bodies = serializeKind(t, records, serializePublicIpMessage, (r) => ({
        recordType: t,
        user: r.globalUserName,
      }));
    } else {
      // every existing volume: its month record is a snapshot, also when the volume did not change
      const volumes = await collectAll(paginateVolumes(session));
      const missing = volumes.map((v) => v.userId).filter((id) => !ctx.userNames.has(id));
      for (const [id, name] of await readUserNames(session, missing, options.logger))
        data.userNames.set(id, name);
      const records = volumes.flatMap((v) => buildStorageRecord(v, ctx, w) ?? []);
      bodies = serializeKind(t, records, serializeStorageMessage, (r) => ({
        recordType: t,
        recordId: r.recordId,
      }));
    }
    messages[t] = bodies;
  }
  // every message of a type is durable in the outbox before that type's watermark moves
  let sent = 0;
  const moves: WatermarkMove[] = [];
  for (const t of types) {
    for (const body of messages[t] ?? []) {
      await options.sink.add(body);
      sent++;
    }
    if (!options.watermarks) continue;
    await options.watermarks.set(key(t), to);
    moves.push({ recordType: t, from: isoOf(froms.get(t)!), to: isoOf(to) });
  }
  return {
    projectId: project.projectId,
    vo: project.vo,
    ok: true,
    records: counts,
    ...(Object.keys(skipped).length > 0 ? { skipped } : {}),
    messages: sent,
    window: { from: isoOf(minFrom), to: isoOf(to) },
    ...(moves.length > 0 ? { watermarkMoves: moves } : {}),
  };
}

/**
 * Extracts accounting for every accounted project of a site. A failing
 * project keeps its watermarks and is reported; the others go on.
 */
export async function extractAccounting(
  config: SiteConfig,
  options: ExtractOptions,
): Promise<ProjectOutcome[]> {
  // a missing secret is a config error of the whole run, not a failure of the projects that use it
  assertCredentialsReadable(config);
  const now = Math.floor(options.clock() / 1000);
  const to = Math.min(options.extractTo ?? now, now);
  const service = withOptionalSignal(
    createSiteSession(config, {
      projectId: config.vos[0]?.auth.projectId,
      logger: options.logger,
    }),
    options.signal,
  );
  const { projects, problems } = await resolveAccountedProjects(config, service);
  const outcomes: ProjectOutcome[] = problems.map((p) => ({
    projectId: p.projectId,
    vo: undefined,
    ok: false,
    error: p.reason,
    records: {},
    messages: 0,
  }));
  const settled = await mapWithConcurrency(
    projects,
    options.concurrency ?? 4,
    async (project): Promise<ProjectOutcome> => {
      try {
        return await extractProject(config, project, options, to);
      } catch (error) {
        const reason = redactUrlsInText(describeError(error));
        options.logger.error(
          { projectId: project.projectId, error: reason },
          'project extraction failed; its watermarks stay',
        );
        return {
          projectId: project.projectId,
          vo: project.vo,
          ok: false,
          error: reason,
          records: {},
          messages: 0,
        };
      }
    },
  );
  // the task above never rejects: every project has its outcome
  for (const r of settled) if (r.status === 'fulfilled') outcomes.push(r.value);
  return outcomes.sort((a, b) => a.projectId.localeCompare(b.projectId));
}
