// The site's work as functions: each job takes a loaded config, a logger, an abort signal and a clock, and returns its outcome.
export type { JobContext } from './job-context.js';
export {
  isExtractComplete,
  toJobFailure,
  type AccountingExtractOutcome,
  type AccountingSendOutcome,
  type DiscoveryOutcome,
  type JobFailure,
  type ProjectOutcome,
  type SiteRunStatus,
  type WatermarkMove,
} from './job-outcome.js';
export {
  runAccountingExtract,
  defaultExtractFrom,
  type AccountingExtractOptions,
} from './run-accounting-extract.js';
export { runAccountingSend } from './run-accounting-send.js';
export { runDiscovery, type DiscoveryOptions } from './run-discovery.js';
export {
  runSiteDiscovery,
  runDiscoveryForDirectory,
  type DiscoveryRunOptions,
} from './run-site-discovery.js';
export {
  runImageSync,
  isImageSyncComplete,
  DEFAULT_IMAGE_CACHE_DIR,
  type ImageSyncOptions,
  type ImageSyncOutcome,
  type SourceOutcome,
  type ProjectImagesOutcome,
} from './run-image-sync.js';
export {
  runSiteImageSync,
  runImageSyncForDirectory,
  type SiteImageSyncOptions,
  type SiteImageSyncResult,
} from './run-image-sync-dir.js';
export { imageSyncStatusFile, readImageSyncStatus, type ImageSyncStatus } from './image-sync-status.js';
