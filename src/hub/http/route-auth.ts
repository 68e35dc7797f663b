// The hub's one auth hook: each route names the roles it allows (or `public`), the hook checks the token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FedstackError } from '../../errors.js';
import type { HubAuth } from '../auth/hub-auth.js';
import type { HubCaller, HubRole } from '../auth/hub-token.js';
import { requestToken } from './request-token.js';

/** Who may call a route: any of these roles, or anyone without a token. */
export type RouteRoles = readonly HubRole[] | 'public';

/** Every role: any valid token. */
export const ANY_ROLE: readonly HubRole[] = ['admin', 'consumer', 'publisher'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; the auth hook's default when absent. */
    roles?: RouteRoles;
    /** The portal's pages read it: without a token, the portal's reader (public, or admin sessions) may. */
    portalRead?: boolean;
  }
}

const callers = new WeakMap<FastifyRequest, HubCaller>();

/** A callback-style request hook (onRequest, or a not-found handler's preHandler). */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;

/**
 * The auth hook of routes that allow `roles`: looks the token up and keeps the caller for
 * {@link callerOf}.
 * @throws FedstackError `HUB_UNAUTHENTICATED` without a known token, `HUB_FORBIDDEN` when the
 *   caller's role is not allowed (AMS's error shape turns both into AMS's own errors).
 */
export function authHook(auth: HubAuth, roles: readonly HubRole[]): AuthHook {
  return (request, _reply, done) => {
    const token = requestToken(request);
    const portalCaller =
      token === undefined && request.routeOptions.config.portalRead
        ? auth.portalReader?.(request.headers.cookie)
        : undefined;
    (portalCaller ? Promise.resolve(portalCaller) : auth.authenticate(token)).then((caller) => {
      if (!caller) {
        return done(
          new FedstackError(
            'HUB_UNAUTHENTICATED',
            'send a hub token in the x-api-key header (or Authorization: Bearer)',
          ),
        );
      }
      if (!roles.includes(caller.role)) {
        return done(
          new FedstackError(
            'HUB_FORBIDDEN',
            `a ${caller.role} token may not ${request.method} ${request.routeOptions.url}`,
          ),
        );
      }
      callers.set(request, caller);
      done();
    }, done);
  };
}

/**
 * Gives every route registered in `app` (one area's plugin context) after this call the auth hook
 * of its roles (`config.roles`, else `defaultRoles`), as its first onRequest hook. Public routes
 * get none, so they cost nothing per request.
 */
export function installAuth(app: FastifyInstance, auth: HubAuth, defaultRoles: RouteRoles = ANY_ROLE): void {
  app.addHook('onRoute', (route) => {
    const roles = route.config?.roles ?? defaultRoles;
    if (roles === 'public') return;
    const own = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [authHook(auth, roles), ...own] as typeof route.onRequest;
  });
}

/**
 * The caller of a request that passed the auth hook of {@link installAuth}.
 * @throws FedstackError `HUB_UNAUTHENTICATED` when the route is public (no caller was looked up).
 */
export function callerOf(request: FastifyRequest): HubCaller {
  const caller = callers.get(request);
  if (!caller) throw new FedstackError('HUB_UNAUTHENTICATED', 'send a hub token in the x-api-key header');
  return caller;
}

/**
 * Marks the GET routes registered in `app` after this call whose URL passes `isRead` as read by
 * the portal's pages (`config.portalRead`): without a token, the portal's reader may call them.
 */
export function markPortalReads(app: FastifyInstance, isRead: (url: string) => boolean): void {
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (methods.includes('GET') && isRead(route.url)) route.config = { ...route.config, portalRead: true };
  });
}
