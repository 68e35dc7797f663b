import { describe, expect, it } from 'vitest';
import {
  OpenStackError,
  OpenStackSession,
  getProject,
  listAuthProjects,
  listProjects,
  listRoleAssignments,
  getUser,
} from '../../src/openstack/index.js';
import { adminSession, projectIdOf, siteSession, voEntitlements } from '../helpers/sessions.js';
import { mintToken, testbedEnv } from '../helpers/testbed.js';

describe('Keystone authentication on the testbed', () => {
  it('scopes a password login to a VO project by id', async () => {
    const projectId = await projectIdOf('site-a', 'vo');
    const s = siteSession(
      'site-a',
      { kind: 'password', username: 'vo-user', password: 'secret' },
      { projectId },
    );
    const token = await s.token();
    expect(token.project?.id).toBe(projectId);
    expect(token.roles).toContain('member');
    expect(token.catalog.map((c) => c.type)).toEqual(
      expect.arrayContaining(['compute', 'image', 'network', 'volumev3']),
    );
  });

  it('accepts every usual spelling of the Keystone URL', async () => {
    const env = testbedEnv('site-a');
    const root = env.OS_AUTH_URL!.replace(/\/v3$/, '');
    for (const url of [root, `${root}/v3`, `${root}/v3/`]) {
      const s = new OpenStackSession({
        authUrl: url,
        auth: { kind: 'password', username: 'admin', password: env.OS_PASSWORD! },
        scope: { projectName: 'admin' },
      });
      expect((await s.token()).project?.name).toBe('admin');
    }
  });

  it('logs in with an application credential and with an existing token', async () => {
    const admin = adminSession('site-a');
    const t = await admin.token();
    const name = `fedstack-test-${Date.now()}`;
    const created = await admin.json<{ application_credential: { id: string; secret: string } }>({
      service: 'identity',
      method: 'POST',
      path: `users/${t.userId}/application_credentials`,
      body: { application_credential: { name } },
    });
    try {
      const appCred = siteSession(
        'site-a',
        { kind: 'application-credential', ...created.application_credential },
        'unscoped',
      );
      const appToken = await appCred.token();
      expect(appToken.methods).toContain('application_credential');
      expect(appToken.project?.name).toBe('admin');

      const viaToken = siteSession('site-a', { kind: 'token', token: t.token }, { projectName: 'admin' });
      expect((await viaToken.token()).project?.id).toBe(t.project?.id);
    } finally {
      await admin.send({
        service: 'identity',
        method: 'DELETE',
        path: `users/${t.userId}/application_credentials/${created.application_credential.id}`,
      });
    }
  });

  it('refuses a wrong password with a clear auth error', async () => {
    const s = siteSession(
      'site-a',
      { kind: 'password', username: 'admin', password: 'wrong-password' },
      { projectName: 'admin' },
    );
    const error = await s.token().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenStackError);
    expect((error as OpenStackError).code).toBe('OPENSTACK_AUTH');
    expect((error as OpenStackError).status).toBe(401);
    expect((error as OpenStackError).message).not.toContain('wrong-password');
  });

  it('logs in with an OIDC access token through the OIDC front, lists projects and scopes', async () => {
    const env = testbedEnv('site-a');
    const token = await mintToken('alice@egi.eu', [voEntitlements()['vo.access.egi.eu']!]);
    const unscoped = siteSession(
      'site-a',
      { kind: 'oidc', accessToken: token, federationUrl: env.TESTBED_FEDERATION_URL },
      'unscoped',
    );
    const projects = await listAuthProjects(unscoped);
    expect(projects.map((p) => p.name)).toEqual(['vo']);
    const scoped = siteSession(
      'site-a',
      { kind: 'oidc', accessToken: token, federationUrl: env.TESTBED_FEDERATION_URL, protocol: 'openid' },
      { projectId: projects[0]!.id },
    );
    const t = await scoped.token();
    expect(t.project?.name).toBe('vo');
    expect(t.userName).toBe('alice@egi.eu');
  });

  it('refuses an OIDC token without the VO entitlement and an expired one, with one clear message', async () => {
    const env = testbedEnv('site-a');
    const plainMember = await mintToken('bob@egi.eu', [
      'urn:mace:egi.eu:group:vo.access.egi.eu:role=member#aai.egi.eu',
    ]);
    const expired = await mintToken('carol@egi.eu', [voEntitlements()['vo.access.egi.eu']!], -10);
    for (const accessToken of [plainMember, expired]) {
      const s = siteSession(
        'site-a',
        { kind: 'oidc', accessToken, federationUrl: env.TESTBED_FEDERATION_URL },
        'unscoped',
      );
      const error = (await s.token().catch((e: unknown) => e)) as OpenStackError;
      expect(error).toBeInstanceOf(OpenStackError);
      expect(error.code).toBe('OPENSTACK_AUTH');
      expect(error.message).toContain('identity provider token was refused');
      expect(error.message).not.toContain(accessToken);
    }
  });

  it('reads projects with tags and VO properties, users and role assignments', async () => {
    const admin = adminSession('site-a');
    const tagged = await listProjects(admin, { tags: 'caso' });
    expect(tagged.map((p) => p.name).sort()).toEqual(['fedcloud', 'vo']);
    const vo = await getProject(admin, await projectIdOf('site-a', 'vo'));
    expect(vo.tags).toContain('caso');
    expect(vo.properties.VO).toBe('vo.access.egi.eu');
    const assignments = await listRoleAssignments(admin, { projectId: vo.id });
    const userIds = assignments.map((a) => a.userId).filter(Boolean) as string[];
    const names = await Promise.all(userIds.map(async (id) => (await getUser(admin, id)).name));
    expect(names).toEqual(expect.arrayContaining(['vo-user', 'admin']));
  });
});
