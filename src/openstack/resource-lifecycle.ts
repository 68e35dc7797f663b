// Shared steps of resource lifecycles: deleting where "already gone" is success, polling until a status.
import { setTimeout as sleep } from 'node:timers/promises';
import { OpenStackError, isOpenStackStatus } from './openstack-error.js';
import type { OpenStackSession } from './session.js';

/** Sends a DELETE; a 404 counts as done (the resource is gone either way). */
export async function deleteResource(
  session: OpenStackSession,
  service: string,
  path: string,
  options: { retryOnConflict?: boolean } = {},
): Promise<void> {
  try {
    await session.send({ service, method: 'DELETE', path, retryOnConflict: options.retryOnConflict });
  } catch (error) {
    if (!isOpenStackStatus(error, 404)) throw error;
  }
}

/** How to poll one resource. */
export interface PollSpec<T> {
  /** Service type and resource path, for the timeout error. */
  readonly service: string;
  readonly path: string;
  readonly read: () => Promise<T>;
  readonly statusOf: (resource: T) => string;
  /** True when the resource reached a wanted state. */
  readonly isDone: (resource: T) => boolean;
  /** True when it reached a state it will not leave (e.g. ERROR). */
  readonly isFailed: (resource: T) => boolean;
  /** Whether a 404 means success (waiting for deletion). */
  readonly isGoneDone: boolean;
  readonly wanted: readonly string[];
  readonly timeoutMs: number;
  readonly intervalMs?: number;
}

/**
 * Reads a resource until it is done (returns it; undefined when gone and that
 * was wanted).
 * @throws OpenStackError `OPENSTACK_WAIT_TIMEOUT` when time runs out or the resource failed.
 */
export async function pollUntil<T>(spec: PollSpec<T>): Promise<T | undefined> {
  const deadline = Date.now() + spec.timeoutMs;
  let last = 'unknown';
  while (Date.now() < deadline) {
    try {
      const resource = await spec.read();
      last = spec.statusOf(resource);
      if (spec.isDone(resource)) return resource;
      if (spec.isFailed(resource)) break;
    } catch (error) {
      if (spec.isGoneDone && isOpenStackStatus(error, 404)) return undefined;
      throw error;
    }
    await sleep(spec.intervalMs ?? 500);
  }
  throw new OpenStackError(
    'OPENSTACK_WAIT_TIMEOUT',
    { service: spec.service, method: 'GET', url: spec.path, attempts: 1 },
    `${spec.path} is ${last}, wanted ${spec.wanted.join(' or ')}`,
  );
}
