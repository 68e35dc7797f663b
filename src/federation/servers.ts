// The researcher's VMs at every site, as the CLI's `servers` commands and the portal's VMs page
// use them: list everywhere, choose a site, launch, delete (releasing the floating IPs we gave).
import { createHash } from 'node:crypto';
import { FedstackError, describeError } from '../errors.js';
import {
  collectAll,
  createFloatingIp,
  createServer,
  deleteFloatingIp,
  deleteServer,
  ensureKeypair,
  getComputeLimits,
  getServer,
  listNetworks,
  listPorts,
  paginateFloatingIps,
  paginateServers,
  waitForServer,
  type OpenStackSession,
  type Server,
} from '../openstack/index.js';
import type { FederationSite } from './federation-site.js';
import {
  candidatesOf,
  describeQuota,
  freeQuotaOf,
  gib,
  quotaShortfall,
  rankCandidates,
  type Candidate,
  type FreeQuota,
  type Requirements,
  type SiteImage,
  type OfferedFlavor,
} from './matchmaking.js';
import { callSites, type SiteCaller } from './site-calls.js';

/** The description of the floating IPs a launch allocates (released again on delete). */
export const FLOATING_IP_DESCRIPTION = 'fedstack servers create';

/** One server, flat. */
export interface ServerRow {
  site: string;
  vo: string;
  id: string;
  name: string;
  status: string;
  flavor: string;
  /** Every address, floating ones first. */
  addresses: string[];
  /** The address to ssh to: the floating one, else the first IPv4 one, else the first. */
  ssh_address?: string;
  created: string;
}

/** The address to ssh to: the floating one, else the first IPv4 one, else the first. */
export function sshAddressOf(server: Server): string | undefined {
  return (
    server.addresses.find((a) => a.type === 'floating') ??
    server.addresses.find((a) => a.version === 4) ??
    server.addresses[0]
  )?.addr;
}

/** The row of a server of `vo` at `site`. */
export function serverRowOf(site: string, vo: string, s: Server): ServerRow {
  const floatingFirst = [...s.addresses].sort(
    (a, b) => Number(b.type === 'floating') - Number(a.type === 'floating'),
  );
  const ssh = sshAddressOf(s);
  return {
    site,
    vo,
    id: s.id,
    name: s.name,
    status: s.status,
    flavor: 'name' in s.flavor ? String(s.flavor.name) : s.flavor.id,
    addresses: floatingFirst.map((a) => a.addr),
    ...(ssh ? { ssh_address: ssh } : {}),
    created: s.created,
  };
}

/** A site and the VO whose project there is asked. */
export interface SiteVo {
  readonly site: FederationSite;
  readonly vo: string;
}

/** Every server at every (site, VO), an error line per site that did not answer, and each site's timing. */
export interface ServerListing {
  readonly rows: ServerRow[];
  readonly errors: { site: string; error: string }[];
  readonly sites: { site: string; ok: boolean; ms: number; logins: number }[];
}

/** Lists the servers of every pair at once, each site within its time limit. */
export async function listServers(caller: SiteCaller, pairs: readonly SiteVo[]): Promise<ServerListing> {
  const outcomes = (
    await Promise.all(
      [...new Set(pairs.map((p) => p.vo))].map((vo) =>
        callSites(
          caller,
          pairs.filter((p) => p.vo === vo).map((p) => p.site),
          vo,
          async (session, site) =>
            (await collectAll(paginateServers(session))).map((s) => serverRowOf(site.name, vo, s)),
        ),
      ),
    )
  ).flat();
  return {
    rows: outcomes
      .flatMap((o) => o.value ?? [])
      .sort((a, b) => a.site.localeCompare(b.site) || a.name.localeCompare(b.name)),
    errors: outcomes.filter((o) => !o.ok).map((o) => ({ site: o.site, error: o.error! })),
    sites: outcomes.map((o) => ({ site: o.site, ok: o.ok, ms: o.ms, logins: o.logins })),
  };
}

/** What the information system offers the VO: images with their site, and flavors. */
export interface SiteOffers {
  readonly images: readonly SiteImage[];
  readonly flavors: readonly OfferedFlavor[];
}

/** The site matchmaking chose, and why (the others and why not). */
export interface SiteChoice {
  readonly site: FederationSite;
  readonly candidate: Candidate;
  readonly why: string;
}

/**
 * Chooses where to launch among `sites`: those with the wanted image and a fitting flavor
 * (from `offers`), whose free quota (read live) holds the flavor, ranked by free quota.
 * @throws FedstackError `CLIENT_NO_SITE` naming every site and why it cannot.
 */
export async function chooseSite(
  caller: SiteCaller,
  vo: string,
  sites: readonly FederationSite[],
  offers: SiteOffers,
  req: Requirements,
): Promise<SiteChoice> {
  const { candidates, skipped } = candidatesOf(
    sites.map((s) => s.name),
    offers.images,
    offers.flavors,
    req,
  );
  const notes = skipped.map((s) => `${s.site}: ${s.why}`);
  const byName = new Map(sites.map((s) => [s.name, s]));
  const quotas = await callSites(
    caller,
    candidates.map((c) => byName.get(c.site)!),
    vo,
    async (session) => freeQuotaOf(await getComputeLimits(session)),
  );
  const usable: { candidate: Candidate; quota: FreeQuota }[] = [];
  for (const [i, q] of quotas.entries()) {
    const candidate = candidates[i]!;
    if (!q.ok) notes.push(q.error!);
    else {
      const short = quotaShortfall(q.value!, candidate.flavor);
      if (short) notes.push(`${candidate.site}: ${short}`);
      else usable.push({ candidate, quota: q.value! });
    }
  }
  const [best, ...rest] = rankCandidates(usable);
  if (!best)
    throw new FedstackError(
      'CLIENT_NO_SITE',
      `no site can launch image ${req.image} with ${req.flavor ? `flavor ${req.flavor}` : 'a fitting flavor'} for VO ${vo}: ${notes.join('; ') || 'no site'}`,
    );
  const { candidate, quota } = best;
  const why =
    `${candidate.site}: image "${candidate.image.name}", flavor ${candidate.flavor.name} ` +
    `(${candidate.flavor.cpu} CPU, ${gib(candidate.flavor.ram_mb)} GiB RAM); ${describeQuota(quota)}` +
    (rest.length > 0
      ? `; also possible: ${rest.map((r) => `${r.candidate.site} (${describeQuota(r.quota)})`).join(', ')}`
      : '') +
    (notes.length > 0 ? `; not possible: ${notes.join('; ')}` : '');
  return { site: byName.get(candidate.site)!, candidate, why };
}

/** `network`: `none`, a network name or id, or `auto` (the project's one network, else Nova's choice). */
export async function networksFor(
  session: OpenStackSession,
  wanted: string,
): Promise<readonly string[] | 'none' | 'auto'> {
  if (wanted === 'none') return 'none';
  const networks = (await listNetworks(session)).filter((n) => !n.isExternal);
  if (wanted !== 'auto') {
    const hit = networks.find((n) => n.id === wanted || n.name === wanted);
    if (!hit)
      throw new FedstackError(
        'CLIENT_NO_SITE',
        `no network ${wanted} (the project has ${networks.map((n) => n.name).join(', ') || 'none'})`,
      );
    return [hit.id];
  }
  const projectId = await session.projectId();
  const own = networks.filter((n) => n.projectId === projectId);
  const pick = own.length === 1 ? own : networks.length === 1 ? networks : [];
  return pick.length === 1 ? [pick[0]!.id] : 'auto';
}

/** Allocates a floating IP from the site's external network and puts it on the server's first port. */
export async function attachFloatingIp(session: OpenStackSession, serverId: string): Promise<string> {
  const [external] = await listNetworks(session, { 'router:external': 'true' });
  if (!external)
    throw new FedstackError('CLIENT_NO_SITE', 'the site has no external network for a floating IP');
  const [port] = await listPorts(session, { device_id: serverId });
  if (!port)
    throw new FedstackError(
      'CLIENT_NO_SITE',
      'the server has no port to put a floating IP on (network none?)',
    );
  const ip = await createFloatingIp(session, {
    floatingNetworkId: external.id,
    portId: port.id,
    description: FLOATING_IP_DESCRIPTION,
  });
  return ip.floatingIpAddress;
}

/** What to launch, at the chosen site. */
export interface LaunchRequest {
  readonly candidate: Candidate;
  /** Default `fedstack-<date>-<random>`. */
  readonly name?: string;
  /** `auto`, `none`, or a network name or id. */
  readonly network: string;
  /** An OpenSSH public key, registered as a key pair named by its hash. */
  readonly publicKey?: string;
  readonly userData?: string | Buffer;
  /** Wait until ACTIVE. */
  readonly wait?: boolean;
  /** Put a floating IP on it (waits until ACTIVE first). */
  readonly floatingIp?: boolean;
}

/** The launched server, as Nova last showed it, and its floating IP when one was asked for. */
export interface Launched {
  readonly server: Server;
  readonly floatingIp?: string;
}

/** Launches a server in the session's project (key pair, network, metadata), waiting when asked. */
export async function launchServer(session: OpenStackSession, req: LaunchRequest): Promise<Launched> {
  let keyName: string | undefined;
  if (req.publicKey) {
    keyName = `fedstack-${createHash('sha256').update(req.publicKey).digest('hex').slice(0, 12)}`;
    await ensureKeypair(session, keyName, req.publicKey);
  }
  const name =
    req.name ?? `fedstack-${new Date().toISOString().slice(0, 10)}-${Math.random().toString(36).slice(2, 8)}`;
  const id = await createServer(session, {
    name,
    flavorId: req.candidate.flavor.id,
    imageId: req.candidate.image.id,
    networks: await networksFor(session, req.network),
    ...(keyName ? { keyName } : {}),
    ...(req.userData ? { userData: req.userData } : {}),
    metadata: { 'eu.egi.cloud.orchestrator': 'fedstack' },
  });
  let server = await getServer(session, id);
  if (req.wait || req.floatingIp)
    server = (await waitForServer(session, id, ['ACTIVE'], { timeoutMs: 600_000 }))!;
  if (!req.floatingIp) return { server };
  const ip = await attachFloatingIp(session, id);
  // Nova learns of the floating IP from Neutron a moment later
  for (let i = 0; i < 40 && !server.addresses.some((a) => a.addr === ip); i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    server = await getServer(session, id);
  }
  return { server, floatingIp: ip };
}

/**
 * Deletes a server and releases the floating IPs a launch gave it; a release that fails is a line
 * in `errors`, not a throw (the server is gone).
 */
export async function deleteServerAndIps(
  session: OpenStackSession,
  serverId: string,
): Promise<{ released: number; errors: string[] }> {
  const ports = await listPorts(session, { device_id: serverId });
  const ours: string[] = [];
  for (const port of ports)
    for await (const page of paginateFloatingIps(session, { portId: port.id }))
      for (const ip of page) if (ip.description === FLOATING_IP_DESCRIPTION) ours.push(ip.id);
  await deleteServer(session, serverId);
  const errors: string[] = [];
  for (const id of ours)
    await deleteFloatingIp(session, id).catch((error: unknown) =>
      errors.push(`cannot release floating IP ${id}: ${describeError(error)}`),
    );
  return { released: ours.length - errors.length, errors };
}
