// AMS subscription routes: create, get, list, delete, `:pull`, `:acknowledge`, deadlines and offsets.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AMS_ERRORS } from '../messaging/ams-error.js';
import { checkAmsName, parseTopicReference, splitTarget } from '../messaging/ams-names.js';
import { parseZuluTime } from '../messaging/ams-values.js';
import type { AmsPluginOptions } from './ams-http.js';
import { LIST_QUERY, NO_QUERY, callerOf, readBody, readQuery, requireRole } from './ams-http.js';

/** Most ack ids one acknowledgement may carry (a pull returns at most 1,000 messages). */
const MAX_ACK_IDS = 1000;

/** Body of `PUT …/subscriptions/{s}`. */
export const SUBSCRIPTION_BODY = z.object({
  topic: z.string(),
  ackDeadlineSeconds: z.number().int().optional(),
  pushConfig: z.record(z.string(), z.unknown()).optional(),
});
/** Body of `:pull`; AMS sends both values as strings. */
export const PULL_BODY = z.object({
  maxMessages: z.union([z.string(), z.number()]).optional(),
  returnImmediately: z.union([z.string(), z.boolean()]).optional(),
});
/** Body of `:acknowledge`. */
export const ACK_BODY = z.object({ ackIds: z.array(z.string()).max(MAX_ACK_IDS) });
/** Body of `:modifyAckDeadline`. */
export const ACK_DEADLINE_BODY = z.object({ ackDeadlineSeconds: z.number().int() });
/** Body of `:modifyOffset`. */
export const OFFSET_BODY = z.object({ offset: z.number().int() });

const DEFAULT_ACK_DEADLINE_SECONDS = 10;

type Params = { project: string; target: string };

function subOf(params: Params): { project: string; sub: string; action: string | undefined } {
  const project = checkAmsName(params.project, 'Project');
  const { name, action } = splitTarget(params.target);
  return { project, sub: checkAmsName(name, 'Subscription'), action };
}

/** AMS reads maxMessages with Atoi and falls back to 1 when it is not a number. */
function pullLimit(value: string | number | undefined): number {
  const n = typeof value === 'number' ? value : Number.parseInt(value ?? '1', 10);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 1;
}

const TIME_QUERY = z.object({ time: z.string().optional() });

/** `?time=` of `:timeToOffset` as epoch ms. @throws AmsError 400 unless it is a real Zulu time. */
function readTime(time: string | undefined): number {
  const ms = parseZuluTime(time ?? '');
  if (ms === undefined) throw AMS_ERRORS.invalidData('Time is not in valid Zulu format.');
  return ms;
}

/**
 * Registers the subscription routes under the plugin prefix (`/v1/projects`). Admins and consumers
 * create subscriptions; a consumer then uses only its own (see `subscription-owner.ts`).
 */
export function registerSubscriptionRoutes(app: FastifyInstance, { messaging }: AmsPluginOptions): void {
  app.get<{ Params: { project: string } }>('/:project/subscriptions', async (request) => {
    const project = checkAmsName(request.params.project, 'Project');
    readQuery(request, LIST_QUERY);
    return messaging.listSubscriptions(project, callerOf(request));
  });

  app.put<{ Params: Params }>('/:project/subscriptions/:target', async (request) => {
    const caller = requireRole(request, 'admin', 'consumer');
    const { project, sub, action } = subOf(request.params);
    if (action !== undefined) throw AMS_ERRORS.noRoute();
    readQuery(request, NO_QUERY);
    const body = readBody(request.body, SUBSCRIPTION_BODY, () => AMS_ERRORS.invalidArguments('Subscription'));
    if (body.pushConfig && Object.keys(body.pushConfig).length > 0) {
      throw AMS_ERRORS.conflict('Push functionality is currently disabled');
    }
    const ref = parseTopicReference(body.topic);
    if (!ref) throw AMS_ERRORS.invalidName('Topic');
    return messaging.createSubscription(
      project,
      sub,
      ref,
      body.ackDeadlineSeconds ?? DEFAULT_ACK_DEADLINE_SECONDS,
      caller,
    );
  });

  app.get<{ Params: Params }>('/:project/subscriptions/:target', async (request) => {
    const caller = callerOf(request);
    const { project, sub, action } = subOf(request.params);
    if (action === undefined) {
      readQuery(request, NO_QUERY);
      return messaging.getSubscription(project, sub, caller);
    }
    if (action === 'offsets') {
      readQuery(request, NO_QUERY);
      return messaging.offsets(project, sub, caller);
    }
    if (action === 'timeToOffset') {
      const { time } = readQuery(request, TIME_QUERY);
      return messaging.timeToOffset(project, sub, readTime(time), caller);
    }
    throw AMS_ERRORS.noRoute();
  });

  app.delete<{ Params: Params }>('/:project/subscriptions/:target', async (request) => {
    const caller = requireRole(request, 'admin', 'consumer');
    const { project, sub, action } = subOf(request.params);
    if (action !== undefined) throw AMS_ERRORS.noRoute();
    readQuery(request, NO_QUERY);
    await messaging.deleteSubscription(project, sub, caller);
    return {};
  });

  app.post<{ Params: Params }>('/:project/subscriptions/:target', async (request) => {
    const { project, sub, action } = subOf(request.params);
    const known = ['pull', 'acknowledge', 'modifyAckDeadline', 'modifyOffset'];
    if (action === undefined || !known.includes(action)) throw AMS_ERRORS.noRoute();
    const caller = requireRole(request, 'admin', 'consumer');
    readQuery(request, NO_QUERY);
    switch (action) {
      case 'pull': {
        const body = readBody(request.body, PULL_BODY, () => AMS_ERRORS.invalidArguments('Pull Parameters'));
        const immediate = String(body.returnImmediately ?? 'true') !== 'false';
        const limit = pullLimit(body.maxMessages);
        return { receivedMessages: await messaging.pull(project, sub, limit, immediate, caller) };
      }
      case 'acknowledge': {
        const body = readBody(request.body, ACK_BODY, () => AMS_ERRORS.invalidData('Invalid ack parameter'));
        await messaging.acknowledge(project, sub, body.ackIds, caller);
        return {};
      }
      case 'modifyAckDeadline': {
        const body = readBody(request.body, ACK_DEADLINE_BODY, () =>
          AMS_ERRORS.invalidArguments('ackDeadlineSeconds(needs value between 0 and 600)'),
        );
        await messaging.modifyAckDeadline(project, sub, body.ackDeadlineSeconds, caller);
        return {};
      }
      default: {
        const body = readBody(request.body, OFFSET_BODY, () => AMS_ERRORS.invalidArguments('Offset'));
        await messaging.modifyOffset(project, sub, body.offset, caller);
        return {};
      }
    }
  });
}
