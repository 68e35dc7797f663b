// Checks of a GLUE document the JSON schema cannot make: nesting depth (before validation) and real entity dates.
import type { GlueIssue } from './parse-glue-document.js';
import { GLUE_CLASS_NAMES } from './types.js';
import { parseIsoDateTimeMs } from '../apel/index.js';

/**
 * Deepest nesting of arrays and objects a document may have. A cip 1.x document nests 6 levels
 * (`$.Share[0].OtherInfo.quotas.…`); validating, rendering or printing a value thousands of
 * levels deep overflows the stack, so deeper documents are refused before anything recurses.
 */
export const MAX_GLUE_NESTING_DEPTH = 64;

/** Earliest CreationTime accepted: 2000-01-01T00:00:00Z (GLUE 2.0 dates from 2009). */
export const EARLIEST_GLUE_TIME_MS = Date.UTC(2000, 0, 1);

/** Latest CreationTime accepted: the end of year 2100, so that every date formats as `YYYY-…`. */
export const LATEST_GLUE_TIME_MS = Date.UTC(2101, 0, 1) - 1;

// Paths are kept down to `$.Class[i].Field`, enough to name the entity and the field at fault.
const PATH_LEVELS = 3;

function childPath(path: string, key: string, isArray: boolean, level: number): string {
  if (level > PATH_LEVELS) return path;
  if (isArray) return `${path}[${key}]`;
  return /^[A-Za-z_]\w*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * The issue of a value nested deeper than {@link MAX_GLUE_NESTING_DEPTH}, naming the entity and
 * field where it goes too deep; `undefined` when the value is shallow enough. Iterative, so any
 * depth (and a cyclic value) is safe.
 */
export function findTooDeep(value: unknown, limit = MAX_GLUE_NESTING_DEPTH): GlueIssue | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 1, path: '$' }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v !== 'object' || v === null) continue;
    if (item.depth > limit) {
      return {
        path: item.path,
        expected: `JSON nested at most ${limit} levels deep`,
        found: `more than ${limit} levels`,
      };
    }
    const isArray = Array.isArray(v);
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) {
        stack.push({
          value: child,
          depth: item.depth + 1,
          path: childPath(item.path, key, isArray, item.depth),
        });
      }
    }
  }
  return undefined;
}

/**
 * Milliseconds since the epoch of a GLUE CreationTime whose every part is real (no 30 February,
 * no hour 24, no zone +99:00; `Date.parse` rolls some of those over instead of refusing them).
 * A time without zone is UTC (early cip 1.x wrote naive times).
 * @returns the time, or `undefined` when the text is not such a date-time
 */
export function parseStrictGlueTime(text: string): number | undefined {
  // the schema's pattern asks for minutes in a zone; the shared reader also takes `+HH`
  if (/[+-]\d{2}$/.test(text)) return undefined;
  return parseIsoDateTimeMs(text);
}

/**
 * One issue per entity whose CreationTime is not a real date-time from 2000 to 2100: the hub
 * formats these dates (and CreationTime + Validity) later, and `new Date(NaN).toISOString()` throws.
 */
export function checkEntityTimes(document: Readonly<Record<string, unknown>>): GlueIssue[] {
  const issues: GlueIssue[] = [];
  for (const name of GLUE_CLASS_NAMES) {
    const entities = document[name];
    if (!Array.isArray(entities)) continue;
    entities.forEach((entity: { CreationTime?: unknown }, i) => {
      const text = entity.CreationTime;
      if (typeof text !== 'string') return;
      const ms = parseStrictGlueTime(text);
      if (ms === undefined || ms < EARLIEST_GLUE_TIME_MS || ms > LATEST_GLUE_TIME_MS) {
        issues.push({
          path: `$.${name}[${i}].CreationTime`,
          expected: 'a real ISO-8601 date-time in the years 2000 to 2100',
          found: JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text),
        });
      }
    });
  }
  return issues;
}
