// AMS topic routes: create, get, list, delete, list subscriptions, and `:publish`.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AMS_ERRORS } from '../messaging/ams-error.js';
import { checkAmsName, splitTarget } from '../messaging/ams-names.js';
import { MAX_PUBLISH_MESSAGES, parsePublishBody } from '../messaging/ams-publish-body.js';
import type { AmsPluginOptions } from './ams-http.js';
import { LIST_QUERY, NO_QUERY, callerOf, readJson, readQuery, requireRole } from './ams-http.js';

/**
 * Body of `POST …/topics/{t}:publish`, as the OpenAPI document shows it; requests are read by
 * `parsePublishBody`, which names the refused field.
 */
export const PUBLISH_BODY = z.object({
  messages: z
    .array(
      z.object({
        data: z.string().min(1),
        attributes: z.record(z.string(), z.string()).optional(),
      }),
    )
    .min(1)
    .max(MAX_PUBLISH_MESSAGES),
});

type Params = { project: string; target: string };

function topicOf(params: Params, allowAction: boolean): { project: string; topic: string; action?: string } {
  const project = checkAmsName(params.project, 'Project');
  const { name, action } = splitTarget(params.target);
  if (action !== undefined && !allowAction) throw AMS_ERRORS.noRoute();
  return { project, topic: checkAmsName(name, 'Topic'), ...(action === undefined ? {} : { action }) };
}

/** Registers the topic routes under the plugin prefix (`/v1/projects`). */
export function registerTopicRoutes(app: FastifyInstance, { messaging }: AmsPluginOptions): void {
  app.get<{ Params: { project: string } }>('/:project/topics', async (request) => {
    readQuery(request, LIST_QUERY);
    return messaging.listTopics(checkAmsName(request.params.project, 'Project'));
  });

  app.put<{ Params: Params }>('/:project/topics/:target', async (request) => {
    requireRole(request, 'admin');
    const { project, topic } = topicOf(request.params, false);
    readQuery(request, NO_QUERY);
    return messaging.createTopic(project, topic);
  });

  app.get<{ Params: Params }>('/:project/topics/:target', async (request) => {
    const { project, topic } = topicOf(request.params, false);
    readQuery(request, NO_QUERY);
    return messaging.getTopic(project, topic);
  });

  app.delete<{ Params: Params }>('/:project/topics/:target', async (request) => {
    requireRole(request, 'admin');
    const { project, topic } = topicOf(request.params, false);
    readQuery(request, NO_QUERY);
    await messaging.deleteTopic(project, topic);
    return {};
  });

  app.get<{ Params: Params }>('/:project/topics/:target/subscriptions', async (request) => {
    const { project, topic } = topicOf(request.params, false);
    readQuery(request, NO_QUERY);
    return messaging.listTopicSubscriptions(project, topic, callerOf(request));
  });

  app.post<{ Params: Params }>('/:project/topics/:target', async (request) => {
    const { project, topic, action } = topicOf(request.params, true);
    if (action !== 'publish') throw AMS_ERRORS.noRoute();
    const caller = requireRole(request, 'admin', 'publisher');
    readQuery(request, NO_QUERY);
    const messages = parsePublishBody(readJson(request.body));
    const messageIds = await messaging.publish(project, topic, messages, caller);
    return { messageIds };
  });
}
