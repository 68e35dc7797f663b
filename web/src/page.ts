// What the shell gives every page.
import type { PortalSession } from './api.js';

/** What every page is given. */
export interface PageProps {
  readonly query: URLSearchParams;
  readonly path: string;
  readonly session: PortalSession | undefined;
  /** Path parameters (`/portal/sites/:name` gives `name`). */
  readonly params: Record<string, string>;
}
