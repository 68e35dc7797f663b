// GLUE 2.1 codecs: the site snapshot model, the JSON document builder, parser and LDIF renderer.
export type * from './site-snapshot.js';
export type * from './types.js';
export { GLUE_CLASS_NAMES } from './types.js';
export {
  buildGlueDocument,
  DEFAULT_GLUE_VALIDITY_SECONDS,
  GLUE_SCHEMA_VERSION,
  type BuildGlueOptions,
} from './build-glue-document.js';
export {
  parseGlueDocument,
  readGlueDocument,
  toGlueError,
  MAX_GLUE_ISSUES,
  type GlueIssue,
  type GlueParseResult,
} from './parse-glue-document.js';
export {
  MAX_GLUE_NESTING_DEPTH,
  EARLIEST_GLUE_TIME_MS,
  LATEST_GLUE_TIME_MS,
  parseStrictGlueTime,
} from './glue-value-checks.js';
export { renderLdif } from './render-ldif.js';
export { ldifLine, rdn, LDIF_LINE_WIDTH } from './ldif-encoding.js';
export {
  readGlueSite,
  parseGlueTime,
  type GlueSiteView,
  type GlueShareView,
  type GlueImageView,
  type GlueFlavorView,
  type GlueAcceleratorView,
} from './glue-site-view.js';
export {
  parseFlavorExtraSpecs,
  DEFAULT_ACCELERATOR_SPEC_KEYS,
  type AcceleratorSpecKeys,
  type FlavorExtraSpecInfo,
} from './flavor-extra-specs.js';
export { normalizeGluePlatform } from './glue-platform.js';
export { countVms, type VmCounts } from './vm-counts.js';
export { summarizeEndpointHealth, type EndpointHealth } from './endpoint-health.js';
