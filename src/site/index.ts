// What other folders may use of the site agent: its command group, config loader and the accounting/discovery runs.
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
export { extractAccounting, type ExtractOptions, type ProjectOutcome } from './accounting/extract.js';
export { sendOutbox, type SendResult } from './accounting/ams-sender.js';
export { publishToAms, type AmsDestination, type AmsMessage } from './ams-publisher.js';
export { DirqOutbox } from './accounting/outbox.js';
export { WatermarkStore, type RecordType, type WatermarkKey } from './accounting/watermarks.js';
