// AMS resource names: validation, full names (`/projects/p/topics/t`) and ack ids (`projects/p/subscriptions/s:N`).
import { AMS_ERRORS } from './ams-error.js';

const NAME = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * Checks a project, topic or subscription name (AMS allows letters, digits, `_` and `-`).
 * @throws AmsError 400 "Invalid <what> name".
 */
export function checkAmsName(name: string, what: 'Project' | 'Topic' | 'Subscription'): string {
  if (!NAME.test(name)) throw AMS_ERRORS.invalidName(what);
  return name;
}

/** The full name AMS shows for a topic. */
export function topicFullName(project: string, topic: string): string {
  return `/projects/${project}/topics/${topic}`;
}

/** The full name AMS shows for a subscription. */
export function subscriptionFullName(project: string, subscription: string): string {
  return `/projects/${project}/subscriptions/${subscription}`;
}

/**
 * Reads a topic reference as given when creating a subscription: `projects/p/topics/t`, with or
 * without the leading slash. Returns undefined when it has another shape.
 */
export function parseTopicReference(ref: string): { project: string; topic: string } | undefined {
  const m = /^\/?projects\/([^/]+)\/topics\/([^/]+)$/.exec(ref);
  if (!m || !NAME.test(m[1]!) || !NAME.test(m[2]!)) return undefined;
  return { project: m[1]!, topic: m[2]! };
}

/** The ack id of the message at `offset`, as pull returns it. */
export function formatAckId(project: string, subscription: string, offset: number): string {
  return `projects/${project}/subscriptions/${subscription}:${offset}`;
}

/** The offset inside an ack id of this subscription, or undefined when the id is not one of ours. */
export function parseAckId(ackId: string, project: string, subscription: string): number | undefined {
  const prefix = `projects/${project}/subscriptions/${subscription}:`;
  if (!ackId.startsWith(prefix)) return undefined;
  const tail = ackId.slice(prefix.length);
  return /^\d{1,15}$/.test(tail) ? Number(tail) : undefined;
}

/**
 * Splits a path segment `name:action` (fastify cannot route on a suffix after a parameter, so the
 * AMS plugin routes `/topics/:target` and splits here). `action` is undefined without a colon;
 * a percent-encoded colon has already been decoded by the router.
 */
export function splitTarget(target: string): { name: string; action: string | undefined } {
  const i = target.indexOf(':');
  return i < 0
    ? { name: target, action: undefined }
    : { name: target.slice(0, i), action: target.slice(i + 1) };
}
