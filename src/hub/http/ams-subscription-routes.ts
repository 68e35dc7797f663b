// AMS subscription routes: create, get, list, delete, `:pull`, `:acknowledge`, deadlines and offsets.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { AMS_ERRORS } from '../messaging/ams-error.js';
import { parseTopicReference } from '../messaging/ams-names.js';
import { parseZuluTime } from '../messaging/ams-values.js';
import type { AmsPluginOptions } from './ams-http.js';
import {
  ACK_BODY,
  ACK_DEADLINE_BODY,
  AMS_ERROR_RESPONSES,
  EMPTY_RESPONSE,
  LIST_QUERY,
  NO_QUERY,
  OFFSET_BODY,
  OFFSETS_RESPONSE,
  PROJECT_PARAMS,
  PULL_BODY,
  PULL_RESPONSE,
  SUBSCRIPTION_BODY,
  SUBSCRIPTION_LIST_RESPONSE,
  SUBSCRIPTION_RESPONSE,
  TIME_QUERY,
  TIME_TO_OFFSET_RESPONSE,
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

const SUBSCRIPTION_PATH = '/:project/subscriptions/:target';

/** The answers of a route: `ok` with 200, AMS's error body otherwise. */
function answers<R extends z.ZodType>(ok: R) {
  return { 200: ok, ...AMS_ERROR_RESPONSES };
}

/**
 * Options of a route on one subscription (no action) answering `response`: owners only with
 * `OWNERS`, else any token.
 */
function onSubscription<R extends z.ZodType>(summary: string, response: R, roles?: typeof OWNERS) {
  return {
    config: roles ? { ...SUBSCRIPTION, roles } : SUBSCRIPTION,
    schema: {
      tags: TAGS,
      params: subscriptionParams(undefined),
      querystring: NO_QUERY,
      summary,
      response: answers(response),
    },
  };
}

/**
 * Options of a `…/subscriptions/{subscription}:{action}` route answering `response`: owners only
 * with `OWNERS`, else any token.
 */
function onAction<R extends z.ZodType>(action: string, summary: string, response: R, roles?: typeof OWNERS) {
  return {
    constraints: { amsAction: action },
    config: roles ? { ...SUBSCRIPTION, roles } : SUBSCRIPTION,
    schema: {
      tags: TAGS,
      summary,
      params: subscriptionParams(action),
      querystring: NO_QUERY,
      response: answers(response),
    },
  };
}

/** `options` with `body` as the body schema of the route. */
function withBody<O extends { readonly schema: object }, B extends z.ZodType>(options: O, body: B) {
  return { ...options, schema: { ...options.schema, body } };
}

/**
 * Options of a POST `…/subscriptions/{subscription}:{action}` with a `body`, answering `response`
 * (admins, a consumer's own).
 */
function ownersPost<B extends z.ZodType, R extends z.ZodType>(
  action: string,
  summary: string,
  body: B,
  response: R,
) {
  return withBody(onAction(action, summary, response, OWNERS), body);
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
        response: answers(SUBSCRIPTION_LIST_RESPONSE),
      },
    },
    async (request) => messaging.listSubscriptions(request.params.project, callerOf(request)),
  );
  const create = onSubscription(
    'Create a subscription at the end of its topic (admin, consumer: then its owner)',
    SUBSCRIPTION_RESPONSE,
    OWNERS,
  );
  routes.put(SUBSCRIPTION_PATH, withBody(create, SUBSCRIPTION_BODY), async (request) => {
    const { body } = request;
    if (body.pushConfig && Object.keys(body.pushConfig).length > 0) {
      throw AMS_ERRORS.conflict('Push functionality is currently disabled');
    }
    const ref = parseTopicReference(body.topic);
    if (!ref) throw AMS_ERRORS.invalidName('Topic');
    const deadline = body.ackDeadlineSeconds ?? DEFAULT_ACK_DEADLINE_SECONDS;
    const { project, target } = request.params;
    return messaging.createSubscription(project, target, ref, deadline, callerOf(request));
  });
  routes.get(
    SUBSCRIPTION_PATH,
    onSubscription('Get a subscription', SUBSCRIPTION_RESPONSE),
    async (request) =>
      messaging.getSubscription(request.params.project, request.params.target, callerOf(request)),
  );
  const remove = onSubscription("Delete a subscription (admin, or a consumer's own)", EMPTY_RESPONSE, OWNERS);
  routes.delete(SUBSCRIPTION_PATH, remove, async (request) => {
    await messaging.deleteSubscription(request.params.project, request.params.target, callerOf(request));
    return {};
  });
}

/** Offsets: `GET :offsets`, `GET :timeToOffset`, `POST :modifyOffset`. */
function registerOffsets(app: FastifyInstance, { messaging }: AmsPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    SUBSCRIPTION_PATH,
    onAction('offsets', 'Offsets {max, min, current}', OFFSETS_RESPONSE),
    async (request) => messaging.offsets(request.params.project, request.params.target, callerOf(request)),
  );
  const timeToOffset = onAction(
    'timeToOffset',
    'First offset published at or after ?time=<ISO, Z>',
    TIME_TO_OFFSET_RESPONSE,
  );
  routes.get(
    SUBSCRIPTION_PATH,
    { ...timeToOffset, schema: { ...timeToOffset.schema, querystring: TIME_QUERY } },
    async (request) => {
      const { project, target } = request.params;
      return messaging.timeToOffset(project, target, readTime(request.query.time), callerOf(request));
    },
  );
  const modify = ownersPost(
    'modifyOffset',
    'Move the cursor to an offset between min and max',
    OFFSET_BODY,
    EMPTY_RESPONSE,
  );
  routes.post(SUBSCRIPTION_PATH, modify, async (request) => {
    const { project, target } = request.params;
    await messaging.modifyOffset(project, target, request.body.offset, callerOf(request));
    return {};
  });
}

/** Consuming: `:pull`, `:acknowledge`, `:modifyAckDeadline`; and the answer to any other action. */
function registerConsuming(app: FastifyInstance, { messaging }: AmsPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const pull = ownersPost(
    'pull',
    'Pull messages (admin, consumer); maxMessages and returnImmediately are strings',
    PULL_BODY,
    PULL_RESPONSE,
  );
  routes.post(SUBSCRIPTION_PATH, pull, async (request) => {
    const { project, target } = request.params;
    const immediate = String(request.body.returnImmediately ?? 'true') !== 'false';
    const limit = pullLimit(request.body.maxMessages);
    return { receivedMessages: await messaging.pull(project, target, limit, immediate, callerOf(request)) };
  });
  const ack = ownersPost(
    'acknowledge',
    'Acknowledge cumulatively up to the highest ackId; 408 after the ack deadline',
    ACK_BODY,
    EMPTY_RESPONSE,
  );
  routes.post(SUBSCRIPTION_PATH, ack, async (request) => {
    const { project, target } = request.params;
    await messaging.acknowledge(project, target, request.body.ackIds, callerOf(request));
    return {};
  });
  const deadline = ownersPost(
    'modifyAckDeadline',
    'Set ackDeadlineSeconds (0-600)',
    ACK_DEADLINE_BODY,
    EMPTY_RESPONSE,
  );
  routes.post(SUBSCRIPTION_PATH, deadline, async (request) => {
    const { project, target } = request.params;
    await messaging.modifyAckDeadline(project, target, request.body.ackDeadlineSeconds, callerOf(request));
    return {};
  });
  // any other `POST …/subscriptions/{name}[:{action}]`: the name is checked, then 404 "API call not found"
  routes.post(
    SUBSCRIPTION_PATH,
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
