// AMS topic routes: create, get, list, delete, list subscriptions, and `:publish`.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AMS_ERRORS } from '../messaging/ams-error.js';
import { checkAmsName, splitTarget } from '../messaging/ams-names.js';
import type { AmsPluginOptions } from './ams-http.js';
import { readBody, requireRole } from './ams-http.js';

/** Body of `POST …/topics/{t}:publish`. */
export const PUBLISH_BODY = z.object({
  messages: z.array(
    z.object({
      data: z.string(),
      attributes: z.record(z.string(), z.string()).optional(),
    }),
  ),
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
    return messaging.listTopics(checkAmsName(request.params.project, 'Project'));
  });

  app.put<{ Params: Params }>('/:project/topics/:target', async (request) => {
    requireRole(request, 'admin');
    const { project, topic } = topicOf(request.params, false);
    return messaging.createTopic(project, topic);
  });

  app.get<{ Params: Params }>('/:project/topics/:target', async (request) => {
    const { project, topic } = topicOf(request.params, false);
    return messaging.getTopic(project, topic);
  });

  app.delete<{ Params: Params }>('/:project/topics/:target', async (request) => {
    requireRole(request, 'admin');
    const { project, topic } = topicOf(request.params, false);
    await messaging.deleteTopic(project, topic);
    return {};
  });

  app.get<{ Params: Params }>('/:project/topics/:target/subscriptions', async (request) => {
    const { project, topic } = topicOf(request.params, false);
    return messaging.listTopicSubscriptions(project, topic);
  });

  app.post<{ Params: Params }>('/:project/topics/:target', async (request) => {
    const { project, topic, action } = topicOf(request.params, true);
    if (action !== 'publish') throw AMS_ERRORS.noRoute();
    const caller = requireRole(request, 'admin', 'publisher');
    const body = readBody(request.body, PUBLISH_BODY, () => AMS_ERRORS.invalidArguments('Message'));
    const messages = body.messages.map((m) => ({ data: m.data, attributes: m.attributes ?? {} }));
    const messageIds = await messaging.publish(project, topic, messages, caller);
    return { messageIds };
  });
}
