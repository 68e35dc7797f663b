// The registry: sites, service endpoints and downtimes, read and written as GOCDB's records.
export {
  ACCOUNTING_SERVICE_TYPE,
  Registry,
  type DowntimeInput,
  type EndpointInput,
  type ImportReport,
  type SiteInput,
} from './registry.js';
