// Collects one VO's share at a site: project, images, flavors, quotas and server counts, each failure noted.
import { describeError } from '../../errors.js';
import type { HealthState, ShareSnapshot, SnapshotFlavor, SnapshotImage } from '../../formats/glue/index.js';
import type { Logger } from '../../log.js';
import {
  getComputeQuotas,
  listFlavors,
  paginateImages,
  paginateServers,
  type OpenStackSession,
} from '../../openstack/index.js';
import type { SiteConfig } from '../site-config.js';
import { createSiteSession } from '../site-session.js';
import {
  selectFlavors,
  toSnapshotFlavor,
  toSnapshotImage,
  type FlavorSelection,
} from './snapshot-mapping.js';

/** Options of {@link collectShare}. */
export interface CollectShareOptions {
  readonly logger?: Logger;
  /** Per-request time limit, ms; default the config's `timeout_seconds`. */
  readonly timeoutMs?: number;
  readonly flavorSelection?: FlavorSelection;
  readonly signal?: AbortSignal;
}

/** A collected share and the session that worked for it (undefined when authentication failed). */
export interface CollectedShare {
  readonly share: ShareSnapshot;
  readonly session: OpenStackSession | undefined;
}

async function collectImages(session: OpenStackSession): Promise<SnapshotImage[]> {
  let imageEndpoint: string | undefined;
  try {
    imageEndpoint = await session.endpoint('image');
  } catch {
    imageEndpoint = undefined;
  }
  const images: SnapshotImage[] = [];
  for await (const page of paginateImages(session, { status: 'active' })) {
    for (const image of page) images.push(toSnapshotImage(image, imageEndpoint));
  }
  return images;
}

async function collectFlavors(
  session: OpenStackSession,
  selection: FlavorSelection,
): Promise<SnapshotFlavor[]> {
  // is_public=none: public flavors plus the private ones the project may use (cip bug #157)
  const flavors = (await listFlavors(session, { isPublic: 'none' })).map(toSnapshotFlavor);
  return selectFlavors(
    flavors.filter((f): f is SnapshotFlavor => f !== undefined),
    selection,
  );
}

async function collectQuotas(
  session: OpenStackSession,
  projectId: string,
): Promise<{ quotas: Record<string, number>; usage: Record<string, number> }> {
  const quotas: Record<string, number> = {};
  const usage: Record<string, number> = {};
  for (const [name, item] of Object.entries(await getComputeQuotas(session, projectId))) {
    if (Number.isFinite(item.limit)) quotas[name] = item.limit;
    if (item.inUse !== undefined && Number.isFinite(item.inUse)) usage[name] = item.inUse;
  }
  return { quotas, usage };
}

async function countServers(session: OpenStackSession): Promise<Record<string, number>> {
  const byStatus: Record<string, number> = {};
  for await (const page of paginateServers(session)) {
    for (const server of page) byStatus[server.status] = (byStatus[server.status] ?? 0) + 1;
  }
  return byStatus;
}

function failedShare(vo: string, projectId: string, info: string): ShareSnapshot {
  return {
    vo,
    projectId,
    images: [],
    flavors: [],
    quotas: {},
    serversByStatus: {},
    health: 'critical',
    healthInfo: info,
  };
}

/**
 * Collects the share of the VO at `voIndex` of the config: authenticates to its project (the VO's own
 * credentials, else the site's), then reads images, flavors, quotas and servers in parallel. A part that
 * fails leaves the share `warning` with the error text; failing to authenticate, or to read both images
 * and flavors, makes it `critical`. Never throws for OpenStack failures.
 */
export async function collectShare(
  config: SiteConfig,
  voIndex: number,
  options: CollectShareOptions = {},
): Promise<CollectedShare> {
  const vo = config.vos[voIndex]!;
  const configuredProjectId = vo.auth.projectId;
  let session: OpenStackSession;
  let token;
  try {
    session = createSiteSession(config, {
      projectId: configuredProjectId,
      voIndex,
      logger: options.logger,
      timeoutMs: options.timeoutMs,
    });
    // every request of this share, whichever operation makes it, ends with the site's deadline
    if (options.signal) session = session.withSignal(options.signal);
    token = await session.token();
  } catch (error) {
    return {
      share: failedShare(vo.name, configuredProjectId, `authentication: ${describeError(error)}`),
      session: undefined,
    };
  }
  const projectId = token.project?.id ?? configuredProjectId;
  const [images, flavors, quotas, servers] = await Promise.allSettled([
    collectImages(session),
    collectFlavors(session, options.flavorSelection ?? 'all'),
    collectQuotas(session, projectId),
    countServers(session),
  ]);
  const problems: string[] = [];
  const note = (part: string, r: PromiseSettledResult<unknown>) => {
    if (r.status === 'rejected') problems.push(`${part}: ${describeError(r.reason)}`);
  };
  note('images', images);
  note('flavors', flavors);
  note('quotas', quotas);
  note('servers', servers);
  const isDown = images.status === 'rejected' && flavors.status === 'rejected';
  const health: HealthState = problems.length === 0 ? 'ok' : isDown ? 'critical' : 'warning';
  options.logger?.debug({ vo: vo.name, health, problems }, 'share collected');
  const share: ShareSnapshot = {
    vo: vo.name,
    projectId,
    projectName: token.project?.name,
    images: images.status === 'fulfilled' ? images.value : [],
    flavors: flavors.status === 'fulfilled' ? flavors.value : [],
    quotas: quotas.status === 'fulfilled' ? quotas.value.quotas : {},
    quotaUsage: quotas.status === 'fulfilled' ? quotas.value.usage : undefined,
    serversByStatus: servers.status === 'fulfilled' ? servers.value : {},
    health,
    healthInfo: problems.length > 0 ? problems.join('; ') : undefined,
  };
  return {
    share: Object.fromEntries(Object.entries(share).filter(([, v]) => v !== undefined)) as ShareSnapshot,
    session,
  };
}
