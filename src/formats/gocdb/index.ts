// GOCDB's records (sites, service endpoints, downtimes) and its programmatic-interface XML.
export * from './gocdb-types.js';
export { seedFromSiteYaml } from './catchall-seed.js';
export {
  downtimesXml,
  parseGocdbXml,
  serviceEndpointsXml,
  serviceTypesXml,
  siteListXml,
  siteXml,
  type PageMeta,
} from './gocdb-xml.js';
