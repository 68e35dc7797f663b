// AMS topic routes: create, get, list, delete, list subscriptions, and `:publish`.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AmsPluginOptions } from './ams-http.js';
import type { z } from 'zod';
import {
  AMS_ERROR_RESPONSES,
  EMPTY_RESPONSE,
  LIST_QUERY,
  NO_QUERY,
  PROJECT_PARAMS,
  PUBLISH_BODY,
  PUBLISH_PARAMS,
  PUBLISH_RESPONSE,
  TOPIC_ACTION_PARAMS,
  TOPIC_LIST_RESPONSE,
  TOPIC_PARAMS,
  TOPIC_RESPONSE,
  TOPIC_SUBSCRIPTIONS_RESPONSE,
} from './ams-schemas.js';
import { callerOf } from './route-auth.js';

const TAGS = ['messaging (AMS v1)'];
const ADMIN = ['admin'] as const;
const TOPIC = { amsTarget: 'topic' } as const;
const TOPIC_PATH = '/:project/topics/:target';

/** The answers of a route: `ok` with 200, AMS's error body otherwise. */
function answers<R extends z.ZodType>(ok: R) {
  return { 200: ok, ...AMS_ERROR_RESPONSES };
}

/**
 * Options of a route on one topic (`…/topics/{topic}`, no action) answering `response`: admins
 * only with `ADMIN`, else any token.
 */
function onTopic<R extends z.ZodType>(summary: string, response: R, roles?: typeof ADMIN) {
  return {
    config: roles ? { ...TOPIC, roles } : TOPIC,
    schema: { tags: TAGS, params: TOPIC_PARAMS, querystring: NO_QUERY, summary, response: answers(response) },
  };
}

/** The topics themselves: list, create, get, delete, and the subscriptions of one. */
function registerTopics(app: FastifyInstance, { messaging }: AmsPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/:project/topics',
    {
      schema: {
        tags: TAGS,
        summary: 'List topics',
        params: PROJECT_PARAMS,
        querystring: LIST_QUERY,
        response: answers(TOPIC_LIST_RESPONSE),
      },
    },
    async (request) => messaging.listTopics(request.params.project),
  );
  routes.put(TOPIC_PATH, onTopic('Create a topic (admin)', TOPIC_RESPONSE, ADMIN), async (request) =>
    messaging.createTopic(request.params.project, request.params.target),
  );
  routes.get(TOPIC_PATH, onTopic('Get a topic', TOPIC_RESPONSE), async (request) =>
    messaging.getTopic(request.params.project, request.params.target),
  );
  routes.delete(
    TOPIC_PATH,
    onTopic('Delete a topic and its messages (admin)', EMPTY_RESPONSE, ADMIN),
    async (request) => {
      await messaging.deleteTopic(request.params.project, request.params.target);
      return {};
    },
  );
  routes.get(
    `${TOPIC_PATH}/subscriptions`,
    onTopic('List the subscriptions of a topic', TOPIC_SUBSCRIPTIONS_RESPONSE),
    async (request) =>
      messaging.listTopicSubscriptions(request.params.project, request.params.target, callerOf(request)),
  );
}

/** `POST …/topics/{topic}:publish`, and the answer to a POST with any other action. */
function registerPublish(app: FastifyInstance, { messaging, publishGate }: AmsPluginOptions): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.post(
    TOPIC_PATH,
    {
      constraints: { amsAction: 'publish' },
      config: { ...TOPIC, roles: ['admin', 'publisher'] },
      schema: {
        tags: TAGS,
        summary:
          'Publish messages (admin, publisher); data is base64, at most 1 MiB decoded; returns messageIds',
        params: PUBLISH_PARAMS,
        querystring: NO_QUERY,
        body: PUBLISH_BODY,
        response: answers(PUBLISH_RESPONSE),
      },
    },
    async (request) => {
      const { project, target } = request.params;
      const caller = callerOf(request);
      const messages = publishGate
        ? await publishGate(project, target, request.body.messages, caller)
        : request.body.messages;
      const messageIds = await messaging.publish(project, target, messages, caller);
      return { messageIds };
    },
  );
  // any other `POST …/topics/{name}[:{action}]`: the name is checked, then 404 "API call not found"
  routes.post(
    TOPIC_PATH,
    { config: TOPIC, schema: { hide: true, params: TOPIC_ACTION_PARAMS } },
    async () => ({}),
  );
}

/** Registers the topic routes under the plugin prefix (`/v1/projects`). */
export function registerTopicRoutes(app: FastifyInstance, options: AmsPluginOptions): void {
  registerTopics(app, options);
  registerPublish(app, options);
}
