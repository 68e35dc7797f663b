// Image sync building blocks: the content-addressed download cache, its progress display, conversion.
export {
  fetchToCache,
  type FetchToCacheOptions,
  type ExpectedImage,
  type CachedImage,
  type DownloadProgress,
} from './download-cache.js';
export { ensureFreeSpace, hashFile, cachePathsOf, type CachePaths, type StatFs } from './cache-entry.js';
export {
  createProgressReporter,
  formatProgressLine,
  type ProgressReporter,
  type ProgressReporterOptions,
} from './progress-reporter.js';
export { ImageVerifyError, ImageCacheError, ImageConvertError } from './image-errors.js';
export {
  convertImage,
  inspectImageFile,
  assertSelfContained,
  listTarFile,
  type ConvertImageOptions,
  type ConvertedImage,
} from './convert.js';
export {
  fetchImageSources,
  toSourceFetches,
  readTrustedCas,
  appdbAuthorization,
  type SourceFetchResult,
  type FetchSourcesOptions,
} from './fetch-sources.js';
export {
  applyImageSyncPlan,
  type ApplyCounts,
  type ApplyPlanOptions,
  type ApplyResult,
  type StepError,
  type StepNotice,
} from './apply-plan.js';
export {
  imageSyncStateFile,
  listContentDigest,
  lastAcceptedOf,
  readImageSyncState,
  writeImageSyncState,
  withAcceptedLists,
  type AcceptedListState,
  type ImageSyncState,
} from './sync-state.js';
