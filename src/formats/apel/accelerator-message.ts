// Codec of the APEL accelerator message (JSON, "APEL-accelerator-message" v0.1) as cASO sends it.
import type { FormatError } from '../../errors.js';
import {
  encodeJsonMessage,
  parseJsonEnvelope,
  readJsonEnvelope,
  type JsonField,
  type JsonMessageKind,
  type JsonRecordCheck,
} from './json-message.js';
import { ACCELERATOR_MESSAGE_TYPE, ACCELERATOR_MESSAGE_VERSION } from './types.js';
import {
  checkMonthInWindow,
  EARLIEST_YEAR,
  LATEST_STATIC_YEAR,
  MAX_ACCELERATOR_CORES,
  MAX_ACCELERATOR_COUNT,
  MAX_BENCHMARK,
  MAX_MONTH_SECONDS,
  type ApelDecodeOptions,
} from './value-ranges.js';
import { MAX_BENCHMARK_TYPE_LENGTH } from './wire-value.js';

/**
 * Accelerator (GPU, FPGA) usage attached to one VM or job in one calendar
 * month (§1.5): a cumulative snapshot of the month, so resending it is
 * idempotent. Durations are seconds.
 */
export interface AcceleratorRecord {
  /** 1..12 */
  readonly measurementMonth: number;
  /** Year, 2000..2100 and not after the decoder's "now". */
  readonly measurementYear: number;
  readonly associatedRecordType: 'cloud' | 'job';
  /** The VMUUID (or job id) the accelerator was attached to. */
  readonly associatedRecord: string;
  readonly globalUserName?: string;
  readonly fqan: string;
  readonly siteName: string;
  /** Number of devices; decimal, so a shared GPU may count as a fraction. */
  readonly count: number;
  readonly cores?: number;
  /** Seconds attached in the month. */
  readonly availableDuration: number;
  /** Seconds in use; APEL takes `availableDuration` when absent. */
  readonly activeDuration?: number;
  readonly type: 'GPU' | 'FPGA' | 'Other';
  /** Vendor and model, e.g. "NVIDIA A100". */
  readonly model?: string;
  readonly benchmarkType?: string;
  readonly benchmark?: number;
  readonly cloudType: string;
  readonly cloudComputeService?: string;
}

/** Field table of the accelerator record, in the order cASO writes the keys; ranges: value-ranges.ts. */
export const ACCELERATOR_FIELDS: readonly JsonField[] = [
  { wire: 'SiteName', key: 'siteName', kind: 'string', isRequired: true },
  { wire: 'CloudType', key: 'cloudType', kind: 'string', isRequired: true },
  { wire: 'CloudComputeService', key: 'cloudComputeService', kind: 'string', isRequired: false },
  { wire: 'AssociatedRecord', key: 'associatedRecord', kind: 'string', isRequired: true },
  { wire: 'GlobalUserName', key: 'globalUserName', kind: 'string', isRequired: false },
  { wire: 'FQAN', key: 'fqan', kind: 'string', isRequired: true },
  { wire: 'Count', key: 'count', kind: 'number', isRequired: true, min: 0, max: MAX_ACCELERATOR_COUNT },
  {
    wire: 'AvailableDuration',
    key: 'availableDuration',
    kind: 'integer',
    isRequired: true,
    min: 0,
    max: MAX_MONTH_SECONDS,
  },
  { wire: 'MeasurementMonth', key: 'measurementMonth', kind: 'integer', isRequired: true, min: 1, max: 12 },
  {
    wire: 'MeasurementYear',
    key: 'measurementYear',
    kind: 'integer',
    isRequired: true,
    min: EARLIEST_YEAR,
    max: LATEST_STATIC_YEAR,
  },
  {
    wire: 'AssociatedRecordType',
    key: 'associatedRecordType',
    kind: 'string',
    isRequired: true,
    values: ['cloud', 'job'],
  },
  { wire: 'Type', key: 'type', kind: 'string', isRequired: true, values: ['GPU', 'FPGA', 'Other'] },
  { wire: 'Model', key: 'model', kind: 'string', isRequired: false },
  {
    wire: 'ActiveDuration',
    key: 'activeDuration',
    kind: 'integer',
    isRequired: false,
    min: 0,
    max: MAX_MONTH_SECONDS,
  },
  { wire: 'Cores', key: 'cores', kind: 'integer', isRequired: false, min: 0, max: MAX_ACCELERATOR_CORES },
  {
    wire: 'BenchmarkType',
    key: 'benchmarkType',
    kind: 'string',
    isRequired: false,
    maxLength: MAX_BENCHMARK_TYPE_LENGTH,
  },
  { wire: 'Benchmark', key: 'benchmark', kind: 'number', isRequired: false, min: 0, max: MAX_BENCHMARK },
];

// A measurement month after the window's latest month is in the future.
const checkMeasurementMonth: JsonRecordCheck = (record, window) => {
  const { measurementYear: year, measurementMonth: month } = record;
  if (typeof year !== 'number' || typeof month !== 'number') return undefined;
  const expected = checkMonthInWindow(year, month, window);
  return expected === undefined
    ? undefined
    : { field: 'MeasurementMonth', problem: { expected, found: `${year}-${month}` } };
};

/** Records read from an accelerator message, and one error per refused record. */
export interface AcceleratorMessage {
  readonly records: AcceleratorRecord[];
  readonly errors: FormatError[];
}

// APEL PR #322 spells the type with a capital A; cASO and EGI's docs do not.
// We write cASO's spelling and read both.
const ACCEPTED_TYPES = [ACCELERATOR_MESSAGE_TYPE, 'APEL-Accelerator-message'];

/** @internal the kind {@link readJsonEnvelope} reads */
export const ACCELERATOR_MESSAGE: JsonMessageKind = {
  types: ACCEPTED_TYPES,
  versions: [ACCELERATOR_MESSAGE_VERSION],
  fields: ACCELERATOR_FIELDS,
  check: checkMeasurementMonth,
};

/**
 * Writes an APEL accelerator message v0.1 the way cASO does:
 * `{"Type": "APEL-accelerator-message", "Version": "0.1", "UsageRecords": [...]}`.
 *
 * @example
 * serializeAcceleratorMessage([{ measurementMonth: 6, measurementYear: 2022, associatedRecordType: 'cloud',
 *   associatedRecord: '99cf5d02', fqan: 'vo.example.eu', siteName: 'TEST-Site', count: 1,
 *   availableDuration: 5000, type: 'GPU', cloudType: 'fedstack' }]);
 * @throws FormatError `APEL_FIELD_INVALID` naming record index and field, for a
 *   missing required field, a month outside 1..12 or after 2100-01, a Type
 *   other than GPU, FPGA or Other, a count or duration outside its range
 *   (docs/accounting.md), or a string that is not printable ASCII or too long
 */
export function serializeAcceleratorMessage(records: readonly AcceleratorRecord[]): string {
  return encodeJsonMessage(
    ACCELERATOR_MESSAGE_TYPE,
    ACCELERATOR_MESSAGE_VERSION,
    records,
    ACCELERATOR_FIELDS,
    checkMeasurementMonth,
  );
}

/**
 * Reads an accelerator message (`Version` "0.1"; `Type` in cASO's spelling
 * or APEL PR #322's "APEL-Accelerator-message"). Each bad record yields one
 * `FormatError` naming its 0-based index in `UsageRecords` and the field;
 * a measurement month after that of `options.nowSeconds` + one day (after
 * 2100-01 without it) is refused too.
 * @throws FormatError `APEL_MESSAGE_INVALID` when the text is not such a JSON message
 */
export function parseAcceleratorMessage(text: string, options: ApelDecodeOptions = {}): AcceleratorMessage {
  return readJsonEnvelope<AcceleratorRecord>(parseJsonEnvelope(text), ACCELERATOR_MESSAGE, options);
}

/** True when a JSON `Type` names an accelerator message in a spelling we read. */
export function isAcceleratorType(type: string): boolean {
  return ACCEPTED_TYPES.includes(type);
}
