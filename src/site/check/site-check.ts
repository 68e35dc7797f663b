// `fedstack site check`: proves a site offers what the federation needs, with the permissions each component needs.
import { randomUUID } from 'node:crypto';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { redactUrl, redactUrlsInText } from '../../redact-url.js';
import {
  collectAll,
  createImage,
  deleteImage,
  getComputeQuotas,
  getProject,
  getUser,
  listFlavors,
  listProjects,
  paginateFloatingIps,
  paginateImages,
  paginateServers,
  paginateVolumes,
  probeEndpoint,
  type OpenStackSession,
} from '../../openstack/index.js';
import type { SiteConfig } from '../site-config.js';
import { assertCredentialsReadable, createSiteSession } from '../site-session.js';

/** Outcome of one check. */
export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One line of the check report. */
export interface CheckResult {
  readonly check: string;
  readonly status: CheckStatus;
  readonly reason: string;
}

const REQUIRED_SERVICES = ['identity', 'compute', 'image', 'network', 'volumev3'] as const;

async function probe(check: string, run: () => Promise<string>): Promise<CheckResult> {
  try {
    return { check, status: 'pass', reason: await run() };
  } catch (error) {
    return { check, status: 'fail', reason: reasonOf(error) };
  }
}

/** A failure as one line, any URL in it redacted (a catalog URL may carry credentials). */
function reasonOf(error: unknown): string {
  return redactUrlsInText(describeError(error));
}

/** Checks of one VO project: what discovery, accounting and image sync need there. */
async function checkVo(
  config: SiteConfig,
  index: number,
  logger: Logger | undefined,
): Promise<CheckResult[]> {
  const vo = config.vos[index]!;
  const projectId = vo.auth.projectId;
  const prefix = `vo ${vo.name}`;
  let session: OpenStackSession;
  try {
    session = createSiteSession(config, { projectId, voIndex: index, logger });
    const token = await session.token();
    if (token.project?.id !== projectId)
      throw new Error(`scoped to ${token.project?.id ?? 'no project'}, not ${projectId}`);
  } catch (error) {
    return [{ check: `${prefix}: scope to project ${projectId}`, status: 'fail', reason: reasonOf(error) }];
  }
  const since = new Date(Date.now() - 24 * 3600_000).toISOString();
  const results: CheckResult[] = [
    { check: `${prefix}: scope to project ${projectId}`, status: 'pass', reason: 'token issued' },
  ];
  results.push(
    ...(await Promise.all([
      probe(
        `${prefix}: discovery reads images`,
        async () => `${(await collectAll(paginateImages(session))).length} images visible`,
      ),
      probe(
        `${prefix}: discovery reads flavors`,
        async () => `${(await listFlavors(session)).length} flavors visible`,
      ),
      probe(
        `${prefix}: discovery reads quotas`,
        async () => `cores limit ${(await getComputeQuotas(session, projectId)).cores?.limit}`,
      ),
      probe(`${prefix}: accounting lists servers incl. deleted`, async () => {
        const servers = await collectAll(paginateServers(session, { changesSince: since }));
        return `${servers.length} servers changed in the last 24 h`;
      }),
      probe(`${prefix}: accounting reads user names`, async () => {
        const t = await session.token();
        return `user ${(await getUser(session, t.userId)).name}`;
      }),
      probe(
        `${prefix}: accounting reads floating IPs`,
        async () => `${(await collectAll(paginateFloatingIps(session, { projectId }))).length} floating IPs`,
      ),
      probe(
        `${prefix}: accounting reads volumes`,
        async () => `${(await collectAll(paginateVolumes(session))).length} volumes`,
      ),
      probe(`${prefix}: accounting reads the project's VO`, async () => {
        const project = await getProject(session, projectId);
        const key = config.accounting.voProperties.find((k) => project.properties[k]);
        return key ? `${key}=${project.properties[key]}` : `no VO property; the config names ${vo.name}`;
      }),
    ])),
  );
  results.push(
    await probe(`${prefix}: image sync creates and deletes an image`, async () => {
      const image = await createImage(session, {
        name: `fedstack-check-${randomUUID().slice(0, 8)}`,
        diskFormat: 'raw',
      });
      await deleteImage(session, image.id);
      return 'created and deleted';
    }),
  );
  return results;
}

/**
 * Runs every check of a site and returns one result per check; never throws
 * for site problems (they become failed checks). URLs in the results are redacted.
 * @throws ConfigError before contacting the site when credentials are missing or a referenced
 *   secret cannot be read (see {@link assertCredentialsReadable}).
 */
export async function runSiteCheck(
  config: SiteConfig,
  options: { logger?: Logger } = {},
): Promise<CheckResult[]> {
  assertCredentialsReadable(config);
  const results: CheckResult[] = [];
  const reach = await probe('keystone reachable', async () => {
    const status = await probeEndpoint(config.endpoint, config.timeoutSeconds * 1000);
    return `${redactUrl(config.endpoint)} answers (HTTP ${status})`;
  });
  results.push(reach);
  if (reach.status === 'fail') return results;

  const service = createSiteSession(config, {
    projectId: config.vos[0]?.auth.projectId,
    voIndex: undefined,
    logger: options.logger,
  });
  const auth = await probe('authenticate', async () => {
    const t = await service.token();
    return `as ${t.userName ?? t.userId}${t.project ? ` in project ${t.project.name}` : ''}`;
  });
  results.push(auth);
  if (auth.status === 'fail') return results;

  const token = await service.token();
  for (const type of REQUIRED_SERVICES) {
    results.push(
      await probe(`service ${type}`, async () => {
        const url = await service.endpoint(type);
        const status = await probeEndpoint(url, config.timeoutSeconds * 1000);
        return `${redactUrl(url)} (HTTP ${status})`;
      }),
    );
  }
  const swift = token.catalog.some((s) => s.type === 'object-store');
  results.push({
    check: 'service object-store (optional)',
    status: swift ? 'pass' : 'skip',
    reason: swift ? 'in the catalog' : 'not offered',
  });
  if (config.accounting.projectTag) {
    results.push(
      await probe(`accounting lists projects tagged ${config.accounting.projectTag}`, async () => {
        const tagged = await listProjects(service, { tags: config.accounting.projectTag });
        return `${tagged.length} tagged projects`;
      }),
    );
  }
  if (config.vos.length === 0)
    results.push({ check: 'vos', status: 'fail', reason: 'the config lists no VO' });
  for (const [i] of config.vos.entries()) results.push(...(await checkVo(config, i, options.logger)));
  return results;
}

/** Renders results as an aligned text table (check, result, reason). */
export function renderCheckTable(results: readonly CheckResult[]): string {
  const w = Math.max(5, ...results.map((r) => r.check.length));
  const lines = [`${'CHECK'.padEnd(w)}  RESULT  REASON`];
  for (const r of results)
    lines.push(`${r.check.padEnd(w)}  ${r.status.toUpperCase().padEnd(6)}  ${r.reason}`);
  return lines.join('\n');
}
