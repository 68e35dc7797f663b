// Site discovery: collect a SiteSnapshot from OpenStack, render GLUE 2.1, publish it to the hub.
export { createDiscoveryCommand, DISCOVERY_EXIT } from './command.js';
export { collectSiteSnapshot, type CollectSiteOptions } from './collect-site-snapshot.js';
export { collectShare, type CollectShareOptions, type CollectedShare } from './collect-share.js';
export { renderDocument, type DocumentFormat } from './render-document.js';
export { publishGlueDocument, publishRunReport, type HubTarget } from './publish-to-hub.js';
export { lookupGocdbId, DEFAULT_GOCDB_URL } from './gocdb-lookup.js';
export {
  parseGocdbServices,
  findGocdbService,
  normalizeEndpointForGocdb,
  type GocdbService,
} from './gocdb-services.js';
export { readTlsIssuer, formatDn } from './tls-issuer.js';
export {
  toSnapshotImage,
  toSnapshotFlavor,
  selectFlavors,
  readApplianceAttributes,
  type FlavorSelection,
} from './snapshot-mapping.js';
export { mapWithConcurrency } from '../../map-with-concurrency.js';
export { withDeadline } from '../../with-deadline.js';
