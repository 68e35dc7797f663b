import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import { thrownBy } from '../../../helpers/expect-rejection.js';
import {
  downtimesXml,
  parseGocdbXml,
  seedFromSiteYaml,
  serviceEndpointsXml,
  siteListXml,
  siteXml,
} from '../../../../src/formats/gocdb/index.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/gocdb');
const read = (name: string) => parseGocdbXml(readFileSync(path.join(FIXTURES, name), 'utf8'), name);

const errorOf = (run: () => unknown) => thrownBy(run, FormatError);

describe('GOCDB PI XML', () => {
  it('reads get_site with its statuses, contacts and extensions', () => {
    const { sites } = read('get_site.xml');
    expect(sites).toHaveLength(2);
    expect(sites[0]).toMatchObject({
      primaryKey: '1453G0',
      shortName: 'EXAMPLE-CLOUD',
      officialName: 'Example Research Cloud',
      country: 'Spain',
      countryCode: 'ES',
      roc: 'NGI_IBERGRID',
      certificationStatus: 'Certified',
      productionStatus: 'Production',
      contactEmail: 'cloud-admins@example.org',
      timezone: 'Europe/Madrid',
      extensions: { cloud_type: 'openstack' },
    });
    expect(sites[1]).toMatchObject({ certificationStatus: 'Candidate', productionStatus: 'Test' });
  });

  it('reads get_service_endpoint with the Y/N flags, host DN and URL', () => {
    const { endpoints } = read('get_service_endpoint.xml');
    expect(endpoints.map((e) => e.primaryKey)).toEqual(['7513G0', '7514G0', '7515G0', '7600G0']);
    expect(endpoints[0]).toMatchObject({
      siteName: 'EXAMPLE-CLOUD',
      serviceType: 'org.openstack.nova',
      hostname: 'keystone.example.org',
      url: 'https://keystone.example.org:5000/v3',
      hostDn: '/DC=org/DC=example/CN=keystone.example.org',
      isMonitored: true,
      isInProduction: true,
      extensions: { region: 'RegionOne' },
    });
    expect(endpoints[1]).toMatchObject({ isMonitored: false });
    expect(endpoints[1]).not.toHaveProperty('url');
    expect(endpoints[3]).toMatchObject({ isInProduction: false });
  });

  it('merges the flat get_downtime form (one element per service) into one downtime per key', () => {
    const { downtimes } = read('get_downtime.xml');
    expect(downtimes).toHaveLength(2);
    expect(downtimes[0]).toMatchObject({
      primaryKey: '33001G0',
      classification: 'SCHEDULED',
      severity: 'OUTAGE',
      start: 1709280000,
      end: 1709294400,
    });
    expect(downtimes[0]!.services.map((s) => s.hostname)).toEqual([
      'keystone.example.org',
      'accounting.example.org',
    ]);
    expect(downtimes[1]).toMatchObject({ classification: 'UNSCHEDULED', severity: 'WARNING' });
  });

  it('writes GOCDB element names a plain XML parser finds, and reads its own output back unchanged', () => {
    const { sites } = read('get_site.xml');
    const { endpoints } = read('get_service_endpoint.xml');
    const { downtimes } = read('get_downtime.xml');
    const siteOf = (name: string) => sites.find((s) => s.shortName === name);
    const plain = new XMLParser({ ignoreAttributes: false });
    const xml = serviceEndpointsXml(endpoints, siteOf);
    const raw = plain.parse(xml) as { results: { SERVICE_ENDPOINT: Record<string, unknown>[] } };
    expect(Object.keys(raw.results.SERVICE_ENDPOINT[0]!)).toEqual(
      expect.arrayContaining([
        'PRIMARY_KEY',
        'HOSTNAME',
        'HOSTDN',
        'SERVICE_TYPE',
        'IN_PRODUCTION',
        'NODE_MONITORED',
        'SITENAME',
        'COUNTRY_NAME',
        'ROC_NAME',
        'URL',
        'ENDPOINTS',
        'EXTENSIONS',
        '@_PRIMARY_KEY',
      ]),
    );
    expect(raw.results.SERVICE_ENDPOINT[0]!.ROC_NAME).toBe('NGI_IBERGRID');
    expect(parseGocdbXml(xml, 'out').endpoints).toEqual(endpoints);
    expect(parseGocdbXml(siteXml(sites, { withContacts: true }), 'out').sites).toEqual(sites);
    const listed = parseGocdbXml(siteListXml(sites), 'out').sites;
    expect(listed.map((s) => [s.primaryKey, s.shortName, s.country])).toEqual(
      sites.map((s) => [s.primaryKey, s.shortName, s.country]),
    );
    for (const nested of [false, true]) {
      const back = parseGocdbXml(downtimesXml(downtimes, nested), 'out').downtimes;
      expect(back.map((d) => ({ ...d, services: d.services.map((s) => s.hostname) }))).toEqual(
        downtimes.map((d) => ({ ...d, services: d.services.map((s) => s.hostname) })),
      );
    }
    const flat = plain.parse(downtimesXml(downtimes, false)) as {
      results: { DOWNTIME: Record<string, unknown>[] };
    };
    expect(flat.results.DOWNTIME).toHaveLength(3);
    expect(flat.results.DOWNTIME[0]).toMatchObject({
      '@_CLASSIFICATION': 'SCHEDULED',
      SEVERITY: 'OUTAGE',
      FORMATED_START_DATE: '2024-03-01 08:00',
      HOSTED_BY: 'EXAMPLE-CLOUD',
    });
  });

  it('names the source, record and field of bad input', () => {
    expect(errorOf(() => parseGocdbXml('<results><SITE', 'bad.xml')).message).toMatch(
      /^bad\.xml: expected well-formed XML/,
    );
    expect(errorOf(() => parseGocdbXml('<other/>', 'x.xml')).message).toContain(
      'x.xml: expected a <results> root element',
    );
    const flag = errorOf(() =>
      parseGocdbXml(
        '<results><SERVICE_ENDPOINT><PRIMARY_KEY>1G0</PRIMARY_KEY><HOSTNAME>h</HOSTNAME><SERVICE_TYPE>t</SERVICE_TYPE><SITENAME>S</SITENAME><IN_PRODUCTION>maybe</IN_PRODUCTION></SERVICE_ENDPOINT></results>',
        'e.xml',
      ),
    );
    expect(flag.message).toBe(
      'e.xml SERVICE_ENDPOINT, record 0, field IN_PRODUCTION: expected Y or N (found maybe)',
    );
    const backwards = errorOf(() =>
      parseGocdbXml(
        '<results><DOWNTIME PRIMARY_KEY="9G0"><HOSTNAME>h</HOSTNAME><SERVICE_TYPE>t</SERVICE_TYPE><HOSTED_BY>S</HOSTED_BY><START_DATE>200</START_DATE><END_DATE>100</END_DATE></DOWNTIME></results>',
        'd.xml',
      ),
    );
    expect(backwards.message).toContain(
      'd.xml DOWNTIME, record 0, field END_DATE: expected an end after the start (200)',
    );
  });

  it('seeds a site and its nova endpoint from a catch-all site file, and names a missing field', () => {
    const doc = seedFromSiteYaml(
      'gocdb: IFCA-LCG2\nendpoint: https://api.cloud.ifca.es:5000/v3/\n',
      'IFCA-LCG2.yaml',
    );
    expect(doc.sites[0]).toMatchObject({ shortName: 'IFCA-LCG2' });
    expect(doc.endpoints[0]).toMatchObject({
      serviceType: 'org.openstack.nova',
      hostname: 'api.cloud.ifca.es',
      url: 'https://api.cloud.ifca.es:5000/v3/',
    });
    expect(errorOf(() => seedFromSiteYaml('gocdb: X\n', 'x.yaml')).message).toContain(
      'x.yaml, field endpoint: expected the Keystone URL',
    );
  });
});
