// The AMS publish/pull properties against PostgreSQL: refused publishes store nothing, valid ones arrive once, in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUZZ_RUNS } from '../helpers/fuzz.js';
import { openTestHub } from '../helpers/test-hub.js';
import type { TestHub } from '../helpers/test-hub.js';
import { checkPublishBodies, checkPublishPullOrder, prepareFuzzTopic } from '../helpers/ams-properties.js';
import type { AmsTarget } from '../helpers/ams-properties.js';

// each run is a few PostgreSQL round trips: a quarter of the unit suite's runs keeps this near 10 s
const RUNS = Math.max(1, Math.ceil(FUZZ_RUNS / 4));

describe('AMS publish and pull under generated input on PostgreSQL', () => {
  let h: TestHub;
  let target: AmsTarget;

  beforeAll(async () => {
    h = await openTestHub('postgres', { ingest: false, messaging: { pullWaitMs: 20 } });
    target = {
      app: h.app,
      adminToken: h.adminToken,
      consumerToken: await h.token('consumer'),
      publisherToken: await h.token('publisher', 'SITE-A'),
    };
    await prepareFuzzTopic(target);
  });
  afterAll(async () => h.dispose());

  it('answers any publish body without a 5xx, in AMS shape, storing nothing when it refuses', async () => {
    await checkPublishBodies(target, RUNS);
  });

  it('delivers validly published messages exactly once and in order', async () => {
    await checkPublishPullOrder(target, RUNS);
    expect(RUNS).toBeGreaterThan(0);
  });
});
