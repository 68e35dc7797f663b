// Shared plumbing of the AMS routes: raw body reading, the token hook, AMS's error shape.
import type { FastifyInstance } from 'fastify';
import type { HubCaller } from '../auth/hub-token.js';
import type { HubAuth } from '../auth/hub-auth.js';
import { AmsError, AMS_ERRORS } from '../messaging/ams-error.js';
import type { MessagingService } from '../messaging/messaging-service.js';
import { installAmsActionRouting } from './ams-action.js';
import { installErrorHandler } from './error-handler.js';
import type { ErrorShape, HubFailure } from './error-handler.js';
import { ANY_ROLE, authHook, installAuth } from './route-auth.js';
import { installRouteSchemas, readBodiesAsText } from './route-schema.js';

/** Options of the AMS plugin. */
export interface AmsPluginOptions {
  readonly messaging: MessagingService;
  readonly auth: HubAuth;
  /** Largest request body accepted, in bytes (several 1 MiB messages fit); default 32 MiB. */
  readonly bodyLimitBytes?: number;
  /**
   * Passes a publish before it is stored (the accounting S/MIME gate): returns the messages to
   * store (decrypted ones replaced), or throws to refuse it.
   */
  readonly publishGate?: <M extends { readonly data: string }>(
    project: string,
    topic: string,
    messages: readonly M[],
    caller: HubCaller,
  ) => Promise<readonly M[]>;
}

/** A failure as the AMS error argo-messaging would answer with. */
function toAmsError(failure: HubFailure): AmsError {
  if (failure.error instanceof AmsError) return failure.error;
  switch (failure.kind) {
    case 'not-found':
      return AMS_ERRORS.noRoute();
    case 'too-large':
      return AMS_ERRORS.tooLarge();
    case 'client':
      // a path that is not valid percent-encoding is no body fault
      return failure.fastifyCode === 'FST_ERR_BAD_URL'
        ? AMS_ERRORS.invalidData(failure.message)
        : AMS_ERRORS.invalidBody();
    case 'internal':
      return AMS_ERRORS.internal();
    case 'refused':
      if (failure.code === 'HUB_UNAUTHENTICATED') return AMS_ERRORS.unauthorized();
      if (failure.code === 'HUB_FORBIDDEN') return AMS_ERRORS.forbidden();
      if (failure.code === 'HUB_REQUEST_INVALID') return AMS_ERRORS.invalidData(failure.message);
      return AMS_ERRORS.internal();
  }
}

/** AMS's error shape, `{"error":{"code","message","status"}}`, for the hub's one error handler. */
export const AMS_ERROR_SHAPE: ErrorShape = (failure) => {
  const error = toAmsError(failure);
  return { status: error.httpStatus, body: error.toBody() };
};

/**
 * Installs, in the AMS plugin's own context: a raw-text body parser for every content type (AMS
 * clients do not all send `application/json`; each route's body schema reads the JSON), the
 * route schemas, the action routing, the token check, and the AMS error shape.
 */
export function installAmsPlumbing(app: FastifyInstance, options: AmsPluginOptions): void {
  readBodiesAsText(app, options.bodyLimitBytes ?? 32 * 1024 * 1024);
  installRouteSchemas(app);
  installAmsActionRouting(app);
  installAuth(app, options.auth);
  installErrorHandler(app, AMS_ERROR_SHAPE, authHook(options.auth, ANY_ROLE));
}
