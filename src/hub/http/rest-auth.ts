// Token check for the hub's REST plugins: 401 without a known token, the caller kept per request.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FedstackError } from '../../errors.js';
import type { HubAuth } from '../auth/hub-auth.js';
import type { HubCaller, HubRole } from '../auth/hub-token.js';
import { requestToken } from './request-token.js';

const callers = new WeakMap<FastifyRequest, HubCaller>();

/** Adds an onRequest hook to `app` (one plugin's context) that requires a known token. */
export function installRestAuth(app: FastifyInstance, auth: HubAuth): void {
  app.addHook('onRequest', async (request) => {
    const caller = await auth.authenticate(requestToken(request));
    if (!caller) {
      throw new FedstackError(
        'HUB_UNAUTHENTICATED',
        'send a hub token in the x-api-key header (or Authorization: Bearer)',
      );
    }
    callers.set(request, caller);
  });
}

/**
 * The caller of a request that passed {@link installRestAuth}, checked against `roles`.
 * @throws FedstackError `HUB_FORBIDDEN` when the caller's role is not among `roles`.
 */
export function restCaller(request: FastifyRequest, roles: readonly HubRole[]): HubCaller {
  const caller = callers.get(request);
  if (!caller) throw new FedstackError('HUB_UNAUTHENTICATED', 'send a hub token in the x-api-key header');
  if (!roles.includes(caller.role)) {
    throw new FedstackError(
      'HUB_FORBIDDEN',
      `a ${caller.role} token may not ${request.method} ${request.routeOptions.url}`,
    );
  }
  return caller;
}
