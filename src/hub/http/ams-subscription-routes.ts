// AMS subscription routes: create, get, list, delete, `:pull`, `:acknowledge`, deadlines and offsets.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AMS_ERRORS } from '../messaging/ams-error.js';
import { checkAmsName, parseTopicReference, splitTarget } from '../messaging/ams-names.js';
import type { AmsPluginOptions } from './ams-http.js';
import { readBody, requireRole } from './ams-http.js';

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
export const ACK_BODY = z.object({ ackIds: z.array(z.string()) });
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

/** Registers the subscription routes under the plugin prefix (`/v1/projects`). */
export function registerSubscriptionRoutes(app: FastifyInstance, { messaging }: AmsPluginOptions): void {
  app.get<{ Params: { project: string } }>('/:project/subscriptions', async (request) => {
    return messaging.listSubscriptions(checkAmsName(request.params.project, 'Project'));
  });

  app.put<{ Params: Params }>('/:project/subscriptions/:target', async (request) => {
    requireRole(request, 'admin');
    const { project, sub, action } = subOf(request.params);
    if (action !== undefined) throw AMS_ERRORS.noRoute();
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
    );
  });

  app.get<{ Params: Params; Querystring: { time?: string } }>(
    '/:project/subscriptions/:target',
    async (request) => {
      const { project, sub, action } = subOf(request.params);
      if (action === undefined) return messaging.getSubscription(project, sub);
      if (action === 'offsets') return messaging.offsets(project, sub);
      if (action === 'timeToOffset') {
        const time = Date.parse(request.query.time ?? '');
        if (!/Z$/.test(request.query.time ?? '') || Number.isNaN(time)) {
          throw AMS_ERRORS.invalidData('Time is not in valid Zulu format.');
        }
        return messaging.timeToOffset(project, sub, time);
      }
      throw AMS_ERRORS.noRoute();
    },
  );

  app.delete<{ Params: Params }>('/:project/subscriptions/:target', async (request) => {
    requireRole(request, 'admin');
    const { project, sub, action } = subOf(request.params);
    if (action !== undefined) throw AMS_ERRORS.noRoute();
    await messaging.deleteSubscription(project, sub);
    return {};
  });

  app.post<{ Params: Params }>('/:project/subscriptions/:target', async (request) => {
    const { project, sub, action } = subOf(request.params);
    switch (action) {
      case 'pull': {
        requireRole(request, 'admin', 'consumer');
        const body = readBody(request.body, PULL_BODY, () => AMS_ERRORS.invalidArguments('Pull Parameters'));
        const immediate = String(body.returnImmediately ?? 'true') !== 'false';
        const receivedMessages = await messaging.pull(project, sub, pullLimit(body.maxMessages), immediate);
        return { receivedMessages };
      }
      case 'acknowledge': {
        requireRole(request, 'admin', 'consumer');
        const body = readBody(request.body, ACK_BODY, () => AMS_ERRORS.invalidData('Invalid ack parameter'));
        await messaging.acknowledge(project, sub, body.ackIds);
        return {};
      }
      case 'modifyAckDeadline': {
        requireRole(request, 'admin', 'consumer');
        const body = readBody(request.body, ACK_DEADLINE_BODY, () =>
          AMS_ERRORS.invalidArguments('ackDeadlineSeconds(needs value between 0 and 600)'),
        );
        await messaging.modifyAckDeadline(project, sub, body.ackDeadlineSeconds);
        return {};
      }
      case 'modifyOffset': {
        requireRole(request, 'admin', 'consumer');
        const body = readBody(request.body, OFFSET_BODY, () => AMS_ERRORS.invalidArguments('Offset'));
        await messaging.modifyOffset(project, sub, body.offset);
        return {};
      }
      default:
        throw AMS_ERRORS.noRoute();
    }
  });
}
