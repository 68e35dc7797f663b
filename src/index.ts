// The Fedstack library API: the typed OpenStack client, the wire-format codecs, the outbound HTTP layer and the typed hub client.
export * from './openstack/index.js';
export * from './formats/index.js';
export * from './hub-client/index.js';
export {
  HttpClient,
  HttpError,
  RetryBudget,
  httpRequest,
  type HttpRequest,
  type HttpClientOptions,
  type HttpProgress,
} from './http/index.js';
export {
  FedstackError,
  ConfigError,
  FormatError,
  TimeoutError,
  StoreError,
  ERROR_CODES,
  type ErrorCode,
} from './errors.js';
