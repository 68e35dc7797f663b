// OpenStack sessions on the testbed sites, for integration tests.
import {
  OpenStackSession,
  listProjects,
  type AuthMethod,
  type AuthScope,
} from '../../src/openstack/index.js';
import type { Logger } from '../../src/log.js';
import { testbedEnv, type TestbedSiteName } from './testbed.js';

/** An admin session scoped to the admin project of a testbed site. */
export function adminSession(site: TestbedSiteName = 'site-a', logger?: Logger): OpenStackSession {
  const env = testbedEnv(site);
  return new OpenStackSession({
    authUrl: env.OS_AUTH_URL!,
    auth: {
      kind: 'password',
      username: env.OS_USERNAME!,
      userDomainName: 'Default',
      password: env.OS_PASSWORD!,
    },
    scope: { projectName: env.OS_PROJECT_NAME!, projectDomainName: 'Default' },
    region: env.OS_REGION_NAME,
    timeoutMs: 30_000,
    logger,
  });
}

/** A session with any auth method and scope against a testbed site. */
export function siteSession(
  site: TestbedSiteName,
  auth: AuthMethod,
  scope: AuthScope,
  logger?: Logger,
): OpenStackSession {
  return new OpenStackSession({
    authUrl: testbedEnv(site).OS_AUTH_URL!,
    auth,
    scope,
    region: 'RegionOne',
    logger,
  });
}

const projectIdCache = new Map<string, string>();

/** The id of a seeded project (`vo` or `fedcloud`) of a site. */
export async function projectIdOf(site: TestbedSiteName, name: 'vo' | 'fedcloud' | 'admin'): Promise<string> {
  const key = `${site}/${name}`;
  const cached = projectIdCache.get(key);
  if (cached) return cached;
  const [project] = await listProjects(adminSession(site), { name });
  if (!project) throw new Error(`testbed ${site} has no project ${name}`);
  projectIdCache.set(key, project.id);
  return project.id;
}

/** A session of the admin user scoped to a VO project (admin has the admin role there). */
export async function adminInProject(
  site: TestbedSiteName,
  name: 'vo' | 'fedcloud',
  logger?: Logger,
): Promise<OpenStackSession> {
  const env = testbedEnv(site);
  return siteSession(
    site,
    { kind: 'password', username: env.OS_USERNAME!, password: env.OS_PASSWORD! },
    { projectId: await projectIdOf(site, name) },
    logger,
  );
}

/** The testbed's VO entitlements: VO name → entitlement string. */
export function voEntitlements(site: TestbedSiteName = 'site-a'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (testbedEnv(site).TESTBED_VO_ENTITLEMENTS ?? '').split(';')) {
    const i = pair.indexOf('=');
    if (i > 0) out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}
