import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findGocdbService,
  normalizeEndpointForGocdb,
  parseGocdbServices,
} from '../../../../src/site/discovery/index.js';

const XML = readFileSync(
  path.resolve(import.meta.dirname, '../../../fixtures/discovery/gocdb-get-service.xml'),
  'utf8',
);

describe('parseGocdbServices', () => {
  it('reads primary key, site and every URL of each service', () => {
    const services = parseGocdbServices(XML);
    expect(services).toHaveLength(4);
    expect(services[1]).toEqual({
      primaryKey: '1002G0',
      siteName: 'OTHER-SITE',
      urls: ['https://cloud.other.example/identity', 'https://cloud.other.example:443/identity/v3'],
    });
  });
});

describe('findGocdbService', () => {
  const services = parseGocdbServices(XML);

  it('matches an endpoint written without the trailing slash GOCDB has', () => {
    expect(findGocdbService(services, 'https://keystone.example.org:5000/v3')?.primaryKey).toBe('1001G0');
  });

  it('matches through the default port, host case and a missing /v3', () => {
    expect(findGocdbService(services, 'https://CLOUD.other.example/identity/v3/')?.primaryKey).toBe('1002G0');
    expect(findGocdbService(services, 'https://keystone.example.org:5000')?.primaryKey).toBe('1001G0');
  });

  it('prefers the service of the named site when several share the URL', () => {
    expect(
      findGocdbService(services, 'https://shared.example.net:5000/v3', 'SHARED-HOST-A')?.primaryKey,
    ).toBe('1004G0');
  });

  it('finds nothing for another port or host', () => {
    expect(findGocdbService(services, 'https://keystone.example.org:5001/v3')).toBeUndefined();
    expect(findGocdbService(services, 'not a url')).toBeUndefined();
  });

  it('normalizes http URLs with port 80', () => {
    expect(normalizeEndpointForGocdb('http://h/v3/')).toBe('h:80');
  });
});
