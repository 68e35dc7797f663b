// Builds a hub over a fresh test store, with an admin token, a settable clock and token helpers.
import type { HubDialect } from '../../src/hub/store/hub-store.js';
import { buildHub } from '../../src/hub/app.js';
import type { HubApp, HubOptions } from '../../src/hub/app.js';
import { generateHubToken } from '../../src/hub/auth/hub-token.js';
import type { HubRole } from '../../src/hub/auth/hub-token.js';
import { addTestToken, openTestStore } from './test-stores.js';
import type { TestStore } from './test-stores.js';

/** A hub for one test. */
export interface TestHub {
  readonly app: HubApp;
  readonly store: TestStore;
  readonly adminToken: string;
  /** The clock the hub reads, epoch ms; tests move it. */
  readonly clock: { now: number };
  /** Creates a token of `role` (publisher tokens need `site`) and returns it. */
  readonly token: (role: HubRole, site?: string) => Promise<string>;
  readonly dispose: () => Promise<void>;
}

/** 2024-03-01T00:00:00Z, the tests' "now" unless they move it. */
export const TEST_NOW_MS = Date.UTC(2024, 2, 1);

/** Opens a store on `dialect` and builds a hub over it (ingest not auto-started unless asked). */
export async function openTestHub(
  dialect: HubDialect,
  options: Partial<Pick<HubOptions, 'messaging' | 'ingest' | 'logger' | 'signatures'>> = {},
): Promise<TestHub> {
  const store = await openTestStore(dialect);
  const clock = { now: TEST_NOW_MS };
  const adminToken = generateHubToken();
  const app = await buildHub({
    store: store.store,
    adminToken,
    clock: () => clock.now,
    messaging: { pullWaitMs: 200, ...options.messaging },
    ingest: options.ingest ?? { autoStart: false },
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signatures ? { signatures: options.signatures } : {}),
  });
  const token = (role: HubRole, site?: string): Promise<string> =>
    addTestToken(store.store, generateHubToken(), role, site ?? null);
  return {
    app,
    store,
    adminToken,
    clock,
    token,
    dispose: async () => {
      await app.close();
      await store.dispose();
    },
  };
}

/** Sends `method url` to the hub with `token` as x-api-key and `body`, when given, as JSON. */
export function injectWithToken(
  h: TestHub,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  token: string,
  body?: unknown,
) {
  return h.app.inject({
    method,
    url,
    headers: { 'x-api-key': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}
