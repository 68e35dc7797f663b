// End to end: the site agent extracts accounting on the testbed, sends it to the hub's AMS endpoint, the hub loads it.
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApelMessage, type CloudRecord } from '../../src/formats/apel/index.js';
import { buildHub, type HubApp } from '../../src/hub/app.js';
import { generateHubToken, hashHubToken } from '../../src/hub/auth/hub-token.js';
import { insertToken } from '../../src/hub/store/token-queries.js';
import {
  collectAll,
  createServer,
  deleteServer,
  listFlavors,
  paginateImages,
  waitForServer,
  type OpenStackSession,
} from '../../src/openstack/index.js';
import { accountingConfig, outboxMessages } from '../helpers/accounting.js';
import { runCli } from '../helpers/cli.js';
import { adminInProject } from '../helpers/sessions.js';
import { TEST_DIALECTS, openTestStore, type TestStore } from '../helpers/test-stores.js';
import { deleteAll } from '../helpers/cleanup.js';

const SITE = 'TESTBED-SITE-A';

describe('site agent to hub on the testbed', () => {
  const created: { s: OpenStackSession; id: string }[] = [];
  let t0: number;

  beforeAll(async () => {
    t0 = Math.floor(Date.now() / 1000) - 2;
    const vo = await adminInProject('site-a', 'vo');
    const fed = await adminInProject('site-a', 'fedcloud');
    const flavors = new Map((await listFlavors(vo)).map((f) => [f.name, f.id!]));
    const imageId = (await collectAll(paginateImages(vo, { name: 'Local Ubuntu 22.04' })))[0]!.id;
    for (const [s, name, flavor] of [
      [vo, 'hub-vo-1', 'm1.small'],
      [vo, 'hub-vo-2', 'm1.large'],
      [fed, 'hub-fed-1', 'm1.small'],
    ] as const) {
      created.push({
        s,
        id: await createServer(s, { name, flavorId: flavors.get(flavor)!, imageId, networks: 'none' }),
      });
    }
    await Promise.all(created.map(({ s, id }) => waitForServer(s, id, ['ACTIVE'])));
    await deleteServer(vo, created[0]!.id);
    await waitForServer(vo, created[0]!.id, ['DELETED']);
  }, 300_000);

  afterAll(async () => {
    await deleteAll(created, ({ s, id }) => deleteServer(s, id));
  });

  describe.each(TEST_DIALECTS)('with the hub on %s', (dialect) => {
    let store: TestStore;
    let app: HubApp;
    let base: string;
    const admin = generateHubToken();

    beforeAll(async () => {
      store = await openTestStore(dialect);
      app = await buildHub({ store: store.store, adminToken: admin });
      await app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await app.close();
      await store.dispose();
    });

    it('loads what the agent extracted, and the VO summaries match the VMs', async () => {
      const publisher = generateHubToken();
      await insertToken(store.store.db, {
        hash: hashHubToken(publisher),
        role: 'publisher',
        site: SITE,
        label: null,
        now: Date.now(),
      });
      const cfg = accountingConfig('site-a', {
        default_extract_from: String(t0),
        ams: { url: base, project: 'accounting', topic: 'eu-egi-cloud-accounting', token_file: 'ams-token' },
      });
      writeFileSync(path.join(cfg.dir, 'ams-token'), `${publisher}\n`);
      const extract = await runCli(['site', 'accounting', 'extract', '--config', cfg.file]);
      expect(extract.code).toBe(0);
      const cloud = outboxMessages(cfg.outbox).flatMap((m) => {
        const p = parseApelMessage(m);
        return p.kind === 'cloud' ? (p.records as CloudRecord[]) : [];
      });
      for (const { id } of created) expect(cloud.map((r) => r.vmUuid)).toContain(id);

      const send = await runCli(['site', 'accounting', 'send', '--config', cfg.file]);
      expect(send.stdout).toMatch(/^sent [1-9]\d* messages/);
      expect(send.code).toBe(0);
      expect(outboxMessages(cfg.outbox)).toEqual([]); // acknowledged elements are gone
      await app.hub.ingest!.drain();

      const month = new Date().toISOString().slice(0, 7);
      const res = await fetch(
        `${base}/v1/accounting/summaries?site=${SITE}&group_by=vo&from=${month}&to=${month}`,
        {
          headers: { 'x-api-key': admin },
        },
      );
      expect(res.status).toBe(200);
      const { summaries } = (await res.json()) as {
        summaries: { vo: string; numberOfVms: number; wallDuration: number; cpuDuration: number }[];
      };
      for (const vo of ['vo.access.egi.eu', 'fedcloud.egi.eu']) {
        const mine = cloud.filter((r) => r.fqan === vo);
        expect(summaries.find((s) => s.vo === vo)).toMatchObject({
          numberOfVms: new Set(mine.map((r) => r.vmUuid)).size,
          wallDuration: mine.reduce((n, r) => n + r.wallDuration!, 0),
          cpuDuration: mine.reduce((n, r) => n + r.cpuDuration!, 0),
        });
      }
      const rejects = await (
        await fetch(`${base}/v1/accounting/rejects`, { headers: { 'x-api-key': admin } })
      ).json();
      expect(rejects).toMatchObject({ rejects: [] });
      const sites = (await (
        await fetch(`${base}/v1/accounting/sites`, { headers: { 'x-api-key': admin } })
      ).json()) as { sites: { site: string }[] };
      expect(sites.sites.map((s) => s.site)).toContain(SITE);
    });
  });
});
