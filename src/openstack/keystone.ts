// Keystone v3 operations: projects (tags, properties), users, role assignments.
import { paginate, collectAll } from './pagination.js';
import type { OpenStackSession } from './session.js';

/** A Keystone project with its tags and free-form properties (e.g. `VO`, `egi.VO`). */
export interface Project {
  readonly id: string;
  readonly name: string;
  readonly domainId: string;
  readonly enabled: boolean;
  readonly description: string;
  readonly tags: readonly string[];
  /** Extra attributes Keystone stores on the project (`openstack project set --property`). */
  readonly properties: Readonly<Record<string, string>>;
}

/** A Keystone user. */
export interface User {
  readonly id: string;
  readonly name: string;
  readonly domainId: string;
  readonly email: string | undefined;
}

/** One role assignment. */
export interface RoleAssignment {
  readonly roleId: string;
  readonly roleName: string | undefined;
  readonly userId: string | undefined;
  readonly groupId: string | undefined;
  readonly projectId: string | undefined;
}

const PROJECT_FIELDS = new Set([
  'id',
  'name',
  'domain_id',
  'enabled',
  'description',
  'tags',
  'links',
  'parent_id',
  'is_domain',
  'options',
]);

/** Parses a Keystone project body. */
export function parseProject(raw: Record<string, unknown>): Project {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw))
    if (!PROJECT_FIELDS.has(k) && typeof v === 'string') properties[k] = v;
  return {
    id: String(raw.id),
    name: String(raw.name),
    domainId: String(raw.domain_id ?? ''),
    enabled: raw.enabled !== false,
    description: typeof raw.description === 'string' ? raw.description : '',
    tags: Array.isArray(raw.tags) ? raw.tags.map(String) : [],
    properties,
  };
}

function parseUser(raw: Record<string, unknown>): User {
  return {
    id: String(raw.id),
    name: String(raw.name ?? ''),
    domainId: String(raw.domain_id ?? ''),
    email: typeof raw.email === 'string' ? raw.email : undefined,
  };
}

/**
 * Lists projects, optionally those carrying a tag (`GET /v3/projects?tags=`).
 * @example await listProjects(session, { tags: 'caso' })
 */
export function listProjects(
  session: OpenStackSession,
  query: { tags?: string; name?: string; domainId?: string } = {},
): Promise<Project[]> {
  return collectAll(
    paginate(
      session,
      {
        service: 'identity',
        method: 'GET',
        path: 'projects',
        query: { tags: query.tags, name: query.name, domain_id: query.domainId },
      },
      { itemsKey: 'projects', parse: parseProject },
    ),
  );
}

/** Reads one project with its properties. */
export async function getProject(session: OpenStackSession, projectId: string): Promise<Project> {
  const body = await session.json<{ project: Record<string, unknown> }>({
    service: 'identity',
    method: 'GET',
    path: `projects/${encodeURIComponent(projectId)}`,
  });
  return parseProject(body.project);
}

/** The projects the current (possibly federated, unscoped) token may scope to (`GET /v3/auth/projects`). */
export async function listAuthProjects(session: OpenStackSession): Promise<Project[]> {
  const body = await session.json<{ projects: Record<string, unknown>[] }>({
    service: 'identity',
    method: 'GET',
    path: 'auth/projects',
  });
  return body.projects.map(parseProject);
}

/** Reads one user (its name becomes GlobalUserName in accounting). */
export async function getUser(session: OpenStackSession, userId: string): Promise<User> {
  const body = await session.json<{ user: Record<string, unknown> }>({
    service: 'identity',
    method: 'GET',
    path: `users/${encodeURIComponent(userId)}`,
  });
  return parseUser(body.user);
}

/** Lists users, optionally by name. */
export function listUsers(
  session: OpenStackSession,
  query: { name?: string; domainId?: string } = {},
): Promise<User[]> {
  return collectAll(
    paginate(
      session,
      {
        service: 'identity',
        method: 'GET',
        path: 'users',
        query: { name: query.name, domain_id: query.domainId },
      },
      { itemsKey: 'users', parse: parseUser },
    ),
  );
}

/** Lists role assignments, filtered by project and/or user, with role names. */
export async function listRoleAssignments(
  session: OpenStackSession,
  query: { projectId?: string; userId?: string } = {},
): Promise<RoleAssignment[]> {
  const body = await session.json<{ role_assignments: Record<string, Record<string, unknown>>[] }>({
    service: 'identity',
    method: 'GET',
    path: 'role_assignments',
    query: { 'scope.project.id': query.projectId, 'user.id': query.userId, include_names: true },
  });
  return body.role_assignments.map((a) => ({
    roleId: String(a.role?.id),
    roleName: typeof a.role?.name === 'string' ? a.role.name : undefined,
    userId: typeof a.user?.id === 'string' ? a.user.id : undefined,
    groupId: typeof a.group?.id === 'string' ? a.group.id : undefined,
    projectId:
      typeof (a.scope?.project as { id?: string } | undefined)?.id === 'string'
        ? (a.scope!.project as { id: string }).id
        : undefined,
  }));
}
