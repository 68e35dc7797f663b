// Recorded testbed answers (test/fixtures/openstack) for the parser tests, and a stub site serving them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, onTestFinished } from 'vitest';
import { OpenStackError, OpenStackSession } from '../../src/openstack/index.js';
import { startStub } from './stub-server.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/openstack');

/** A fresh copy of a recorded body, e.g. `recorded('nova', 'servers-detail')`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function recorded(service: string, operation: string): any {
  return JSON.parse(readFileSync(path.join(FIXTURES, service, `${operation}.json`), 'utf8'));
}

/** `body` with the field at a dotted path (`servers.1.id`) removed, or set to `value` when given. */
export function withField<T>(body: T, fieldPath: string, ...value: [unknown?]): T {
  const keys = fieldPath.split('.');
  const last = keys.pop()!;
  let o = body as Record<string, unknown>;
  for (const k of keys) o = o[k] as Record<string, unknown>;
  if (!(last in o)) throw new Error(`the recorded body has no ${fieldPath}`);
  if (value.length) o[last] = value[0];
  else delete o[last];
  return body;
}

/** Runs `fn` and returns what it threw (fails the test when it threw nothing). */
export async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

/** Asserts an OPENSTACK_BAD_RESPONSE error that names the service and the field path. */
export function expectBadResponse(error: unknown, serviceName: string, field: string): void {
  expect(error).toBeInstanceOf(OpenStackError);
  expect((error as OpenStackError).code).toBe('OPENSTACK_BAD_RESPONSE');
  expect((error as Error).message).toContain(`${serviceName} answer field ${field}:`);
  expect((error as Error).message).not.toContain('undefined');
}

/** An answer of the stub site: a status and a JSON body. */
export interface StubAnswer {
  readonly status?: number;
  readonly body: unknown;
}

/**
 * A stub site that logs in with the recorded token body (its catalog pointed at the stub) and
 * answers each request with `route(method, path)`; paths start with the recorded port
 * (`/8774/v2.1/servers/detail`), query strings are dropped. Unrouted paths answer 404.
 * Call it inside a test: the site closes when the test finishes.
 */
export async function startRecordedSite(
  route: (method: string, path: string) => StubAnswer | undefined,
): Promise<{ session: OpenStackSession; paths: string[] }> {
  const paths: string[] = [];
  const stub = await startStub((req, res) => {
    const url = new URL(req.url!, 'http://stub');
    paths.push(`${req.method} ${url.pathname}`);
    if (req.method === 'POST' && url.pathname === '/5000/v3/auth/tokens') {
      const body = recorded('keystone', 'token-create');
      body.token.expires_at = new Date(Date.now() + 3_600_000).toISOString();
      const text = JSON.stringify(body).replace(/http:\/\/openstack\.example\.org:(\d+)/g, `${stub.url}/$1`);
      res
        .writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': 'recorded-token' })
        .end(text);
      return;
    }
    const answer = route(req.method!, url.pathname.replace(/\/$/, ''));
    if (!answer) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message": "not routed"}');
      return;
    }
    res
      .writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify(answer.body));
  });
  const session = new OpenStackSession({
    authUrl: `${stub.url}/5000/v3`,
    auth: { kind: 'password', username: 'admin', userDomainName: 'Default', password: 'pw' },
    scope: { projectName: 'admin', projectDomainName: 'Default' },
    region: 'RegionOne',
    timeoutMs: 5_000,
  });
  onTestFinished(stub.close);
  return { session, paths };
}
