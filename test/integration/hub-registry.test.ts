// The registry on SQLite and PostgreSQL: REST changes with their checks, GOCDB's PI read back, imports.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGocdbXml } from '../../src/formats/gocdb/index.js';
import { TEST_DIALECTS } from '../helpers/test-stores.js';
import { injectWithToken, openTestHub, TEST_NOW_MS, type TestHub } from '../helpers/test-hub.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/gocdb');
const fixture = (name: string) => parseGocdbXml(readFileSync(path.join(FIXTURES, name), 'utf8'), name);
const plain = new XMLParser({
  ignoreAttributes: false,
  isArray: (name) => ['SERVICE_ENDPOINT', 'DOWNTIME', 'SITE', 'link'].includes(name),
});
const NOW_S = TEST_NOW_MS / 1000;

describe.each(TEST_DIALECTS)('the registry on %s', (dialect) => {
  let h: TestHub;
  let admin: (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
  ) => ReturnType<typeof injectWithToken>;
  beforeAll(async () => {
    h = await openTestHub(dialect, { ingest: false });
    admin = (method, url, body) => injectWithToken(h, method, url, h.adminToken, body);
  });
  afterAll(async () => h.dispose());

  it('registers a site and its endpoints, refusing unknown service types and bad URLs by field', async () => {
    const put = await admin('PUT', '/v1/registry/sites/SITE-A', {
      country: 'Spain',
      countryCode: 'ES',
      roc: 'NGI_IBERGRID',
    });
    expect(put.statusCode).toBe(201);
    const key = put.json().primaryKey as string;
    expect(key).toMatch(/^\d+FS$/);
    const again = await admin('PUT', '/v1/registry/sites/SITE-A', {
      country: 'Spain',
      roc: 'NGI_IBERGRID',
      officialName: 'Site A',
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ primaryKey: key, officialName: 'Site A' });
    const nova = await admin('POST', '/v1/registry/sites/SITE-A/endpoints', {
      serviceType: 'org.openstack.nova',
      hostname: 'keystone.site-a.example',
      url: 'https://keystone.site-a.example:5000/v3',
    });
    expect(nova.statusCode).toBe(201);
    const unknown = await admin('POST', '/v1/registry/sites/SITE-A/endpoints', {
      serviceType: 'org.example.nothing',
      hostname: 'x',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({
      code: 'REGISTRY_INVALID',
      message: expect.stringContaining('serviceType org.example.nothing is not a known service type'),
    });
    const noSite = await admin('POST', '/v1/registry/sites/NOWHERE/endpoints', {
      serviceType: 'org.openstack.nova',
      hostname: 'x',
    });
    expect(noSite.statusCode).toBe(404);
    const listed = await admin('GET', '/v1/registry/endpoints?site=SITE-A');
    expect(listed.json().endpoints).toEqual([
      expect.objectContaining({ primaryKey: nova.json().primaryKey, isMonitored: true }),
    ]);
  });

  it('lets a site token declare its own downtimes only, and refuses one ending before it starts', async () => {
    const siteToken = await h.token('publisher', 'SITE-A');
    const otherToken = await h.token('publisher', 'SITE-B');
    const body = {
      severity: 'OUTAGE',
      description: 'upgrade',
      start: new Date(TEST_NOW_MS + 3_600_000).toISOString(),
      end: new Date(TEST_NOW_MS + 7_200_000).toISOString(),
    };
    const own = await injectWithToken(h, 'POST', '/v1/registry/sites/SITE-A/downtimes', siteToken, body);
    expect(own.statusCode).toBe(201);
    expect(own.json()).toMatchObject({
      classification: 'SCHEDULED',
      start: NOW_S + 3600,
      end: NOW_S + 7200,
      services: [expect.objectContaining({ hostname: 'keystone.site-a.example' })],
    });
    const other = await injectWithToken(h, 'POST', '/v1/registry/sites/SITE-A/downtimes', otherToken, body);
    expect(other.statusCode).toBe(403);
    const backwards = await injectWithToken(h, 'POST', '/v1/registry/sites/SITE-A/downtimes', siteToken, {
      ...body,
      end: body.start,
      start: body.end,
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.message).toContain('a downtime cannot end before it starts');
    const ongoing = await admin('GET', '/v1/registry/downtimes?ongoing=true');
    expect(ongoing.json().downtimes).toEqual([]);
    const window = await admin(
      'GET',
      `/v1/registry/downtimes?site=SITE-A&from=${encodeURIComponent(new Date(TEST_NOW_MS).toISOString())}`,
    );
    expect(window.json().downtimes).toHaveLength(1);
  });

  it('answers GOCDB PI methods in GOCDB’s XML, public and paged with meta links', async () => {
    for (let i = 0; i < 120; i++) {
      const r = await admin('POST', '/v1/registry/sites/SITE-A/endpoints', {
        serviceType: 'org.openstack.swift',
        hostname: `swift${i}.site-a.example`,
      });
      expect(r.statusCode).toBe(201);
    }
    const first = await h.app.inject({
      method: 'GET',
      url: '/gocdbpi/public/?method=get_service_endpoint&service_type=org.openstack.swift&next_cursor=0',
    });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toContain('application/xml');
    const page1 = plain.parse(first.body).results;
    expect(page1.SERVICE_ENDPOINT).toHaveLength(100);
    expect(page1.meta.count).toBe(100);
    expect(page1.meta.max_page_size).toBe(100);
    const next = page1.meta.link.find((l: Record<string, string>) => l['@_rel'] === 'next')[
      '@_href'
    ] as string;
    const page2 = plain.parse((await h.app.inject({ method: 'GET', url: next })).body).results;
    expect(page2.SERVICE_ENDPOINT).toHaveLength(20);
    expect(page2.meta.link.some((l: Record<string, string>) => l['@_rel'] === 'next')).toBe(false);
    const keys = [...page1.SERVICE_ENDPOINT, ...page2.SERVICE_ENDPOINT].map(
      (e: Record<string, string>) => e.PRIMARY_KEY,
    );
    expect(new Set(keys).size).toBe(120);

    const nova = plain.parse(
      (
        await h.app.inject({
          method: 'GET',
          url: '/gocdbpi/public?method=get_service&service_type=org.openstack.nova&monitored=Y',
        })
      ).body,
    ).results;
    expect(nova.SERVICE_ENDPOINT).toEqual([
      expect.objectContaining({
        SITENAME: 'SITE-A',
        URL: 'https://keystone.site-a.example:5000/v3',
        COUNTRY_NAME: 'Spain',
        ROC_NAME: 'NGI_IBERGRID',
        IN_PRODUCTION: 'Y',
      }),
    ]);
    const sites = plain.parse(
      (
        await h.app.inject({
          method: 'GET',
          url: '/gocdbpi/public/?method=get_site_list&certification_status=Certified',
        })
      ).body,
    ).results;
    expect(sites.SITE).toEqual([expect.objectContaining({ '@_NAME': 'SITE-A', '@_COUNTRY': 'Spain' })]);
    const downtimes = plain.parse(
      (
        await h.app.inject({
          method: 'GET',
          url: '/gocdbpi/public/?method=get_downtime&topentity=SITE-A&startdate=2024-03-01',
        })
      ).body,
    ).results;
    expect(downtimes.DOWNTIME).toEqual([
      expect.objectContaining({ '@_CLASSIFICATION': 'SCHEDULED', SEVERITY: 'OUTAGE', HOSTED_BY: 'SITE-A' }),
    ]);
    const nested = plain.parse(
      (
        await h.app.inject({
          method: 'GET',
          url: '/gocdbpi/public/?method=get_downtime_nested_services&topentity=keystone.site-a.example',
        })
      ).body,
    ).results;
    expect(nested.DOWNTIME[0].SERVICES.SERVICE).toMatchObject({ HOSTNAME: 'keystone.site-a.example' });
    const types = await h.app.inject({ method: 'GET', url: '/gocdbpi/public/?method=get_service_types' });
    expect(types.body).toContain('<SERVICE_TYPE_NAME>eu.egi.cloud.accounting</SERVICE_TYPE_NAME>');
    const bad = await h.app.inject({ method: 'GET', url: '/gocdbpi/public/?method=get_user' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('get_user is not one this registry answers');
  });

  it('imports a GOCDB export idempotently, skipping unknown service types, and reads its own PI output back the same', async () => {
    const reg = h.app.hub.registry;
    const docs = [fixture('get_site.xml'), fixture('get_service_endpoint.xml'), fixture('get_downtime.xml')];
    const first = [];
    for (const d of docs) first.push(await reg.importDocument(d));
    expect(first.map((r) => [r.sites, r.endpoints, r.downtimes])).toEqual([
      [2, 0, 0],
      [0, 3, 0],
      [0, 0, 2],
    ]);
    expect(first[1]!.skipped).toEqual(['endpoint 7515G0 (ce.example.org): unknown service type APEL']);
    const before = {
      sites: await reg.sites(),
      endpoints: await reg.endpoints(),
      downtimes: await reg.downtimes(),
    };
    for (const d of docs) await reg.importDocument(d);
    expect({
      sites: await reg.sites(),
      endpoints: await reg.endpoints(),
      downtimes: await reg.downtimes(),
    }).toEqual(before);
    const downtime = (await reg.downtimes({ siteName: 'EXAMPLE-CLOUD' }))[0]!;
    expect(downtime.services.map((s) => s.primaryKey)).toEqual(['7513G0', '7514G0']);

    // the PI output, imported into a second hub, gives the same records
    const other = await openTestHub(dialect, { ingest: false });
    try {
      for (const method of ['get_site', 'get_service_endpoint', 'get_downtime_nested_services']) {
        const xml = (
          await h.app.inject({
            method: 'GET',
            url: `/gocdbpi/public/?method=${method}&sitename=EXAMPLE-CLOUD&topentity=EXAMPLE-CLOUD`,
          })
        ).body;
        await other.app.hub.registry.importDocument(parseGocdbXml(xml, method));
      }
      const [site] = await other.app.hub.registry.sites({ shortName: 'EXAMPLE-CLOUD' });
      const {
        contactEmail: _e,
        contactTel: _t,
        csirtEmail: _c,
        ...publicFields
      } = (await reg.sites({ shortName: 'EXAMPLE-CLOUD' }))[0]!;
      expect(site).toEqual(publicFields);
      expect(await other.app.hub.registry.endpoints({ siteName: 'EXAMPLE-CLOUD' })).toEqual(
        await reg.endpoints({ siteName: 'EXAMPLE-CLOUD' }),
      );
      expect(await other.app.hub.registry.downtimes({ siteName: 'EXAMPLE-CLOUD' })).toEqual(
        await reg.downtimes({ siteName: 'EXAMPLE-CLOUD' }),
      );
    } finally {
      await other.dispose();
    }
  });

  it('shows a site with its endpoints, downtimes and discovery and accounting freshness', async () => {
    const r = await admin('GET', '/v1/registry/sites/EXAMPLE-CLOUD');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      site: { shortName: 'EXAMPLE-CLOUD' },
      endpoints: [
        expect.objectContaining({ primaryKey: '7513G0' }),
        expect.objectContaining({ primaryKey: '7514G0' }),
      ],
      freshness: { discovery: { publishedAt: null }, accounting: { lastReceivedAt: null } },
    });
    expect((await admin('DELETE', '/v1/registry/sites/OTHER-CLOUD')).statusCode).toBe(204);
    expect((await admin('GET', '/v1/registry/sites/OTHER-CLOUD')).statusCode).toBe(404);
  });
});
