// Builds APEL cloud records (v0.4) from Nova servers: cASO's field rules with its known bugs fixed.
import type { CloudRecord } from '../../formats/apel/index.js';
import { hasEmbeddedFlavor, parseApiTime, type Flavor, type Server } from '../../openstack/index.js';
import { toApelText } from './apel-text.js';

/** What every record of one project shares. */
export interface ProjectContext {
  readonly siteName: string;
  readonly cloudComputeService: string;
  readonly cloudType: string;
  readonly projectId: string;
  readonly vo: string;
  /** User id → user name (GlobalUserName); missing ids are left out. */
  readonly userNames: ReadonlyMap<string, string>;
  /** Image id → marketplace URI (image property `vmcatcher_event_ad_mpuri`). */
  readonly imageMarketplaceUris: ReadonlyMap<string, string>;
  /** Flavor id → flavor, for sites whose servers do not embed the flavor (< 2.47). */
  readonly flavors: ReadonlyMap<string, Flavor>;
  readonly benchmarkNameKey: string;
  readonly benchmarkValueKey: string;
}

/** The extraction window, epoch seconds: [from, to]. */
export interface Window {
  readonly from: number;
  readonly to: number;
}

const STARTED = new Set([
  'active',
  'build',
  'confirming_resize',
  'hard_reboot',
  'migrating',
  'reboot',
  'rebuild',
  'rescue',
  'resize',
  'revert_resize',
  'verify_resize',
  'saving',
  'password',
]);

/**
 * Maps a Nova status to the accounting status. As cASO, with two fixes:
 * SHELVED and SHELVED_OFFLOADED are `shelved` (cASO: `unknown`), SHUTOFF is
 * `stopped` while the VM exists (cASO reported it `started`).
 */
export function accountingStatus(novaStatus: string): string {
  const s = novaStatus.toLowerCase();
  if (STARTED.has(s)) return 'started';
  if (s === 'deleted' || s === 'terminated' || s === 'soft_deleted') return 'completed';
  if (s === 'shutoff' || s === 'stopped') return 'stopped';
  if (s === 'shelved' || s === 'shelved_offloaded') return 'shelved';
  if (s === 'paused' || s === 'suspended' || s === 'error') return s;
  return 'unknown';
}

function seconds(iso: string): number {
  return Math.floor(parseApiTime(iso) / 1000);
}

/** The flavor of a server: embedded (≥ 2.47, survives flavor deletion) or looked up. */
export function flavorOf(server: Server, flavors: ReadonlyMap<string, Flavor>): Flavor | undefined {
  return hasEmbeddedFlavor(server.flavor) ? server.flavor : flavors.get(server.flavor.id);
}

/** Start and end (epoch s; end undefined while running) of a server's life, cASO's rules. */
export function serverLifetime(server: Server): { start: number; end: number | undefined } {
  const start = seconds(server.created); // not launched_at: Nova resets it on resize and rebuild
  if (server.terminatedAt) return { start, end: seconds(server.terminatedAt) };
  if (server.status === 'DELETED') {
    // never launched: a zero-length life (reported as 1 s); else stuck in deleting: its last update
    return { start, end: server.launchedAt ? seconds(server.updated) : start };
  }
  return { start, end: undefined };
}

/** True when the server's life overlaps the window. */
export function isInWindow(server: Server, window: Window): boolean {
  const { start, end } = serverLifetime(server);
  return start <= window.to && (end === undefined || end >= window.from);
}

/**
 * One cumulative cloud record for a server at the end of the window: wall time
 * since start (not the window's delta), CPU = wall × vCPUs, EndTime 0 while
 * running, durations at least 1 s.
 */
export function buildCloudRecord(server: Server, ctx: ProjectContext, window: Window): CloudRecord {
  const { start, end } = serverLifetime(server);
  const ended = end !== undefined && end <= window.to;
  const wall = Math.max(1, (ended ? end : window.to) - start);
  const flavor = flavorOf(server, ctx.flavors);
  const vcpus = flavor?.vcpus ?? 0;
  let status = accountingStatus(server.status);
  if (ended) status = 'completed';
  else if (status === 'completed') status = 'started'; // deleted after the window's end
  const benchmarkType = flavor?.extraSpecs[ctx.benchmarkNameKey];
  const benchmarkValue = Number(flavor?.extraSpecs[ctx.benchmarkValueKey]);
  const hasBenchmark = benchmarkType !== undefined && Number.isFinite(benchmarkValue);
  const imageId = server.imageId
    ? (ctx.imageMarketplaceUris.get(server.imageId) ?? server.imageId)
    : undefined;
  const record: CloudRecord = {
    vmUuid: server.id,
    siteName: ctx.siteName,
    cloudComputeService: ctx.cloudComputeService,
    cloudType: ctx.cloudType,
    machineName: toApelText(server.name),
    localUserId: toApelText(server.userId),
    localGroupId: ctx.projectId,
    globalUserName: toApelText(ctx.userNames.get(server.userId)),
    fqan: ctx.vo,
    status,
    startTime: start,
    endTime: ended ? end : 0,
    wallDuration: wall,
    cpuDuration: Math.max(1, wall * vcpus),
    cpuCount: vcpus,
    memory: flavor?.ramMb ?? 0,
    disk: flavor ? flavor.diskGb + flavor.ephemeralGb : 0,
    publicIpCount: server.addresses.filter((a) => a.type === 'floating').length,
    imageId: toApelText(imageId),
    ...(hasBenchmark ? { benchmarkType: toApelText(benchmarkType, 50), benchmark: benchmarkValue } : {}),
  };
  return dropUndefined(record);
}

/** Copies an object without its undefined properties (absent fields are left out of messages). */
export function dropUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}
