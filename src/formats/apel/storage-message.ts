// Codec of EMI StAR storage messages (`sr:StorageUsageRecords` XML) as cASO writes them and APEL reads them.
import type { FormatError } from '../../errors.js';
import { formatIsoDateTime } from './iso-date-time.js';
import { readStarDocument } from './star-xml-reader.js';
import {
  MAX_STAR_CAPACITY_BYTES,
  STAR_HEAD_ELEMENTS,
  STAR_SUBJECT_ELEMENTS,
  STAR_TAIL_ELEMENTS,
  type StarElement,
  type StorageRecord,
} from './storage-record.js';
import { STAR_NAMESPACE } from './types.js';
import { checkReadString, fieldProblemError, MAX_VALUE_LENGTH, type ValueProblem } from './wire-value.js';

/** Records read from a StAR message, and one error per refused record. */
export interface StorageMessage {
  readonly records: StorageRecord[];
  readonly errors: FormatError[];
}

// 9999-12-31T23:59:59Z: the last instant an ISO 8601 four-digit year can write
const MAX_EPOCH_SECONDS = 253402300799;

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

function checkValue(kind: StarElement['kind'], value: unknown): ValueProblem | undefined {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? checkReadString(value, MAX_VALUE_LENGTH) : { expected: 'a string' };
    case 'integer':
      return Number.isSafeInteger(value) && (value as number) >= 0
        ? undefined
        : { expected: 'an integer >= 0' };
    case 'bytes':
      return typeof value === 'bigint' && value >= 0n && value <= MAX_STAR_CAPACITY_BYTES
        ? undefined
        : { expected: 'a bigint number of bytes between 0 and 10^30 - 1' };
    case 'time':
      return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_EPOCH_SECONDS
        ? undefined
        : { expected: 'epoch seconds between 0 and 253402300799' };
  }
}

function formatValue(kind: StarElement['kind'], value: string | number | bigint): string {
  if (kind === 'time') return formatIsoDateTime(value as number);
  if (kind === 'string') return escapeXml(value as string);
  return String(value);
}

function writeElements(record: StorageRecord, index: number, elements: readonly StarElement[]): string {
  let out = '';
  for (const element of elements) {
    const value = record[element.key] as string | number | bigint | undefined | null;
    if (value === undefined || value === null) {
      if (element.isMandatory)
        throw fieldProblemError(index, element.name, { expected: 'a value (the field is mandatory)' });
      continue;
    }
    const problem = checkValue(element.kind, value);
    if (problem) throw fieldProblemError(index, element.name, problem);
    out += `<sr:${element.name}>${formatValue(element.kind, value)}</sr:${element.name}>`;
  }
  return out;
}

function writeSubject(record: StorageRecord, index: number): string {
  let inner = writeElements(record, index, STAR_SUBJECT_ELEMENTS);
  (record.groupAttributes ?? []).forEach((attribute) => {
    for (const part of ['attributeType', 'value'] as const) {
      const problem = checkValue('string', attribute[part]);
      if (problem) throw fieldProblemError(index, `GroupAttribute/${part}`, problem);
    }
    const type = escapeXml(attribute.attributeType);
    inner += `<sr:GroupAttribute sr:attributeType="${type}">${escapeXml(attribute.value)}</sr:GroupAttribute>`;
  });
  return inner === '' ? '' : `<sr:SubjectIdentity>${inner}</sr:SubjectIdentity>`;
}

function writeRecord(record: StorageRecord, index: number): string {
  const identity: [string, StarElement['kind'], unknown][] = [
    ['CreateTime', 'time', record.createTime],
    ['RecordId', 'string', record.recordId],
  ];
  for (const [field, kind, value] of identity) {
    const problem =
      value === undefined || value === null
        ? { expected: 'a value (the field is mandatory)' }
        : checkValue(kind, value);
    if (problem) throw fieldProblemError(index, field, problem);
  }
  return (
    '<sr:StorageUsageRecord>' +
    `<sr:RecordIdentity sr:createTime="${formatIsoDateTime(record.createTime)}" sr:recordId="${escapeXml(record.recordId)}" />` +
    writeElements(record, index, STAR_HEAD_ELEMENTS) +
    writeSubject(record, index) +
    writeElements(record, index, STAR_TAIL_ELEMENTS) +
    '</sr:StorageUsageRecord>'
  );
}

/**
 * Writes an EMI StAR storage message the way cASO does: one
 * `sr:StorageUsageRecords` element (no XML declaration) holding a
 * `sr:StorageUsageRecord` per record, times as `YYYY-MM-DDTHH:MM:SS+00:00`,
 * capacities in bytes. Text is XML-escaped.
 *
 * @example
 * serializeStorageMessage([{ recordId: 'vol-1', createTime: 1685051946, storageSystem: 'cinder',
 *   startTime: 1684619946, endTime: 1685051946, resourceCapacityUsed: 10 * 2 ** 30 }]);
 * @throws FormatError `APEL_FIELD_INVALID` naming record index and field, for a
 *   missing RecordId, CreateTime, StorageSystem, StartTime, EndTime or
 *   ResourceCapacityUsed, a string that is not printable ASCII or longer than
 *   255 characters, a capacity that is not a non-negative integer, or a bad time
 */
export function serializeStorageMessage(records: readonly StorageRecord[]): string {
  const body = records.map((record, index) => writeRecord(record, index)).join('');
  return `<sr:StorageUsageRecords xmlns:sr="${STAR_NAMESPACE}">${body}</sr:StorageUsageRecords>`;
}

/**
 * Reads an EMI StAR storage message: a `StorageUsageRecords` root (or a
 * single `StorageUsageRecord`) in the StAR namespace, under any prefix.
 * Times are ISO 8601, a time without a zone is UTC (APEL's rule); capacities
 * and FileCount are non-negative integers. RecordId, CreateTime,
 * StorageSystem, StartTime, EndTime and ResourceCapacityUsed are mandatory;
 * an element we do not know refuses its record rather than being dropped.
 * Each bad record yields one `FormatError` naming its 0-based index and the
 * field.
 * @throws FormatError `APEL_MESSAGE_INVALID` when the text is not well-formed
 *   XML or not a StAR document
 */
export function parseStorageMessage(text: string): StorageMessage {
  return readStarDocument(text);
}
