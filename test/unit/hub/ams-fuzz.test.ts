// Property tests of the AMS routes on an in-memory SQLite hub: generated bodies, path names and query strings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub } from '../../../src/hub/app.js';
import { generateHubToken } from '../../../src/hub/auth/hub-token.js';
import type { HubRole } from '../../../src/hub/auth/hub-token.js';
import { migrateToLatest } from '../../../src/hub/store/hub-migrator.js';
import { HubStore } from '../../../src/hub/store/hub-store.js';
import {
  checkPathNames,
  checkPublishBodies,
  checkPublishPullOrder,
  checkQueryStrings,
  checkSubscriptionBodies,
  prepareFuzzTopic,
  send,
} from '../../helpers/ams-properties.js';
import type { AmsTarget } from '../../helpers/ams-properties.js';
import { addTestToken } from '../../helpers/test-stores.js';

const token = (store: HubStore, role: HubRole, site: string | null = null) =>
  addTestToken(store, generateHubToken(), role, site);

describe('AMS routes under generated input (in-memory SQLite)', () => {
  let store: HubStore;
  let target: AmsTarget;

  beforeAll(async () => {
    store = HubStore.open({ kind: 'sqlite', file: ':memory:' });
    await migrateToLatest(store);
    const adminToken = generateHubToken();
    const app = await buildHub({ store, adminToken, ingest: false, messaging: { pullWaitMs: 20 } });
    target = {
      app,
      adminToken,
      consumerToken: await token(store, 'consumer'),
      publisherToken: await token(store, 'publisher', 'SITE-A'),
    };
    await prepareFuzzTopic(target);
    const own = await send(
      target,
      'PUT',
      '/v1/projects/p/subscriptions/c',
      { topic: 'projects/p/topics/t' },
      target.consumerToken,
    );
    expect(own.status).toBe(200);
  });
  afterAll(async () => {
    await target.app.close();
    await store.close();
  });

  it('answers any publish body without a 5xx, in AMS shape, storing nothing when it refuses', async () => {
    await checkPublishBodies(target);
  });

  it('delivers validly published messages exactly once and in order, whatever the pull sizes', async () => {
    await checkPublishPullOrder(target);
  });

  it('answers any pull, acknowledge, offset, deadline or create body without a 5xx, in AMS shape', async () => {
    await checkSubscriptionBodies(target);
  });

  it('answers any project, topic or subscription name and action in AMS shape', async () => {
    await checkPathNames(target);
  });

  it('answers any query string in AMS shape', async () => {
    await checkQueryStrings(target);
  });
});
