// Builds EMI StAR storage records from Cinder volumes: one per volume per calendar month, so history is kept.
import type { StorageRecord } from '../../formats/apel/index.js';
import { parseApiTime, type Volume } from '../../openstack/index.js';
import { toApelText } from './apel-text.js';
import { dropUndefined, type ProjectContext, type Window } from './cloud-records.js';

const BYTES_PER_GIB = 2n ** 30n;

/**
 * The storage record of a volume for the month holding the window's end.
 * Fix to cASO (whose recordId was the volume id, so each run overwrote the
 * volume's only record): recordId = `<volume id>/<YYYY-MM>`, StartTime =
 * max(created, month start), EndTime = the window's end (cASO: "now"),
 * createTime = the window's end; a later run in the same month replaces it.
 */
export function buildStorageRecord(
  volume: Volume,
  ctx: ProjectContext,
  window: Window,
): StorageRecord | undefined {
  const created = Math.floor(parseApiTime(volume.createdAt) / 1000);
  if (created > window.to) return undefined;
  const end = new Date(window.to * 1000);
  const monthStart = Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), 1) / 1000;
  const period = `${end.getUTCFullYear()}-${String(end.getUTCMonth() + 1).padStart(2, '0')}`;
  return dropUndefined({
    recordId: `${volume.id}/${period}`,
    createTime: window.to,
    storageSystem: ctx.cloudComputeService,
    site: ctx.siteName,
    storageShare: toApelText(volume.volumeType),
    storageMedia: 'disk',
    localUser: volume.userId,
    localGroup: ctx.projectId,
    userIdentity: toApelText(ctx.userNames.get(volume.userId)),
    group: ctx.vo,
    startTime: Math.max(created, monthStart),
    endTime: window.to,
    resourceCapacityUsed: BigInt(Math.round(volume.sizeGb)) * BYTES_PER_GIB,
  });
}
