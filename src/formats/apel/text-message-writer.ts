// Strict writer of the line-based APEL messages: refuses any value APEL would read back differently.
import { KIND_DATETIME, KIND_FLOAT, KIND_IGNORED, KIND_STRING, type TextField } from './text-field.js';
import { STATIC_TIME_WINDOW } from './value-ranges.js';
import {
  checkWriteInteger,
  checkWriteNumber,
  checkWriteString,
  fieldProblemError,
  type ValueProblem,
} from './wire-value.js';

/**
 * Writes `<header>\n`, then each record as `Key: value` lines in `order`,
 * with a `%%` line between records and none after the last (cASO's layout).
 * Absent (`undefined` or `null`) values are left out.
 * @throws FormatError `APEL_FIELD_INVALID` naming record index and wire field
 *   of the first value that APEL would misread, or of a missing mandatory field
 */
export function serializeTextMessage(
  header: string,
  records: readonly object[],
  order: readonly TextField[],
): string {
  let out = `${header}\n`;
  for (let i = 0; i < records.length; i++) {
    if (i > 0) out += '%%\n';
    out += serializeTextRecord(records[i] as Record<string, unknown>, order, i);
  }
  return out;
}

function serializeTextRecord(
  record: Record<string, unknown>,
  order: readonly TextField[],
  index: number,
): string {
  let out = '';
  for (let f = 0; f < order.length; f++) {
    const field = order[f]!;
    const value = record[field.key];
    if (value === undefined || value === null) {
      if (field.isMandatory)
        throw fieldProblemError(index, field.wire, { expected: 'a value (the field is mandatory)' });
      continue;
    }
    const problem = checkValue(field, value);
    if (problem) throw fieldProblemError(index, field.wire, problem);
    out += field.linePrefix + (value as string | number) + '\n';
  }
  return out;
}

function checkValue(field: TextField, value: unknown): ValueProblem | undefined {
  switch (field.kind) {
    case KIND_STRING:
      return checkWriteString(value, field.maxLength, field.isLiteral);
    case KIND_FLOAT:
      return checkWriteNumber(value, field.min, field.max);
    case KIND_IGNORED:
      return { expected: 'no value (APEL derives this field)' };
    case KIND_DATETIME:
      // a writer has no clock: the static window; EndTime 0 is "not ended"
      if (value === 0 && field.isZeroAllowed) return undefined;
      return checkWriteInteger(value, STATIC_TIME_WINDOW.earliestSeconds, STATIC_TIME_WINDOW.latestSeconds);
    default:
      // APEL's int() refuses "1.5" and "1e+21"
      return checkWriteInteger(value, field.min, field.max);
  }
}
