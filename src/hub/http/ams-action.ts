// Routing on AMS's `{name}:{action}` path segments: a router constraint that derives the action.
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** For an AMS `…/:target` route: what the document calls the name part (`topic`, `subscription`). */
    amsTarget?: 'topic' | 'subscription';
  }
}

/** The action of the last path segment: `s:pull` → `pull`, after the first colon, as `splitTarget` splits. */
function deriveAction(url: string): string | undefined {
  const end = url.indexOf('?');
  const path = end < 0 ? url : url.slice(0, end);
  let segment = path.slice(path.lastIndexOf('/') + 1);
  try {
    segment = decodeURIComponent(segment);
  } catch {
    return undefined; // the router refuses the URL itself
  }
  const colon = segment.indexOf(':');
  return colon < 0 ? undefined : segment.slice(colon + 1);
}

/**
 * Adds the `amsAction` constraint to `app`'s router. Fastify cannot route on a suffix after a path
 * parameter, so each AMS action is its own route on `…/:target` constrained to its action, and the
 * route without the constraint answers the rest (a plain name, or an action AMS does not have).
 * Each route's path schema checks the action again (`ams-schemas.ts`).
 */
export function installAmsActionRouting(app: FastifyInstance): void {
  if (app.hasConstraintStrategy('amsAction')) return;
  app.addConstraintStrategy({
    name: 'amsAction',
    storage() {
      const handlers = new Map<string, unknown>();
      return {
        get: (action: string) => (handlers.get(action) ?? null) as never,
        set: (action: string, store: unknown) => void handlers.set(action, store),
      };
    },
    deriveConstraint: (request) => deriveAction(request.url ?? ''),
    mustMatchWhenDerived: false,
  });
}
