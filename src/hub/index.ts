// What other folders may use of the hub: the app factory, the `fedstack hub` command, the store,
// and (as types only) the wire shapes of its routes, which the typed hub client shares.
export { buildHub, type HubApp, type HubOptions, type HubServices } from './app.js';
export { createHubCommand } from './command.js';
export { HubStore, describeLocation, type HubDialect, type HubStoreLocation } from './store/hub-store.js';
export { migrateToLatest, migrationStatus, rollbackTo, type MigrationState } from './store/hub-migrator.js';
export {
  DEFAULT_INGEST_SOURCES,
  type IngestOptions,
  type IngestSource,
  type IngestTotals,
} from './accounting/ingest-consumer.js';
export { Summariser, type SummariseOutcome } from './accounting/summariser.js';
export type * as HubRoutes from './http/route-schemas.js';
export { Registry, type ImportReport } from './registry/index.js';
export {
  Monitor,
  ResultStore,
  availabilityReport,
  loadMonitorConfig,
  type MonitorConfig,
  type ReportRow,
} from './monitor/index.js';
