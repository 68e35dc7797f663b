import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import {
  collectAll,
  createServer,
  deleteServer,
  listFlavors,
  paginateImages,
  paginateServers,
  setComputeQuotas,
  waitForServer,
  type OpenStackSession,
} from '../../src/openstack/index.js';
import { loadSiteConfig } from '../../src/site/site-config.js';
import { extractAccounting } from '../../src/site/accounting/extract.js';
import { accountingConfig } from '../helpers/accounting.js';
import { adminInProject, adminSession, projectIdOf } from '../helpers/sessions.js';
import { deleteAll } from '../helpers/cleanup.js';

/** Runs an in-memory extraction of the fedcloud project of site-b and returns the API calls it made. */
async function countCalls(): Promise<{ calls: number; cloudRecords: number }> {
  const cfg = accountingConfig('site-b', { project_tag: '' });
  const config = loadSiteConfig(cfg.file);
  const fedcloud = await projectIdOf('site-b', 'fedcloud');
  const only = { ...config, vos: config.vos.filter((v) => v.auth.projectId === fedcloud) };
  let calls = 0;
  let cloudRecords = 0;
  const outcomes = await extractAccounting(only, {
    defaultFrom: Math.floor(Date.now() / 1000) - 3600,
    sink: { add: async (body: string) => void (cloudRecords += (body.match(/^VMUUID: /gm) ?? []).length) },
    watermarks: undefined,
    logger: silentLogger,
    clock: Date.now,
    onSession: (_id, session) => sessions.push(session), // counted after the run
  });
  expect(outcomes.every((o) => o.ok)).toBe(true);
  for (const s of sessions.splice(0)) for (const n of s.requestCounts.values()) calls += n;
  return { calls, cloudRecords };
}
const sessions: OpenStackSession[] = [];

describe('accounting API economy', () => {
  let s: OpenStackSession;
  let flavorId: string;
  let imageId: string;

  beforeAll(async () => {
    s = await adminInProject('site-b', 'fedcloud');
    await setComputeQuotas(adminSession('site-b'), await projectIdOf('site-b', 'fedcloud'), {
      instances: 100,
      cores: 200,
      ram: 1_000_000,
    });
    flavorId = (await listFlavors(s)).find((f) => f.name === 'm1.small')!.id!;
    imageId = (await collectAll(paginateImages(s, { name: 'Local Ubuntu 22.04' })))[0]!.id;
  });

  afterAll(async () => {
    const all = await collectAll(paginateServers(s, { name: '^econ-' }));
    await deleteAll(all, (v) => deleteServer(s, v.id));
  });

  it('makes as many API calls for 50 servers as for 1 (pages, not servers)', async () => {
    const first = await createServer(s, { name: 'econ-0', flavorId, imageId, networks: 'none' });
    await waitForServer(s, first, ['ACTIVE']);
    const one = await countCalls();
    expect(one.cloudRecords).toBeGreaterThanOrEqual(1);

    await createServer(s, { name: 'econ-many', flavorId, imageId, networks: 'none', count: 49 });
    // listed at once (building ones are accounted too): no need to wait for 49 fake boots
    for (let i = 0; i < 60 && (await collectAll(paginateServers(s, { name: '^econ-' }))).length < 50; i++)
      await new Promise((r) => setTimeout(r, 1000));
    const fifty = await countCalls();
    expect(fifty.cloudRecords - one.cloudRecords).toBe(49);
    expect(fifty.calls).toBe(one.calls);
  }, 600_000);
});
