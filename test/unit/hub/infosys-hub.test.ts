import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub, type HubApp } from '../../../src/hub/app.js';
import { openTestStore, type TestStore } from '../../helpers/test-stores.js';
import { documentFor, T0 } from '../../helpers/infosys-fixtures.js';

describe('the information system inside the hub', () => {
  let store: TestStore;
  let app: HubApp;
  beforeAll(async () => {
    store = await openTestStore('sqlite');
    app = await buildHub({
      store: store.store,
      adminToken: 'hub-admin-token',
      clock: () => T0,
      ingest: false,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await store.dispose();
  });

  it('takes a document from an admin token and serves it at the cloud-info-api paths', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/site/SITE-A/glue',
      headers: { 'x-api-key': 'hub-admin-token' },
      payload: JSON.stringify(documentFor('SITE-A')),
    });
    expect(put.statusCode).toBe(200);
    const sites = await app.inject({ method: 'GET', url: '/sites/?include_projects=true' });
    expect(sites.json()).toEqual([
      expect.objectContaining({ id: 'SITE-A-G0', name: 'SITE-A', state: 'warning' }),
    ]);
  });
});
