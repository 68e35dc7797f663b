import { afterEach, describe, expect, it } from 'vitest';
import type { HubCaller } from '../../src/hub/auth/hub-token.js';
import { InfosysService } from '../../src/hub/infosys/index.js';
import { TEST_DIALECTS } from '../helpers/test-stores.js';
import { documentFor, openInfosysHarness, T0, type InfosysHarness } from '../helpers/infosys-fixtures.js';

const PUBLISHER_A: HubCaller = { role: 'publisher', site: 'SITE-A', tokenId: 1 };
const ADMIN: HubCaller = { role: 'admin', site: null, tokenId: null };

describe.each(TEST_DIALECTS)('InfosysService on %s', (dialect) => {
  let h: InfosysHarness | undefined;
  afterEach(async () => {
    await h?.dispose();
    h = undefined;
  });

  it('stores a published document and serves it again after a restart', async () => {
    h = await openInfosysHarness(dialect, ['SITE-A']);
    const outcome = await h.infosys.publish('SITE-A', JSON.stringify(documentFor('SITE-A')), PUBLISHER_A);
    expect(outcome).toEqual({
      site: 'SITE-A',
      shares: 3,
      expiresAt: '2026-03-01T01:00:00.000Z',
      state: 'warning',
    });
    const reopened = await InfosysService.open(h.store.store, { now: () => T0 });
    expect(reopened.current().sites({ includeProjects: false })).toEqual([
      {
        id: 'SITE-A-G0',
        name: 'SITE-A',
        url: 'https://site-a.example.org:5000/v3',
        state: 'warning',
        hostname: 'site-a.example.org',
      },
    ]);
  });

  it('replaces the previous document of the site', async () => {
    h = await openInfosysHarness(dialect, ['SITE-A']);
    await h.infosys.publish('SITE-A', documentFor('SITE-A'), PUBLISHER_A);
    const newer = documentFor('SITE-A', T0 + 60_000);
    newer.Share = newer.Share.slice(0, 1);
    newer.MappingPolicy = newer.MappingPolicy.slice(0, 1);
    newer.CloudComputingImage.forEach((i) => (i.Associations!.Share = i.Associations!.Share!.slice(0, 1)));
    newer.CloudComputingInstanceType.forEach(
      (t) => (t.Associations!.Share = t.Associations!.Share!.slice(0, 1)),
    );
    await h.infosys.publish('SITE-A', newer, PUBLISHER_A);
    expect(
      h.infosys
        .current()
        .projects('SITE-A')
        .map((p) => p.name),
    ).toEqual(['vo.access.egi.eu']);
  });

  it('refuses a publisher token bound to another site and changes nothing', async () => {
    h = await openInfosysHarness(dialect, ['SITE-A', 'SITE-B']);
    const other: HubCaller = { role: 'publisher', site: 'SITE-B', tokenId: 2 };
    await expect(h.infosys.publish('SITE-A', documentFor('SITE-A'), other)).rejects.toMatchObject({
      code: 'HUB_FORBIDDEN',
      message: 'this token publishes for site SITE-B, not for SITE-A',
    });
    expect(h.infosys.current().sites({ includeProjects: false })).toEqual([]);
  });

  it('refuses a consumer token', async () => {
    h = await openInfosysHarness(dialect, []);
    const consumer: HubCaller = { role: 'consumer', site: null, tokenId: 3 };
    await expect(h.infosys.publish('SITE-A', documentFor('SITE-A'), consumer)).rejects.toMatchObject({
      code: 'HUB_FORBIDDEN',
    });
  });

  it('refuses a document that describes another site than the one published for', async () => {
    h = await openInfosysHarness(dialect, ['SITE-A']);
    await expect(h.infosys.publish('SITE-A', documentFor('SITE-B'), PUBLISHER_A)).rejects.toMatchObject({
      code: 'HUB_REQUEST_INVALID',
      message: 'the document describes site SITE-B, not SITE-A',
    });
  });

  it('refuses an invalid document and names the JSON path', async () => {
    h = await openInfosysHarness(dialect, ['SITE-A']);
    const doc = documentFor('SITE-A') as unknown as { Share: Record<string, unknown>[] };
    delete doc.Share[0]!.ProjectID;
    await expect(h.infosys.publish('SITE-A', doc, PUBLISHER_A)).rejects.toMatchObject({
      code: 'GLUE_INVALID',
      field: '$.Share[0].ProjectID',
    });
  });

  it('marks a site expired once CreationTime + Validity has passed and drops it from images and flavors', async () => {
    h = await openInfosysHarness(dialect, ['SITE-A']);
    await h.infosys.publish('SITE-A', documentFor('SITE-A'), PUBLISHER_A);
    expect(h.infosys.current().flavors({}).length).toBeGreaterThan(0);
    h.clock.now = T0 + 3600_000;
    const index = h.infosys.current();
    expect(index.sites({ includeProjects: false })[0]!.state).toBe('expired');
    expect(index.flavors({})).toEqual([]);
    expect(index.images(undefined, false)).toEqual([]);
    expect(index.vos()).toEqual([]);
  });

  it('keeps the document but reports the site failed after a failed run report', async () => {
    h = await openInfosysHarness(dialect, ['SITE-A']);
    await h.infosys.publish('SITE-A', documentFor('SITE-A'), PUBLISHER_A);
    await h.infosys.report('SITE-A', { state: 'failed', error: 'Keystone unreachable' }, PUBLISHER_A);
    const [health] = h.infosys.current().health();
    expect(health).toMatchObject({
      site: 'SITE-A',
      state: 'failed',
      expired: false,
      last_run: { state: 'failed', error: 'Keystone unreachable', at: '2026-03-01T00:00:00.000Z' },
    });
    expect(health!.shares.map((s) => s.state)).toEqual(['ok', 'warning', 'critical']);
    expect(h.infosys.current().sites({ includeProjects: false })).toHaveLength(1);
  });

  it('lists a site that only ever reported failures in the health list but not among sites', async () => {
    h = await openInfosysHarness(dialect, ['SITE-A']);
    await h.infosys.report('SITE-A', { state: 'failed', error: 'no share worked' }, PUBLISHER_A);
    const reopened = await InfosysService.open(h.store.store, { now: () => T0 });
    expect(reopened.current().health()).toEqual([
      expect.objectContaining({
        site: 'SITE-A',
        state: 'failed',
        last_run: expect.objectContaining({ error: 'no share worked' }),
      }),
    ]);
    expect(reopened.current().sites({ includeProjects: false })).toEqual([]);
  });

  it('lets only an admin remove a site', async () => {
    h = await openInfosysHarness(dialect, ['SITE-A']);
    await h.infosys.publish('SITE-A', documentFor('SITE-A'), PUBLISHER_A);
    await expect(h.infosys.remove('SITE-A', PUBLISHER_A)).rejects.toMatchObject({ code: 'HUB_FORBIDDEN' });
    await h.infosys.remove('SITE-A', ADMIN);
    expect(h.infosys.current().health()).toEqual([]);
    await expect(h.infosys.remove('SITE-A', ADMIN)).rejects.toMatchObject({ code: 'HUB_NOT_FOUND' });
  });
});
