// The probes, with ARGO's metric names: keystone (org.nagios.Keystone-TCP and an OIDC login to a
// scoped token) and vm (eu.egi.cloud.OpenStack-VM: boot the monitoring image and delete it again).
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { FedstackError, describeError } from '../errors.js';
import { HubClient } from '../hub-client/index.js';
import {
  collectAll,
  createServer,
  deleteServer,
  listFlavors,
  listNetworks,
  paginateImages,
  paginateServers,
  waitForServer,
  type Flavor,
  type Image,
  type OpenStackSession,
} from '../openstack/index.js';
import { thresholdStatus, type ProbeResult } from './plugin-output.js';
import { StepLog, scopedProbeSession, type ProbeOptions } from './probe-context.js';

/** The metadata key the vm probe tags its servers with (ARGO's). */
export const MONITOR_HOST_KEY = 'argo-mon-host';
/** The name of the vm probe's servers (ARGO's). */
export const PROBE_SERVER_NAME = 'cloudmonprobe-servertest';

/** A TCP connection to `url`'s host and port within `timeoutMs`. */
function tcpConnect(url: string, timeoutMs: number): Promise<void> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: u.hostname, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no TCP connection to ${u.hostname}:${port} within ${timeoutMs} ms`));
    });
    socket.once('error', (error) =>
      reject(new Error(`TCP connection to ${u.hostname}:${port} failed: ${error.message}`)),
    );
  });
}

/** A failed step: UNKNOWN when the probe was given bad input (no token, say), else CRITICAL. */
function failureOf(error: unknown, log: StepLog): ProbeResult {
  const status = error instanceof FedstackError && error.code === 'CONFIG_INVALID' ? 'UNKNOWN' : 'CRITICAL';
  return { status, summary: describeError(error), perfdata: log.perfdata, steps: log.steps };
}

/**
 * org.nagios.Keystone-TCP in-process, as `check_tcp -H host -p port` answers: OK with the
 * connection time, CRITICAL when refused or not made within `timeout` seconds.
 */
export async function tcpProbe(options: {
  readonly url: string;
  readonly timeout: number;
}): Promise<ProbeResult> {
  const started = process.hrtime.bigint();
  const u = new URL(options.url);
  const where = `${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
  try {
    await tcpConnect(options.url, options.timeout * 1000);
  } catch (error) {
    return { status: 'CRITICAL', summary: describeError(error) };
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    status: 'OK',
    summary: `TCP connection to ${where} in ${Math.round(seconds * 1000) / 1000} s`,
    perfdata: { time: seconds },
  };
}

/**
 * `fedstack probe swift` (eu.egi.cloud.OpenStack-Swift): the same login, then the catalog's
 * object-store endpoint: a container `container-<uuid>` and an object `file-<uuid>` created, the
 * object read back (its content compared, where ARGO's probe checks only that it is not empty),
 * then both deleted. CRITICAL at the first step that fails; the container is removed on the way out
 * whatever happened.
 */
export async function swiftProbe(options: ProbeOptions): Promise<ProbeResult> {
  const log = new StepLog();
  const id = randomUUID();
  const container = `container-${id}`;
  const object = `${container}/file-${id}`;
  const content = `fedstack swift probe ${id}`;
  let session: OpenStackSession | undefined;
  let isContainerMade = false;
  try {
    session = (await scopedProbeSession(options, log)).session;
    const s = session;
    await log.step(
      'endpoint',
      () => s.endpoint('object-store'),
      (url) => `object-store at ${url}`,
    );
    await log.step(
      'container',
      () => s.send({ service: 'object-store', method: 'PUT', path: container }),
      () => `${container} created`,
    );
    isContainerMade = true;
    await log.step(
      'put',
      () =>
        s.send({
          service: 'object-store',
          method: 'PUT',
          path: object,
          body: content,
          headers: { 'content-type': 'text/plain' },
        }),
      () => `file-${id} written`,
    );
    const read = await log.step(
      'get',
      async () => (await s.send({ service: 'object-store', method: 'GET', path: object })).text(),
      (text) => `${text.length} bytes read back`,
    );
    if (read !== content)
      throw new Error(`the object read back differs from what was written (${read.length} bytes)`);
    await log.step(
      'delete',
      () => s.send({ service: 'object-store', method: 'DELETE', path: object }),
      () => 'object deleted',
    );
    await log.step(
      'remove',
      () => s.send({ service: 'object-store', method: 'DELETE', path: container }),
      () => 'container deleted',
    );
    isContainerMade = false;
    return {
      status: 'OK',
      summary: `container ${container} and object file-${id} created, read and destroyed`,
      perfdata: log.perfdata,
      steps: log.steps,
    };
  } catch (error) {
    return failureOf(error, log);
  } finally {
    if (session && isContainerMade) {
      const s = session;
      await s.send({ service: 'object-store', method: 'DELETE', path: object }).catch(() => undefined);
      await s.send({ service: 'object-store', method: 'DELETE', path: container }).catch(() => undefined);
    }
  }
}

/** `fedstack probe keystone`. */
export async function keystoneProbe(options: ProbeOptions): Promise<ProbeResult> {
  const log = new StepLog();
  try {
    await log.step(
      'connect',
      () => tcpConnect(options.endpoint, options.timeout * 1000),
      () => 'TCP connection made',
    );
    const { project } = await scopedProbeSession(options, log);
    return {
      status: 'OK',
      summary: `OIDC login to a token scoped to project ${project.name} in ${Math.round(((log.perfdata.login ?? 0) + (log.perfdata.scope ?? 0)) * 100) / 100} s`,
      perfdata: log.perfdata,
      steps: log.steps,
    };
  } catch (error) {
    return failureOf(error, log);
  }
}

/** Options of the vm probe. */
export interface VmProbeOptions extends ProbeOptions {
  /** Glance id of the monitoring image… */
  readonly image?: string;
  /** …or its registry reference (`APPLIANCE_ATTRIBUTES` → `eu.egi.cloud.image_ref`)… */
  readonly registryImage?: string;
  /** …or its AppDB id (`APPLIANCE_ATTRIBUTES` → `ad:appid`). */
  readonly appdbImage?: string;
  readonly flavor?: string;
  /** How long the server may take to become ACTIVE and to go, s. */
  readonly vmTimeout: number;
  /** This monitoring host, tagged on the servers; default the machine's name. */
  readonly monitorHost?: string;
}

function applianceAttributes(image: Image): Record<string, unknown> {
  try {
    return JSON.parse(image.properties.APPLIANCE_ATTRIBUTES ?? '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

async function monitoringImage(session: OpenStackSession, o: VmProbeOptions): Promise<Image> {
  const images = (await collectAll(paginateImages(session))).filter((i) => i.status === 'active');
  const found = o.image
    ? images.find((i) => i.id === o.image)
    : o.registryImage
      ? images.find((i) => applianceAttributes(i)['eu.egi.cloud.image_ref'] === o.registryImage)
      : images.find((i) => String(applianceAttributes(i)['ad:appid'] ?? '') === o.appdbImage);
  if (!found)
    throw new FedstackError(
      'OPENSTACK_HTTP',
      `no active monitoring image ${o.image ?? o.registryImage ?? o.appdbImage} among the project's ${images.length} images`,
    );
  return found;
}

/** ARGO's flavor: the given one, else the smallest with a root disk of at least 8 GB (fewest CPUs, then RAM). */
function monitoringFlavor(flavors: readonly Flavor[], wanted: string | undefined): Flavor {
  const pick = wanted
    ? flavors.find((f) => f.name === wanted || f.id === wanted)
    : [...flavors].filter((f) => f.diskGb >= 8).sort((a, b) => a.vcpus - b.vcpus || a.ramMb - b.ramMb)[0];
  if (!pick)
    throw new FedstackError(
      'OPENSTACK_HTTP',
      wanted ? `flavor ${wanted} not found` : 'no flavor with a root disk of 8 GB or more',
    );
  return pick;
}

/** `fedstack probe vm`. */
export async function vmProbe(options: VmProbeOptions): Promise<ProbeResult> {
  const log = new StepLog();
  const host = options.monitorHost ?? hostname();
  const vmTimeoutMs = options.vmTimeout * 1000;
  try {
    if (!options.image && !options.registryImage && !options.appdbImage)
      return {
        status: 'UNKNOWN',
        summary: 'give the monitoring image: --image ID, --registry-image REF or --appdb-image ID',
      };
    const { session, project } = await scopedProbeSession(options, log);
    // our own servers of an earlier run first: deleted, and the run ends WARNING
    const leftovers = await log.step(
      'cleanup',
      async () => {
        const servers = (await collectAll(paginateServers(session))).filter(
          (s) => s.metadata[MONITOR_HOST_KEY] === host,
        );
        for (const s of servers) await deleteServer(session, s.id);
        await Promise.all(
          servers.map((s) => waitForServer(session, s.id, ['DELETED'], { timeoutMs: vmTimeoutMs })),
        );
        return servers.length;
      },
      (n) => (n === 0 ? 'no server of an earlier run' : `${n} server(s) of an earlier run deleted`),
    );
    const image = await log.step(
      'image',
      () => monitoringImage(session, options),
      (i) => `${i.name} (${i.id})`,
    );
    const flavor = await log.step(
      'flavor',
      async () => monitoringFlavor(await listFlavors(session), options.flavor),
      (f) => `${f.name} (${f.vcpus} CPU, ${f.ramMb} MiB)`,
    );
    const network = await log.step(
      'network',
      async () =>
        (await listNetworks(session)).find(
          (n) => n.projectId === project.id && n.status === 'ACTIVE' && !n.isExternal,
        ),
      (n) => (n ? n.name : 'none'),
    );
    const id = await log.step(
      'create',
      async () => {
        const serverId = await createServer(session, {
          name: PROBE_SERVER_NAME,
          flavorId: flavor.id!,
          imageId: image.id,
          networks: network ? [network.id] : 'none',
          metadata: { [MONITOR_HOST_KEY]: host },
        });
        await waitForServer(session, serverId, ['ACTIVE'], { timeoutMs: vmTimeoutMs, intervalMs: 2_000 });
        return serverId;
      },
      (serverId) => `server ${serverId} ACTIVE`,
    );
    await log.step(
      'delete',
      async () => {
        await deleteServer(session, id);
        await waitForServer(session, id, ['DELETED'], { timeoutMs: vmTimeoutMs, intervalMs: 2_000 });
      },
      () => 'server deleted',
    );
    const summary = `Compute instance=${id} created(${Math.round(log.perfdata.create! * 100) / 100}s) and destroyed(${Math.round(log.perfdata.delete! * 100) / 100}s)`;
    return leftovers > 0
      ? {
          status: 'WARNING',
          summary: `previous run server still running (deleted); ${summary}`,
          perfdata: log.perfdata,
          steps: log.steps,
        }
      : { status: 'OK', summary, perfdata: log.perfdata, steps: log.steps };
  } catch (error) {
    return failureOf(error, log);
  }
}

/** Options of the infoprovider probe. */
export interface InfoProviderProbeOptions {
  readonly endpoint: string;
  /** The information system: the hub or cloud-info-api. */
  readonly isEndpoint: string;
  readonly timeout: number;
}

/** The same Keystone URL, with or without a trailing slash or an explicit :443 (ARGO adds one). */
function sameEndpoint(a: string, b: string): boolean {
  const norm = (u: string) => u.replace(/\/+$/, '').replace(/^(https:\/\/[^/:]+):443(?=\/|$)/, '$1');
  return norm(a) === norm(b);
}

/** `fedstack probe infoprovider` (eu.egi.cloud.InfoProvider). */
export async function infoProviderProbe(options: InfoProviderProbeOptions): Promise<ProbeResult> {
  const log = new StepLog();
  let sites: { name: string; url: string; state: string; projects?: { name: string }[] }[];
  try {
    sites = await log.step(
      'information-system',
      async () => {
        const hub = new HubClient({
          url: options.isEndpoint,
          timeoutMs: options.timeout * 1000,
          cloudInfoApiPaths: true,
        });
        return (await hub.infosys.sites({ include_projects: true })) as typeof sites;
      },
      (s) => `${s.length} sites listed`,
    );
  } catch (error) {
    return {
      status: 'UNKNOWN',
      summary: `the information system cannot be read: ${describeError(error)}`,
      perfdata: log.perfdata,
      steps: log.steps,
    };
  }
  const site = sites.find((s) => sameEndpoint(s.url, options.endpoint));
  if (!site)
    return {
      status: 'CRITICAL',
      summary: `endpoint ${options.endpoint} is not in the information system`,
      perfdata: log.perfdata,
      steps: log.steps,
    };
  const vos = site.projects?.length ?? 0;
  if (site.state === 'expired')
    return {
      status: 'CRITICAL',
      summary: `site ${site.name}: its information expired (not published recently)`,
      perfdata: log.perfdata,
      steps: log.steps,
    };
  if (vos === 0)
    return {
      status: 'WARNING',
      summary: `site ${site.name} publishes no VO`,
      perfdata: log.perfdata,
      steps: log.steps,
    };
  return {
    status: 'OK',
    summary: `site ${site.name} publishing up to date information for ${vos} VOs`,
    perfdata: log.perfdata,
    steps: log.steps,
  };
}

/** Options of the accounting probe. */
export interface AccountingProbeOptions {
  readonly hub: string;
  readonly site: string;
  readonly tokenFile?: string;
  /** Days after which the last accounting data is a WARNING, and a CRITICAL. */
  readonly warning: number;
  readonly critical: number;
  readonly timeout: number;
}

/** `fedstack probe accounting` (eu.egi.cloud.APEL-Pub): the site's last accounting data at the hub is fresh. */
export async function accountingProbe(
  options: AccountingProbeOptions,
  now = Date.now(),
): Promise<ProbeResult> {
  const log = new StepLog();
  let token: string | undefined;
  if (options.tokenFile)
    try {
      token = readFileSync(options.tokenFile, 'utf8').split('\n')[0]!.trim();
    } catch (error) {
      return {
        status: 'UNKNOWN',
        summary: `cannot read the token file ${options.tokenFile} (${(error as NodeJS.ErrnoException).code})`,
      };
    }
  let listed: { site: string; lastReceivedAt: string | null; cloudRecords: number }[];
  try {
    listed = await log.step(
      'hub',
      async () => {
        const hub = new HubClient({
          url: options.hub,
          timeoutMs: options.timeout * 1000,
          ...(token ? { token } : {}),
        });
        return (await hub.accounting.sites()).sites as typeof listed;
      },
      (s) => `${s.length} sites with accounting`,
    );
  } catch (error) {
    return {
      status: 'UNKNOWN',
      summary: `the hub's accounting cannot be read: ${describeError(error)}`,
      perfdata: log.perfdata,
      steps: log.steps,
    };
  }
  const mine = listed.find((s) => s.site === options.site);
  if (!mine?.lastReceivedAt)
    return {
      status: 'CRITICAL',
      summary: `site ${options.site} has sent no accounting data to the hub`,
      perfdata: log.perfdata,
      steps: log.steps,
    };
  const days = (now - Date.parse(mine.lastReceivedAt)) / 86_400_000;
  const age = `last accounting data ${Math.round(days * 10) / 10} days ago (${mine.lastReceivedAt}, ${mine.cloudRecords} cloud records)`;
  const status = thresholdStatus(days, options.warning, options.critical);
  return {
    status,
    summary: `site ${options.site}: ${age}`,
    perfdata: { ...log.perfdata, age: days * 86_400 },
    steps: log.steps,
  };
}
