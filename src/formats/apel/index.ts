// APEL accounting codecs: cloud, cloud summary, public IP, accelerator and StAR storage messages.
export type { CloudRecord } from './cloud-record.js';
export { parseCloudMessage, serializeCloudMessage, type CloudMessage } from './cloud-message.js';
export {
  parseCloudSummaryMessage,
  serializeCloudSummaryMessage,
  type CloudSummaryMessage,
  type CloudSummaryRecord,
} from './cloud-summary-message.js';
export {
  parsePublicIpMessage,
  serializePublicIpMessage,
  type PublicIpMessage,
  type PublicIpRecord,
} from './public-ip-message.js';
export {
  parseAcceleratorMessage,
  serializeAcceleratorMessage,
  type AcceleratorMessage,
  type AcceleratorRecord,
} from './accelerator-message.js';
export type { StorageGroupAttribute, StorageRecord } from './storage-record.js';
export { MAX_STAR_CAPACITY_BYTES } from './storage-record.js';
export { parseStorageMessage, serializeStorageMessage, type StorageMessage } from './storage-message.js';
export { parseApelMessage, type ApelMessageKind, type ParsedApelMessage } from './apel-message.js';
export { chunkRecords, type ChunkLimits } from './chunk-records.js';
export { deriveMeasurementTime } from './derive-measurement-time.js';
export { parseIsoDateTimeMs } from './iso-date-time.js';
export { parseFqan, type Fqan } from './fqan.js';
export {
  EARLIEST_EPOCH_SECONDS,
  FUTURE_SLACK_SECONDS,
  LATEST_STATIC_EPOCH_SECONDS,
  type ApelDecodeOptions,
} from './value-ranges.js';
export {
  ACCELERATOR_MESSAGE_TYPE,
  ACCELERATOR_MESSAGE_VERSION,
  CLOUD_MESSAGE_TYPE,
  CLOUD_MESSAGE_VERSION,
  CLOUD_SUMMARY_MESSAGE_TYPE,
  CLOUD_SUMMARY_MESSAGE_VERSION,
  PUBLIC_IP_MESSAGE_TYPE,
  PUBLIC_IP_MESSAGE_VERSION,
  STAR_NAMESPACE,
} from './types.js';
export type { AcceleratorWireRecord, ApelJsonEnvelope, PublicIpWireRecord } from './types.js';
