// The hub's monitor: scheduled checks, the status history, availability and reliability reports.
export {
  availabilityReport,
  reportDays,
  type ReportQuery,
  type ReportRow,
  type ReportLevel,
} from './availability-report.js';
export {
  INITIAL_STATE,
  nextCheckState,
  type CheckState,
  type CheckStatus,
  type CheckTiming,
} from './check-state.js';
export {
  EGI_CLOUD_METRICS,
  EGI_CLOUD_PROFILE,
  loadMonitorConfig,
  validityMs,
  type MetricSpec,
  type MonitorConfig,
} from './monitor-config.js';
export { Monitor, type MonitorOptions, type MonitorStats } from './monitor.js';
export {
  ResultStore,
  type Series,
  type SeriesKey,
  type StoredResult,
  type StoredState,
} from './result-store.js';
export {
  parsePluginOutput,
  runCheck,
  runExternal,
  splitCommand,
  type CheckOutcome,
  type CheckTarget,
} from './run-check.js';
