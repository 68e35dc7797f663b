// The AMS-compatible messaging API as one fastify plugin, mounted at /v1/projects.
import type { FastifyPluginAsync } from 'fastify';
import type { AmsPluginOptions } from './ams-http.js';
import { installAmsPlumbing } from './ams-http.js';
import { registerSubscriptionRoutes } from './ams-subscription-routes.js';
import { registerTopicRoutes } from './ams-topic-routes.js';

export type { AmsPluginOptions } from './ams-http.js';

/**
 * The ARGO AMS v1 subset (reference §5): topics, subscriptions, publish, pull, acknowledge, ack
 * deadlines and offsets, with `x-api-key` auth and AMS-shaped errors. Register with
 * `{ prefix: '/v1/projects' }`; its parser, hooks and error shape stay inside this plugin.
 */
export const amsPlugin: FastifyPluginAsync<AmsPluginOptions> = async (app, options) => {
  if (!options.messaging || !options.auth) throw new Error('amsPlugin needs messaging and auth');
  installAmsPlumbing(app, options);
  registerTopicRoutes(app, options);
  registerSubscriptionRoutes(app, options);
};
