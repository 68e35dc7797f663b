// The Fedstack library API: the typed OpenStack client and the wire-format codecs.
export * from './openstack/index.js';
export * from './formats/index.js';
export {
  FedstackError,
  ConfigError,
  FormatError,
  TimeoutError,
  StoreError,
  ERROR_CODES,
  type ErrorCode,
} from './errors.js';
