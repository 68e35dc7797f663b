// AMS subscription routes: create, get, list, delete, `:pull`, `:acknowledge`, deadlines and offsets.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AMS_ERRORS } from '../messaging/ams-error.js';
import { parseTopicReference } from '../messaging/ams-names.js';
import { parseZuluTime } from '../messaging/ams-values.js';
import type { AmsPluginOptions } from './ams-http.js';
import {
  ACK_BODY,
  ACK_DEADLINE_BODY,
  LIST_QUERY,
  NO_QUERY,
  OFFSET_BODY,
  PROJECT_PARAMS,
  PULL_BODY,
  SUBSCRIPTION_BODY,
  TIME_QUERY,
  subscriptionParams,
} from './ams-schemas.js';
import { callerOf } from './route-auth.js';

const DEFAULT_ACK_DEADLINE_SECONDS = 10;
const TAGS = ['messaging (AMS v1)'];
const OWNERS = ['admin', 'consumer'] as const;
const SUBSCRIPTION = { amsTarget: 'subscription' } as const;

/** AMS reads maxMessages with Atoi and falls back to 1 when it is not a number. */
function pullLimit(value: string | number | undefined): number {
  const n = typeof value === 'number' ? value : Number.parseInt(value ?? '1', 10);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 1;
}

/** `?time=` of `:timeToOffset` as epoch ms. @throws AmsError 400 unless it is a real Zulu time. */
function readTime(time: string | undefined): number {
  const ms = parseZuluTime(time ?? '');
  if (ms === undefined) throw AMS_ERRORS.invalidData('Time is not in valid Zulu format.');
  return ms;
}

/** The subscriptions themselves: list, create, get, delete. */
function registerSubscriptions(app: FastifyInstance, { messaging }: AmsPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/:project/subscriptions',
    {
      schema: {
        tags: TAGS,
        summary: "List subscriptions (a consumer's own)",
        params: PROJECT_PARAMS,
        querystring: LIST_QUERY,
      },
    },
    async (request) => messaging.listSubscriptions(request.params.project, callerOf(request)),
  );

  const subscription = { tags: TAGS, params: subscriptionParams(undefined), querystring: NO_QUERY };
  routes.put(
    '/:project/subscriptions/:target',
    {
      config: { ...SUBSCRIPTION, roles: OWNERS },
      schema: {
        ...subscription,
        summary: 'Create a subscription at the end of its topic (admin, consumer: then its owner)',
        body: SUBSCRIPTION_BODY,
      },
    },
    async (request) => {
      const { body } = request;
      if (body.pushConfig && Object.keys(body.pushConfig).length > 0) {
        throw AMS_ERRORS.conflict('Push functionality is currently disabled');
      }
      const ref = parseTopicReference(body.topic);
      if (!ref) throw AMS_ERRORS.invalidName('Topic');
      const deadline = body.ackDeadlineSeconds ?? DEFAULT_ACK_DEADLINE_SECONDS;
      const { project, target } = request.params;
      return messaging.createSubscription(project, target, ref, deadline, callerOf(request));
    },
  );
  routes.get(
    '/:project/subscriptions/:target',
    { config: SUBSCRIPTION, schema: { ...subscription, summary: 'Get a subscription' } },
    async (request) =>
      messaging.getSubscription(request.params.project, request.params.target, callerOf(request)),
  );
  routes.delete(
    '/:project/subscriptions/:target',
    {
      config: { ...SUBSCRIPTION, roles: OWNERS },
      schema: { ...subscription, summary: "Delete a subscription (admin, or a consumer's own)" },
    },
    async (request) => {
      await messaging.deleteSubscription(request.params.project, request.params.target, callerOf(request));
      return {};
    },
  );
}

/** Offsets: `GET :offsets`, `GET :timeToOffset`, `POST :modifyOffset`. */
function registerOffsets(app: FastifyInstance, { messaging }: AmsPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/:project/subscriptions/:target',
    {
      constraints: { amsAction: 'offsets' },
      config: SUBSCRIPTION,
      schema: {
        tags: TAGS,
        summary: 'Offsets {max, min, current}',
        params: subscriptionParams('offsets'),
        querystring: NO_QUERY,
      },
    },
    async (request) => messaging.offsets(request.params.project, request.params.target, callerOf(request)),
  );
  routes.get(
    '/:project/subscriptions/:target',
    {
      constraints: { amsAction: 'timeToOffset' },
      config: SUBSCRIPTION,
      schema: {
        tags: TAGS,
        summary: 'First offset published at or after ?time=<ISO, Z>',
        params: subscriptionParams('timeToOffset'),
        querystring: TIME_QUERY,
      },
    },
    async (request) => {
      const { project, target } = request.params;
      return messaging.timeToOffset(project, target, readTime(request.query.time), callerOf(request));
    },
  );
  routes.post(
    '/:project/subscriptions/:target',
    {
      constraints: { amsAction: 'modifyOffset' },
      config: { ...SUBSCRIPTION, roles: OWNERS },
      schema: {
        tags: TAGS,
        summary: 'Move the cursor to an offset between min and max',
        params: subscriptionParams('modifyOffset'),
        querystring: NO_QUERY,
        body: OFFSET_BODY,
      },
    },
    async (request) => {
      const { project, target } = request.params;
      await messaging.modifyOffset(project, target, request.body.offset, callerOf(request));
      return {};
    },
  );
}

/** Consuming: `:pull`, `:acknowledge`, `:modifyAckDeadline`. */
function registerConsuming(app: FastifyInstance, { messaging }: AmsPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const consuming = (action: string, summary: string) => ({
    constraints: { amsAction: action },
    config: { ...SUBSCRIPTION, roles: OWNERS },
    schema: { tags: TAGS, summary, params: subscriptionParams(action), querystring: NO_QUERY },
  });
  const pull = consuming(
    'pull',
    'Pull messages (admin, consumer); maxMessages and returnImmediately are strings',
  );
  routes.post(
    '/:project/subscriptions/:target',
    { ...pull, schema: { ...pull.schema, body: PULL_BODY } },
    async (request) => {
      const { project, target } = request.params;
      const immediate = String(request.body.returnImmediately ?? 'true') !== 'false';
      const limit = pullLimit(request.body.maxMessages);
      return { receivedMessages: await messaging.pull(project, target, limit, immediate, callerOf(request)) };
    },
  );
  const ack = consuming(
    'acknowledge',
    'Acknowledge cumulatively up to the highest ackId; 408 after the ack deadline',
  );
  routes.post(
    '/:project/subscriptions/:target',
    { ...ack, schema: { ...ack.schema, body: ACK_BODY } },
    async (request) => {
      const { project, target } = request.params;
      await messaging.acknowledge(project, target, request.body.ackIds, callerOf(request));
      return {};
    },
  );
  const deadline = consuming('modifyAckDeadline', 'Set ackDeadlineSeconds (0-600)');
  routes.post(
    '/:project/subscriptions/:target',
    { ...deadline, schema: { ...deadline.schema, body: ACK_DEADLINE_BODY } },
    async (request) => {
      const { project, target } = request.params;
      await messaging.modifyAckDeadline(project, target, request.body.ackDeadlineSeconds, callerOf(request));
      return {};
    },
  );
  // any other `POST …/subscriptions/{name}[:{action}]`: the name is checked, then 404 "API call not found"
  routes.post(
    '/:project/subscriptions/:target',
    { config: SUBSCRIPTION, schema: { hide: true, params: subscriptionParams('\0') } },
    async () => ({}),
  );
}

/**
 * Registers the subscription routes under the plugin prefix (`/v1/projects`). Admins and consumers
 * create subscriptions; a consumer then uses only its own (see `subscription-owner.ts`).
 */
export function registerSubscriptionRoutes(app: FastifyInstance, options: AmsPluginOptions): void {
  registerSubscriptions(app, options);
  registerOffsets(app, options);
  registerConsuming(app, options);
}
