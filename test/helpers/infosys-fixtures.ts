// Shared setup of the information-system tests: documents for named sites, a hub with tokens, a clock.
import Fastify, { type FastifyInstance } from 'fastify';
import { buildGlueDocument, type GlueDocument, type SiteSnapshot } from '../../src/formats/glue/index.js';
import { HubAuth } from '../../src/hub/auth/hub-auth.js';
import { infosysPlugin } from '../../src/hub/http/infosys.js';
import { InfosysService } from '../../src/hub/infosys/index.js';
import type { HubDialect } from '../../src/hub/store/hub-store.js';
import { sampleSnapshot } from './glue-fixtures.js';
import { addTestToken, openTestStore, type TestStore } from './test-stores.js';

/** Start of every test clock: 2026-03-01T00:00:00Z. */
export const T0 = Date.parse('2026-03-01T00:00:00Z');

/** The sample snapshot renamed as `site` with its endpoint on `host`. */
export function snapshotFor(site: string, host = `${site.toLowerCase()}.example.org`): SiteSnapshot {
  return {
    ...sampleSnapshot(),
    siteName: site,
    gocdbId: `${site}-G0`,
    endpointUrl: `https://${host}:5000/v3`,
  };
}

/** A GLUE document of `site`, created at `createdMs`, valid for `validitySeconds`. */
export function documentFor(site: string, createdMs = T0, validitySeconds = 3600): GlueDocument {
  return buildGlueDocument(snapshotFor(site), { now: new Date(createdMs), validitySeconds });
}

/** A test clock that tests move by hand. */
export interface TestClock {
  now: number;
}

/** A store, an information system on it, tokens, and a fastify app with the plugin. */
export interface InfosysHarness {
  readonly store: TestStore;
  readonly clock: TestClock;
  readonly infosys: InfosysService;
  readonly app: FastifyInstance;
  readonly auth: HubAuth;
  /** Publisher tokens by site name, plus `admin` and `consumer`. */
  readonly tokens: Readonly<Record<string, string>>;
  readonly dispose: () => Promise<void>;
}

/** Opens a fresh harness on `dialect` with publisher tokens for `sites`. */
export async function openInfosysHarness(
  dialect: HubDialect,
  sites: readonly string[],
): Promise<InfosysHarness> {
  const store = await openTestStore(dialect);
  const clock: TestClock = { now: T0 };
  const tokens: Record<string, string> = { admin: 'admin-token-for-tests' };
  for (const [i, site] of sites.entries())
    tokens[site] = await addTestToken(store.store, `publisher-token-${i}`, 'publisher', site);
  tokens.consumer = await addTestToken(store.store, 'consumer-token', 'consumer');
  const auth = new HubAuth(store.store, tokens.admin);
  const infosys = await InfosysService.open(store.store, { now: () => clock.now });
  const app = Fastify();
  await app.register(infosysPlugin, { infosys, auth });
  await app.ready();
  return {
    store,
    clock,
    infosys,
    app,
    auth,
    tokens,
    dispose: async () => {
      await app.close();
      await store.dispose();
    },
  };
}
