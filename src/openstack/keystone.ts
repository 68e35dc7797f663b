// Keystone v3 operations: projects (tags, properties), users, role assignments.
import { collectAll } from './pagination.js';
import type { OpenStackSession } from './session.js';
import {
  fieldPlace,
  optionalString,
  readObject,
  requireObject,
  requireString,
  requireText,
  type BodyPlace,
  type ResponseSource,
} from './parse-response.js';
import { paginateItems, parseListBody, parseWrappedBody, serviceSources } from './response-bodies.js';

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

const keystone = serviceSources('identity', 'keystone');
const PROJECT_LIST = keystone('GET', 'projects');
const USER_LIST = keystone('GET', 'users');

/**
 * Parses a Keystone project (an item of `GET /v3/projects` or the `project` of one).
 * @throws OpenStackResponseError `OPENSTACK_BAD_RESPONSE` without id or name.
 */
export function parseProject(
  raw: unknown,
  place: BodyPlace = { source: keystone('GET', 'projects/{project_id}'), at: 'project' },
): Project {
  const o = readObject(raw, place);
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(o))
    if (!PROJECT_FIELDS.has(k) && typeof v === 'string') properties[k] = v;
  return {
    id: requireString(o, 'id', place),
    name: requireString(o, 'name', place),
    domainId: String(o.domain_id ?? ''),
    enabled: o.enabled !== false,
    description: typeof o.description === 'string' ? o.description : '',
    tags: Array.isArray(o.tags) ? o.tags.map(String) : [],
    properties,
  };
}

/** Parses the body of `GET /v3/projects` or `GET /v3/auth/projects` (one page). */
export function parseProjectList(body: unknown, source: ResponseSource = PROJECT_LIST): Project[] {
  return parseListBody(body, source, 'projects', parseProject);
}

/** Parses the body of `GET /v3/projects/{id}`. */
export function parseProjectResponse(
  body: unknown,
  source: ResponseSource = keystone('GET', 'projects/{project_id}'),
): Project {
  return parseWrappedBody(body, source, 'project', parseProject);
}

/**
 * Parses a Keystone user (an item of `GET /v3/users` or the `user` of one).
 * @throws OpenStackResponseError `OPENSTACK_BAD_RESPONSE` without id or name.
 */
export function parseUser(
  raw: unknown,
  place: BodyPlace = { source: keystone('GET', 'users/{user_id}'), at: 'user' },
): User {
  const o = readObject(raw, place);
  return {
    id: requireString(o, 'id', place),
    name: requireText(o, 'name', place),
    domainId: String(o.domain_id ?? ''),
    email: typeof o.email === 'string' ? o.email : undefined,
  };
}

/** Parses the body of `GET /v3/users` (one page). */
export function parseUserList(body: unknown, source: ResponseSource = USER_LIST): User[] {
  return parseListBody(body, source, 'users', parseUser);
}

/** Parses the body of `GET /v3/users/{id}`. */
export function parseUserResponse(
  body: unknown,
  source: ResponseSource = keystone('GET', 'users/{user_id}'),
): User {
  return parseWrappedBody(body, source, 'user', parseUser);
}

function optionalIdOf(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return v && typeof v === 'object' ? optionalString((v as { id?: unknown }).id) : undefined;
}

function parseRoleAssignment(raw: unknown, place: BodyPlace): RoleAssignment {
  const a = readObject(raw, place);
  const role = requireObject(a, 'role', place);
  const scope = a.scope && typeof a.scope === 'object' ? (a.scope as Record<string, unknown>) : {};
  return {
    roleId: requireString(role, 'id', fieldPlace(place, 'role')),
    roleName: typeof role.name === 'string' ? role.name : undefined,
    userId: optionalIdOf(a, 'user'),
    groupId: optionalIdOf(a, 'group'),
    projectId: optionalIdOf(scope, 'project'),
  };
}

/** Parses the body of `GET /v3/role_assignments`. */
export function parseRoleAssignmentList(
  body: unknown,
  source: ResponseSource = keystone('GET', 'role_assignments'),
): RoleAssignment[] {
  return parseListBody(body, source, 'role_assignments', parseRoleAssignment);
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
    paginateItems(
      session,
      {
        service: 'identity',
        method: 'GET',
        path: 'projects',
        query: { tags: query.tags, name: query.name, domain_id: query.domainId },
      },
      { itemsKey: 'projects', source: PROJECT_LIST, parseOne: parseProject },
    ),
  );
}

/** Reads one project with its properties. */
export async function getProject(session: OpenStackSession, projectId: string): Promise<Project> {
  const path = `projects/${encodeURIComponent(projectId)}`;
  const body = await session.json({ service: 'identity', method: 'GET', path });
  return parseProjectResponse(body, keystone('GET', path));
}

/** The projects the current (possibly federated, unscoped) token may scope to (`GET /v3/auth/projects`). */
export async function listAuthProjects(session: OpenStackSession): Promise<Project[]> {
  const body = await session.json({ service: 'identity', method: 'GET', path: 'auth/projects' });
  return parseProjectList(body, keystone('GET', 'auth/projects'));
}

/** Reads one user (its name becomes GlobalUserName in accounting). */
export async function getUser(session: OpenStackSession, userId: string): Promise<User> {
  const path = `users/${encodeURIComponent(userId)}`;
  const body = await session.json({ service: 'identity', method: 'GET', path });
  return parseUserResponse(body, keystone('GET', path));
}

/** Lists users, optionally by name. */
export function listUsers(
  session: OpenStackSession,
  query: { name?: string; domainId?: string } = {},
): Promise<User[]> {
  return collectAll(
    paginateItems(
      session,
      {
        service: 'identity',
        method: 'GET',
        path: 'users',
        query: { name: query.name, domain_id: query.domainId },
      },
      { itemsKey: 'users', source: USER_LIST, parseOne: parseUser },
    ),
  );
}

/** Lists role assignments, filtered by project and/or user, with role names. */
export async function listRoleAssignments(
  session: OpenStackSession,
  query: { projectId?: string; userId?: string } = {},
): Promise<RoleAssignment[]> {
  const body = await session.json({
    service: 'identity',
    method: 'GET',
    path: 'role_assignments',
    query: { 'scope.project.id': query.projectId, 'user.id': query.userId, include_names: true },
  });
  return parseRoleAssignmentList(body);
}
