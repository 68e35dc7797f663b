// The hub's information system filled by real discovery: each testbed site is discovered and its
// GLUE document published to the hub with a publisher token of its own.
import { expect } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { runDiscovery } from '../../src/site/jobs/index.js';
import { loadSiteConfig } from '../../src/site/site-config.js';
import type { HubStore } from '../../src/hub/index.js';
import { writeTestbedSiteYaml, type TestbedSiteName } from './testbed.js';
import { addTestToken } from './test-stores.js';

/** The testbed sites and the GOCDB names they publish under. */
const GOCDB_NAMES = { 'site-a': 'TESTBED-SITE-A', 'site-b': 'TESTBED-SITE-B' } as const;

/** Discovers both testbed sites and publishes them to the hub at `hubBase` (site files go in `dir`). */
export async function publishTestbedDiscovery(
  store: HubStore,
  hubBase: string,
  dir: string,
  label: string,
): Promise<void> {
  for (const [name, site] of Object.entries(GOCDB_NAMES) as [TestbedSiteName, string][]) {
    const publisher = await addTestToken(store, `${label}-${name}`, 'publisher', site);
    const { file } = writeTestbedSiteYaml(dir, () => ({}), name, `${name}.yaml`);
    const outcome = await runDiscovery(
      {
        config: loadSiteConfig(file),
        logger: silentLogger,
        signal: new AbortController().signal,
        clock: Date.now,
      },
      { gocdbId: `${name}-id`, gocdbUrl: false, publish: { url: hubBase, tokenFor: () => publisher } },
    );
    expect(outcome.publishError, name).toBeUndefined();
  }
}
