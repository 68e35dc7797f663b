// Builds APEL public IP records (v0.2): per project, user and IP version, counted at the window's end.
import type { PublicIpRecord } from '../../formats/apel/index.js';
import { parseApiTime, type FloatingIp, type Port } from '../../openstack/index.js';
import { toApelText } from './apel-text.js';
import { dropUndefined, type ProjectContext, type Window } from './cloud-records.js';

/**
 * Public IP records of one project. Fixes to cASO: only the project's floating
 * IPs count (cASO had no project filter), IPv4 and IPv6 are separate records
 * (cASO's IPv6 record overwrote IPv4), and the user is set: the owner of the
 * server a floating IP is attached to; an unattached one is charged to the
 * project (LocalUser = project id). MeasurementTime is the window's end, so a
 * re-run of the same window gives the same records.
 */
export function buildPublicIpRecords(
  floatingIps: readonly FloatingIp[],
  ports: ReadonlyMap<string, Port>,
  serverOwners: ReadonlyMap<string, string>,
  ctx: ProjectContext,
  window: Window,
): PublicIpRecord[] {
  const counts = new Map<string, { user: string; version: 4 | 6; count: number }>();
  for (const fip of floatingIps) {
    if (fip.projectId !== ctx.projectId) continue;
    if (fip.createdAt && parseApiTime(fip.createdAt) / 1000 > window.to) continue;
    const deviceId = fip.portId ? ports.get(fip.portId)?.deviceId : undefined;
    const user = (deviceId && serverOwners.get(deviceId)) || ctx.projectId;
    const key = `${user}/${fip.ipVersion}`;
    const entry = counts.get(key) ?? { user, version: fip.ipVersion, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()]
    .sort((a, b) => a.user.localeCompare(b.user) || a.version - b.version)
    .map(({ user, version, count }) =>
      dropUndefined({
        measurementTime: window.to,
        siteName: ctx.siteName,
        cloudType: ctx.cloudType,
        cloudComputeService: ctx.cloudComputeService,
        localUser: user,
        localGroup: ctx.projectId,
        globalUserName: toApelText(ctx.userNames.get(user)) ?? user,
        fqan: ctx.vo,
        ipVersion: version,
        ipCount: count,
      }),
    );
}
