// What other folders may use of the site agent: its command group, config loader and jobs (accounting, discovery).
export { createSiteCommand } from './command.js';
export {
  loadSiteConfig,
  validateSiteConfig,
  readSecret,
  type SiteConfig,
  type CredentialsConfig,
} from './site-config.js';
export { createSiteSession } from './site-session.js';
export { runSiteCheck, renderCheckTable, type CheckResult, type CheckStatus } from './check/site-check.js';
export { extractAccounting, type ExtractOptions } from './accounting/extract.js';
export { sendOutbox, type SendResult } from './accounting/ams-sender.js';
export { publishToAms, type AmsDestination, type AmsMessage } from './ams-publisher.js';
export { DirqOutbox } from './accounting/outbox.js';
export { WatermarkStore, type RecordType, type WatermarkKey } from './accounting/watermarks.js';
export {
  runAccountingExtract,
  runAccountingSend,
  runDiscovery,
  runSiteDiscovery,
  runDiscoveryForDirectory,
  isExtractComplete,
  type JobContext,
  type JobFailure,
  type AccountingExtractOptions,
  type AccountingExtractOutcome,
  type AccountingSendOutcome,
  type DiscoveryOptions,
  type DiscoveryRunOptions,
  type DiscoveryOutcome,
  type ProjectOutcome,
  type WatermarkMove,
} from './jobs/index.js';
