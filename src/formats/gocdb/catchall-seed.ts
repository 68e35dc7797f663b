// Seeds registry records from the catch-all site YAML format (one file per site: gocdb name, Keystone endpoint).
import { parse } from 'yaml';
import { FormatError } from '../../errors.js';
import type { GocdbDocument } from './gocdb-types.js';

/**
 * The site and its `org.openstack.nova` endpoint that one catch-all site file describes. The
 * endpoint's key is `<site>-nova` until GOCDB's own key replaces it by an import.
 * @throws FormatError `GOCDB_XML_INVALID` naming the file and the field (`gocdb`, `endpoint`).
 */
export function seedFromSiteYaml(text: string, file: string): GocdbDocument {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new FormatError(
      'GOCDB_XML_INVALID',
      { file },
      'a YAML document',
      (error as Error).message.split('\n')[0],
    );
  }
  const record = (doc ?? {}) as Record<string, unknown>;
  const name = record.gocdb;
  const endpoint = record.endpoint;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name))
    throw new FormatError('GOCDB_XML_INVALID', { file, field: 'gocdb' }, 'the site name', String(name));
  if (typeof endpoint !== 'string' || !URL.canParse(endpoint))
    throw new FormatError(
      'GOCDB_XML_INVALID',
      { file, field: 'endpoint' },
      'the Keystone URL',
      String(endpoint),
    );
  return {
    sites: [
      {
        primaryKey: `${name.replace(/[^A-Za-z0-9]/g, '')}S`,
        shortName: name,
        certificationStatus: 'Certified',
        productionStatus: 'Production',
        extensions: {},
      },
    ],
    endpoints: [
      {
        primaryKey: `${name.replace(/[^A-Za-z0-9]/g, '')}N`,
        siteName: name,
        serviceType: 'org.openstack.nova',
        hostname: new URL(endpoint).hostname,
        url: endpoint,
        isMonitored: true,
        isInProduction: true,
        extensions: {},
      },
    ],
    downtimes: [],
    serviceTypes: [],
  };
}
