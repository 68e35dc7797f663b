import { describe, expect, it } from 'vitest';
import {
  getProject,
  getUser,
  listAuthProjects,
  listProjects,
  listRoleAssignments,
  listUsers,
  parseCatalog,
  parseProject,
  parseProjectList,
  parseProjectResponse,
  parseRoleAssignmentList,
  parseUserList,
  parseUserResponse,
} from '../../../src/openstack/index.js';
import {
  expectBadResponse,
  recorded,
  startRecordedSite,
  thrown,
  withField,
} from '../../helpers/recorded-site.js';

const keystoneRoutes = (method: string, path: string) => {
  if (path === '/5000/v3/projects') return { body: recorded('keystone', 'projects-list') };
  if (path.startsWith('/5000/v3/projects/')) return { body: recorded('keystone', 'project-get') };
  if (path === '/5000/v3/auth/projects') return { body: recorded('keystone', 'auth-projects') };
  if (path === '/5000/v3/users') return { body: recorded('keystone', 'users-list') };
  if (path.startsWith('/5000/v3/users/')) return { body: recorded('keystone', 'user-get') };
  if (path === '/5000/v3/role_assignments') return { body: recorded('keystone', 'role-assignments-list') };
  return undefined;
};

describe('Keystone token, on the recorded answer', () => {
  it('logs in with the recorded token body: user, project, roles and catalog', async () => {
    const site = await startRecordedSite(() => undefined);
    const raw = recorded('keystone', 'token-create').token;
    const token = await site.session.token();
    expect(token).toMatchObject({
      token: 'recorded-token',
      userId: raw.user.id,
      userName: 'admin',
      project: { id: raw.project.id, name: 'admin' },
      methods: ['password'],
    });
    expect([...token.roles].sort()).toEqual(['admin', 'member', 'reader']);
    expect(token.catalog.map((s) => s.type).sort()).toEqual([
      'compute',
      'identity',
      'image',
      'network',
      'placement',
      'volumev3',
    ]);
    expect(await site.session.endpoint('volumev3')).toMatch(new RegExp(`/8776/v3/${raw.project.id}$`));
    const nova = parseCatalog(raw.catalog).find((s) => s.type === 'compute')!;
    expect(nova.endpoints.map((e) => e.interface).sort()).toEqual(['admin', 'internal', 'public']);
    expect(nova.endpoints.every((e) => e.regionId === 'RegionOne')).toBe(true);
  });
});

describe('Keystone projects, users and role assignments, on recorded answers', () => {
  it('reads the seeded projects with their VO property and tags', () => {
    const raw = recorded('keystone', 'projects-list');
    const projects = parseProjectList(raw);
    expect(projects.map((p) => [p.name, p.properties.VO, p.tags]).sort()).toEqual([
      ['admin', undefined, []],
      ['fedcloud', 'fedcloud.egi.eu', ['caso']],
      ['service', undefined, []],
      ['vo', 'vo.access.egi.eu', ['caso']],
    ]);
    const vo = parseProjectResponse(recorded('keystone', 'project-get'));
    expect(vo).toEqual({
      id: recorded('keystone', 'project-get').project.id,
      name: 'vo',
      domainId: 'default',
      enabled: true,
      description: '',
      tags: ['caso'],
      properties: { VO: 'vo.access.egi.eu' },
    });
    expect(projects.find((p) => p.name === 'vo')).toEqual(vo);
    expect(
      parseProjectList(recorded('keystone', 'auth-projects'))
        .map((p) => p.name)
        .sort(),
    ).toEqual(['admin', 'fedcloud', 'vo']);
  });

  it('reads users and the role assignments of the vo project, a group one included', () => {
    const users = parseUserList(recorded('keystone', 'users-list'));
    expect(users.map((u) => u.name)).toContain('vo-user');
    const voUser = parseUserResponse(recorded('keystone', 'user-get'));
    expect(voUser).toEqual({
      id: users.find((u) => u.name === 'vo-user')!.id,
      name: 'vo-user',
      domainId: 'default',
      email: undefined,
    });
    const raw = recorded('keystone', 'role-assignments-list');
    const assignments = parseRoleAssignmentList(raw);
    const projectId = raw.role_assignments[0].scope.project.id;
    expect(
      assignments.map((a) => [a.roleName, a.userId === voUser.id, a.groupId !== undefined, a.projectId]),
    ).toEqual(
      expect.arrayContaining([
        ['member', true, false, projectId],
        ['admin', false, false, projectId],
        ['member', false, true, projectId],
      ]),
    );
    expect(assignments.every((a) => /^[0-9a-f]{32}$/.test(a.roleId))).toBe(true);
  });

  it('runs the operations on the recorded answers', async () => {
    const site = await startRecordedSite(keystoneRoutes);
    expect((await listProjects(site.session, { tags: 'caso' })).map((p) => p.name).sort()).toContain('vo');
    expect((await getProject(site.session, 'x')).properties.VO).toBe('vo.access.egi.eu');
    expect((await listAuthProjects(site.session)).length).toBe(3);
    expect((await getUser(site.session, 'x')).name).toBe('vo-user');
    expect((await listUsers(site.session)).length).toBeGreaterThanOrEqual(3);
    expect((await listRoleAssignments(site.session, { projectId: 'x' })).length).toBe(3);
  });
});

describe('Keystone answers missing a required field', () => {
  it('raises OPENSTACK_BAD_RESPONSE for a project without id instead of the id "undefined"', async () => {
    const project = withField(recorded('keystone', 'project-get').project, 'id');
    expectBadResponse(await thrown(() => parseProject(project)), 'keystone', 'project.id');
  });

  it.each([
    ['projects', 'projects.1.name', 'projects[1].name'],
    ['users', 'users.3.id', 'users[3].id'],
    ['users', 'users.0.name', 'users[0].name'],
    ['role-assignments', 'role_assignments.2.role', 'role_assignments[2].role'],
    ['role-assignments', 'role_assignments.0.role.id', 'role_assignments[0].role.id'],
  ])('names the field of a %s list without %s', async (kind, path, field) => {
    const parse = {
      projects: parseProjectList,
      users: parseUserList,
      'role-assignments': parseRoleAssignmentList,
    }[kind]!;
    const body = withField(recorded('keystone', `${kind}-list`), path);
    expectBadResponse(await thrown(() => parse(body)), 'keystone', field);
  });

  it('raises it from listProjects and getUser with the request path', async () => {
    const site = await startRecordedSite((method, path) => {
      if (path === '/5000/v3/projects')
        return { body: withField(recorded('keystone', 'projects-list'), 'projects.0.id') };
      if (path.startsWith('/5000/v3/users/')) return { body: { error: 'not a user body' } };
      return undefined;
    });
    const error = await thrown(() => listProjects(site.session));
    expectBadResponse(error, 'keystone', 'projects[0].id');
    expect((error as Error).message).toMatch(/^identity: GET projects: /);
    const user = await thrown(() => getUser(site.session, 'u1'));
    expectBadResponse(user, 'keystone', 'user');
    expect((user as Error).message).toContain('GET users/u1');
    expect((user as Error).message).toContain('expected an object, found nothing');
  });
});
