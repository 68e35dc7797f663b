// The hub's information system: latest GLUE document per site, read index, response shapes.
export {
  InfosysService,
  assertMayPublish,
  type InfosysServiceOptions,
  type PublishOutcome,
  type RunReport,
} from './infosys-service.js';
export { InfosysIndex, isShownTime, type InfosysSiteEntry } from './infosys-index.js';
export { readInfosysDocument, LATEST_EXPIRY_MS, type InfosysDocument } from './infosys-document.js';
export type * from './infosys-responses.js';
export {
  ACCELERATOR_RESPONSE,
  FLAVOR_RESPONSE,
  IMAGE_RESPONSE,
  PROJECT_RESPONSE,
  SITE_HEALTH_RESPONSE,
  SITE_RESPONSE,
} from './infosys-responses.js';
export { infosysDb, type InfosysDatabase, type InfosysSiteTable } from './infosys-queries.js';
export { toCachedResponse, GZIP_MIN_BYTES, type CachedResponse } from './cached-response.js';
