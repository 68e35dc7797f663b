// The APEL cloud (VM) usage record: our domain shape and its v0.4 wire field table.
import {
  KIND_DATETIME,
  KIND_FLOAT,
  KIND_IGNORED,
  KIND_INT,
  KIND_STRING,
  buildTextFieldTable,
  createPlainRecord,
  defineTextField,
  type TextField,
  type TextFieldTable,
  type TextSlots,
} from './text-field.js';
import {
  MAX_BENCHMARK,
  MAX_CPU_COUNT,
  MAX_CPU_DURATION_SECONDS,
  MAX_DISK_GB,
  MAX_DURATION_SECONDS,
  MAX_IP_COUNT,
  MAX_MEMORY_MB,
  MAX_NETWORK_VOLUME,
} from './value-ranges.js';
import { MAX_BENCHMARK_TYPE_LENGTH } from './wire-value.js';

/**
 * One VM's usage as APEL's cloud record (v0.4) carries it. Times are integer
 * epoch seconds (UTC); durations are seconds, cumulative since `startTime`;
 * `memory` is MB, `disk` GB, network volumes as the sender counts them.
 * `endTime` 0 means "not ended yet", the way cASO sends a running VM.
 * Absent properties are absent on the wire too. Every number has a range
 * (value-ranges.ts, docs/accounting.md); times lie from 2000-01-01 to the
 * decoder's "now" + one day.
 */
export interface CloudRecord {
  /** `VMUUID`, mandatory: the server id. */
  readonly vmUuid: string;
  /** `SiteName`, mandatory: the GOCDB site name. */
  readonly siteName: string;
  readonly cloudComputeService?: string;
  readonly machineName?: string;
  readonly localUserId?: string;
  readonly localGroupId?: string;
  readonly globalUserName?: string;
  /** `FQAN`: the VO name (cASO) or a VOMS FQAN; see `parseFqan`. */
  readonly fqan?: string;
  /** started, completed, paused, suspended, stopped, error or unknown (free text for APEL). */
  readonly status?: string;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly suspendDuration?: number;
  readonly wallDuration?: number;
  readonly cpuDuration?: number;
  /** Decimal: vCPUs. */
  readonly cpuCount?: number;
  readonly networkType?: string;
  readonly networkInbound?: number;
  readonly networkOutbound?: number;
  /** `PublicIPCount`. */
  readonly publicIpCount?: number;
  readonly memory?: number;
  readonly disk?: number;
  /** At most 50 characters (APEL's column). */
  readonly benchmarkType?: string;
  /** Decimal benchmark value per core. */
  readonly benchmark?: number;
  readonly storageRecordId?: string;
  readonly imageId?: string;
  readonly cloudType?: string;
  readonly recordCreateTime?: number;
}

// The record from the scanner's slots: slot i is field i of CLOUD_FIELDS below
// (a unit test checks the two agree). Named stores; see createPlainRecord.
function buildCloudRecord(s: Readonly<TextSlots>): CloudRecord {
  const r = createPlainRecord();
  if (s[0] !== undefined) r.vmUuid = s[0];
  if (s[1] !== undefined) r.siteName = s[1];
  if (s[2] !== undefined) r.cloudComputeService = s[2];
  if (s[3] !== undefined) r.machineName = s[3];
  if (s[4] !== undefined) r.localUserId = s[4];
  if (s[5] !== undefined) r.localGroupId = s[5];
  if (s[6] !== undefined) r.globalUserName = s[6];
  if (s[7] !== undefined) r.fqan = s[7];
  if (s[8] !== undefined) r.status = s[8];
  if (s[9] !== undefined) r.startTime = s[9];
  if (s[10] !== undefined) r.endTime = s[10];
  if (s[11] !== undefined) r.suspendDuration = s[11];
  if (s[12] !== undefined) r.wallDuration = s[12];
  if (s[13] !== undefined) r.cpuDuration = s[13];
  if (s[14] !== undefined) r.cpuCount = s[14];
  if (s[15] !== undefined) r.networkType = s[15];
  if (s[16] !== undefined) r.networkInbound = s[16];
  if (s[17] !== undefined) r.networkOutbound = s[17];
  if (s[18] !== undefined) r.publicIpCount = s[18];
  if (s[19] !== undefined) r.memory = s[19];
  if (s[20] !== undefined) r.disk = s[20];
  if (s[21] !== undefined) r.benchmarkType = s[21];
  if (s[22] !== undefined) r.benchmark = s[22];
  if (s[23] !== undefined) r.storageRecordId = s[23];
  if (s[24] !== undefined) r.imageId = s[24];
  if (s[25] !== undefined) r.cloudType = s[25];
  if (s[26] !== undefined) r.recordCreateTime = s[26];
  return r as unknown as CloudRecord;
}

/**
 * Field table of the cloud record, in APEL's field order; wire names only here.
 * Number ranges: see value-ranges.ts for why each bound is what it is.
 */
export const CLOUD_FIELDS: TextFieldTable = buildTextFieldTable(
  [
    defineTextField('VMUUID', 'vmUuid', KIND_STRING, { isMandatory: true }),
    defineTextField('SiteName', 'siteName', KIND_STRING, { isMandatory: true }),
    defineTextField('CloudComputeService', 'cloudComputeService', KIND_STRING),
    defineTextField('MachineName', 'machineName', KIND_STRING),
    defineTextField('LocalUserId', 'localUserId', KIND_STRING),
    defineTextField('LocalGroupId', 'localGroupId', KIND_STRING),
    defineTextField('GlobalUserName', 'globalUserName', KIND_STRING),
    defineTextField('FQAN', 'fqan', KIND_STRING),
    defineTextField('Status', 'status', KIND_STRING),
    defineTextField('StartTime', 'startTime', KIND_DATETIME),
    defineTextField('EndTime', 'endTime', KIND_DATETIME, { isZeroAllowed: true }),
    defineTextField('SuspendDuration', 'suspendDuration', KIND_INT, { max: MAX_DURATION_SECONDS }),
    defineTextField('WallDuration', 'wallDuration', KIND_INT, { max: MAX_DURATION_SECONDS }),
    defineTextField('CpuDuration', 'cpuDuration', KIND_INT, { max: MAX_CPU_DURATION_SECONDS }),
    defineTextField('CpuCount', 'cpuCount', KIND_FLOAT, { max: MAX_CPU_COUNT }),
    defineTextField('NetworkType', 'networkType', KIND_STRING),
    defineTextField('NetworkInbound', 'networkInbound', KIND_INT, { max: MAX_NETWORK_VOLUME }),
    defineTextField('NetworkOutbound', 'networkOutbound', KIND_INT, { max: MAX_NETWORK_VOLUME }),
    defineTextField('PublicIPCount', 'publicIpCount', KIND_INT, { max: MAX_IP_COUNT }),
    defineTextField('Memory', 'memory', KIND_INT, { max: MAX_MEMORY_MB }),
    defineTextField('Disk', 'disk', KIND_INT, { max: MAX_DISK_GB }),
    defineTextField('BenchmarkType', 'benchmarkType', KIND_STRING, { maxLength: MAX_BENCHMARK_TYPE_LENGTH }),
    defineTextField('Benchmark', 'benchmark', KIND_FLOAT, { max: MAX_BENCHMARK }),
    defineTextField('StorageRecordId', 'storageRecordId', KIND_STRING),
    defineTextField('ImageId', 'imageId', KIND_STRING),
    defineTextField('CloudType', 'cloudType', KIND_STRING),
    defineTextField('RecordCreateTime', 'recordCreateTime', KIND_DATETIME),
    // APEL accepts these keys and drops them: it derives the values itself (§3)
    defineTextField('UpdateTime', '', KIND_IGNORED),
    defineTextField('MeasurementTime', '', KIND_IGNORED),
    defineTextField('MeasurementMonth', '', KIND_IGNORED),
    defineTextField('MeasurementYear', '', KIND_IGNORED),
  ],
  buildCloudRecord,
);

/** The cloud fields in the order cASO writes them: wire keys sorted by code point. */
export const CLOUD_WRITE_ORDER: readonly TextField[] = CLOUD_FIELDS.fields
  .filter((f) => f.kind !== KIND_IGNORED)
  .sort((a, b) => (a.wire < b.wire ? -1 : a.wire > b.wire ? 1 : 0));
