// Codec of APEL's cloud summary message (`APEL-cloud-summary-message: v0.4`), server to portal.
import type { FormatError } from '../../errors.js';
import {
  KIND_DATETIME,
  KIND_FLOAT,
  KIND_INT,
  KIND_STRING,
  buildTextFieldTable,
  createPlainRecord,
  defineTextField,
  type TextFieldTable,
  type TextSlots,
} from './text-field.js';
import { parseTextMessage, type RecordProblem } from './text-message-parser.js';
import { serializeTextMessage } from './text-message-writer.js';
import { CLOUD_SUMMARY_MESSAGE_TYPE, CLOUD_SUMMARY_MESSAGE_VERSION } from './types.js';
import {
  checkMonthInWindow,
  EARLIEST_YEAR,
  LATEST_STATIC_YEAR,
  MAX_BENCHMARK,
  MAX_CPU_COUNT,
  MAX_SUMMARY_DURATION_SECONDS,
  MAX_SUMMARY_SIZE,
  MAX_SUMMARY_VMS,
  STATIC_TIME_WINDOW,
  timeWindowOf,
  type ApelDecodeOptions,
  type TimeWindow,
} from './value-ranges.js';
import { fieldProblemError, MAX_BENCHMARK_TYPE_LENGTH } from './wire-value.js';

/**
 * One row of APEL's monthly cloud summaries (§2.2): usage grouped by site,
 * service, month, user, VO, status, image, CPU count and benchmark. Times are
 * epoch seconds (UTC), durations seconds, `memory` MB and `disk` GB summed
 * over the VMs. `vo`, `voGroup` and `voRole` are literal text: APEL writes
 * `None` there when it has no value, and keeps it as text.
 */
export interface CloudSummaryRecord {
  readonly siteName: string;
  readonly cloudComputeService?: string;
  /** 1..12 */
  readonly month: number;
  readonly year: number;
  readonly globalUserName?: string;
  readonly vo?: string;
  readonly voGroup?: string;
  readonly voRole?: string;
  readonly status?: string;
  readonly cloudType?: string;
  readonly imageId?: string;
  readonly earliestStartTime?: number;
  readonly latestStartTime?: number;
  readonly wallDuration?: number;
  readonly cpuDuration?: number;
  readonly cpuCount?: number;
  readonly networkInbound?: number;
  readonly networkOutbound?: number;
  readonly memory?: number;
  readonly disk?: number;
  readonly benchmarkType?: string;
  readonly benchmark?: number;
  /** `NumberOfVMs`. */
  readonly numberOfVms: number;
}

// The record from the scanner's slots: slot i is field i of CLOUD_SUMMARY_FIELDS
// below (a unit test checks the two agree).
function buildCloudSummaryRecord(s: Readonly<TextSlots>): CloudSummaryRecord {
  const r = createPlainRecord();
  if (s[0] !== undefined) r.siteName = s[0];
  if (s[1] !== undefined) r.cloudComputeService = s[1];
  if (s[2] !== undefined) r.month = s[2];
  if (s[3] !== undefined) r.year = s[3];
  if (s[4] !== undefined) r.globalUserName = s[4];
  if (s[5] !== undefined) r.vo = s[5];
  if (s[6] !== undefined) r.voGroup = s[6];
  if (s[7] !== undefined) r.voRole = s[7];
  if (s[8] !== undefined) r.status = s[8];
  if (s[9] !== undefined) r.cloudType = s[9];
  if (s[10] !== undefined) r.imageId = s[10];
  if (s[11] !== undefined) r.earliestStartTime = s[11];
  if (s[12] !== undefined) r.latestStartTime = s[12];
  if (s[13] !== undefined) r.wallDuration = s[13];
  if (s[14] !== undefined) r.cpuDuration = s[14];
  if (s[15] !== undefined) r.cpuCount = s[15];
  if (s[16] !== undefined) r.networkInbound = s[16];
  if (s[17] !== undefined) r.networkOutbound = s[17];
  if (s[18] !== undefined) r.memory = s[18];
  if (s[19] !== undefined) r.disk = s[19];
  if (s[20] !== undefined) r.benchmarkType = s[20];
  if (s[21] !== undefined) r.benchmark = s[21];
  if (s[22] !== undefined) r.numberOfVms = s[22];
  return r as unknown as CloudSummaryRecord;
}

/** Field table of the cloud summary record, in APEL's order (also our write order). */
export const CLOUD_SUMMARY_FIELDS: TextFieldTable = buildTextFieldTable(
  [
    defineTextField('SiteName', 'siteName', KIND_STRING, { isMandatory: true }),
    defineTextField('CloudComputeService', 'cloudComputeService', KIND_STRING),
    defineTextField('Month', 'month', KIND_INT, { isMandatory: true, min: 1, max: 12 }),
    defineTextField('Year', 'year', KIND_INT, {
      isMandatory: true,
      min: EARLIEST_YEAR,
      max: LATEST_STATIC_YEAR,
    }),
    defineTextField('GlobalUserName', 'globalUserName', KIND_STRING),
    // APEL keeps "none", "null" and "" as text for the VO fields (§2.1)
    defineTextField('VO', 'vo', KIND_STRING, { isLiteral: true }),
    defineTextField('VOGroup', 'voGroup', KIND_STRING, { isLiteral: true }),
    defineTextField('VORole', 'voRole', KIND_STRING, { isLiteral: true }),
    defineTextField('Status', 'status', KIND_STRING),
    defineTextField('CloudType', 'cloudType', KIND_STRING),
    defineTextField('ImageId', 'imageId', KIND_STRING),
    defineTextField('EarliestStartTime', 'earliestStartTime', KIND_DATETIME),
    defineTextField('LatestStartTime', 'latestStartTime', KIND_DATETIME),
    // summed over the VMs of the row: bounds of 10^7 records (value-ranges.ts)
    defineTextField('WallDuration', 'wallDuration', KIND_INT, { max: MAX_SUMMARY_DURATION_SECONDS }),
    defineTextField('CpuDuration', 'cpuDuration', KIND_INT),
    defineTextField('CpuCount', 'cpuCount', KIND_FLOAT, { max: MAX_CPU_COUNT }),
    defineTextField('NetworkInbound', 'networkInbound', KIND_INT),
    defineTextField('NetworkOutbound', 'networkOutbound', KIND_INT),
    defineTextField('Memory', 'memory', KIND_INT, { max: MAX_SUMMARY_SIZE }),
    defineTextField('Disk', 'disk', KIND_INT, { max: MAX_SUMMARY_SIZE }),
    defineTextField('BenchmarkType', 'benchmarkType', KIND_STRING, { maxLength: MAX_BENCHMARK_TYPE_LENGTH }),
    defineTextField('Benchmark', 'benchmark', KIND_FLOAT, { max: MAX_BENCHMARK }),
    defineTextField('NumberOfVMs', 'numberOfVms', KIND_INT, { isMandatory: true, max: MAX_SUMMARY_VMS }),
  ],
  buildCloudSummaryRecord,
);

/** Records read from a cloud summary message, and one error per refused record. */
export interface CloudSummaryMessage {
  readonly records: CloudSummaryRecord[];
  readonly errors: FormatError[];
}

// Our check on top of APEL's typing rules: a month that exists and is not
// after the window (the field ranges hold Month to 1..12 and Year to 2000..2100).
function checkMonth(record: Record<string, unknown>, window: TimeWindow): RecordProblem | undefined {
  const { month, year } = record;
  if (typeof month !== 'number' || typeof year !== 'number') return undefined;
  if (month < 1 || month > 12) return { field: 'Month', expected: 'a month 1..12', found: String(month) };
  const expected = checkMonthInWindow(year, month, window);
  return expected === undefined ? undefined : { field: 'Month', expected, found: `${year}-${month}` };
}

/**
 * Writes an APEL cloud summary message v0.4: the header line, then each
 * record's fields in APEL's order, absent fields left out, `%%` between
 * records. Writing is strict, as for cloud messages.
 *
 * @example
 * serializeCloudSummaryMessage([{ siteName: 'CESNET', month: 10, year: 2011, numberOfVms: 1 }]);
 * @throws FormatError `APEL_FIELD_INVALID` naming record index and field, for a
 *   missing SiteName, Month, Year or NumberOfVMs, a month outside 1..12, or a
 *   value APEL would misread (see `serializeCloudMessage`)
 */
export function serializeCloudSummaryMessage(records: readonly CloudSummaryRecord[]): string {
  records.forEach((record, index) => {
    const problem = checkMonth(record as unknown as Record<string, unknown>, STATIC_TIME_WINDOW);
    if (problem) throw fieldProblemError(index, problem.field, problem);
  });
  return serializeTextMessage(
    `${CLOUD_SUMMARY_MESSAGE_TYPE}: ${CLOUD_SUMMARY_MESSAGE_VERSION}`,
    records,
    CLOUD_SUMMARY_FIELDS.fields,
  );
}

/**
 * Reads an APEL cloud summary message (any version) with APEL's rules: those
 * of `parseCloudMessage`, except that VO, VOGroup and VORole keep `none`,
 * `null` and empty values as literal text. SiteName, Month, Year and
 * NumberOfVMs are mandatory; we also refuse a month outside 1..12, a year
 * before 2000, a month after that of `options.nowSeconds` + one day (after
 * 2100-01 without it) and numbers outside their ranges (docs/accounting.md).
 * Each bad record yields one `FormatError` naming its 0-based index and the field.
 * @throws FormatError `APEL_MESSAGE_INVALID` when the first line is not an
 *   `APEL-cloud-summary-message` header
 */
export function parseCloudSummaryMessage(text: string, options: ApelDecodeOptions = {}): CloudSummaryMessage {
  const { records, errors } = parseTextMessage(
    text,
    CLOUD_SUMMARY_MESSAGE_TYPE,
    CLOUD_SUMMARY_FIELDS,
    timeWindowOf(options),
    checkMonth,
  );
  return { records: records as unknown as CloudSummaryRecord[], errors };
}
