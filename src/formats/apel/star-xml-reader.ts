// Reads EMI StAR XML into storage records: namespace and structure checks, one error per bad record.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FormatError } from '../../errors.js';
import { parseIsoDateTime } from './iso-date-time.js';
import {
  STAR_HEAD_ELEMENTS,
  STAR_SUBJECT_ELEMENTS,
  STAR_TAIL_ELEMENTS,
  type StarElement,
  type StorageGroupAttribute,
  type StorageRecord,
} from './storage-record.js';
import { STAR_NAMESPACE } from './types.js';
import { checkReadString, describeFound, MAX_VALUE_LENGTH } from './wire-value.js';

type XmlNode = Record<string, unknown>;

const RECORD_ELEMENTS = new Map<string, StarElement>(
  [...STAR_HEAD_ELEMENTS, ...STAR_TAIL_ELEMENTS].map((e) => [e.name, e]),
);
const SUBJECT_ELEMENTS = new Map<string, StarElement>(STAR_SUBJECT_ELEMENTS.map((e) => [e.name, e]));

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => localName(name) === 'StorageUsageRecord' || localName(name) === 'GroupAttribute',
});

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function invalidMessage(expected: string, found?: string): FormatError {
  return new FormatError('APEL_MESSAGE_INVALID', {}, expected, found);
}

/** A record-level failure, turned into a FormatError with the record index by the caller. */
class RecordFailure {
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly found?: string,
  ) {}
}

/**
 * Parses a StAR document into records and per-record errors.
 * @throws FormatError `APEL_MESSAGE_INVALID` when it is not well-formed XML
 *   with one StAR root element
 */
export function readStarDocument(text: string): { records: StorageRecord[]; errors: FormatError[] } {
  // StAR never needs a DTD; refusing one rules out entity-expansion attacks
  if (/<!DOCTYPE/i.test(text)) throw invalidMessage('StAR XML without a DOCTYPE');
  const validation = XMLValidator.validate(text);
  if (validation !== true) throw invalidMessage('well-formed XML', validation.err.msg);
  let document: XmlNode;
  try {
    document = parser.parse(text) as XmlNode;
  } catch (error) {
    // the parser's own limits (nesting depth, entity counts) throw plain errors
    throw invalidMessage(
      'StAR XML within the parser limits',
      error instanceof Error ? error.message : String(error),
    );
  }
  const roots = Object.keys(document);
  if (roots.length !== 1) throw invalidMessage('one root element', `${roots.length}`);
  const rootName = roots[0]!;
  // a single StorageUsageRecord root comes back as a one-element array (isArray above)
  const rawRoot = document[rootName];
  const root = Array.isArray(rawRoot) ? (rawRoot[0] as unknown) : rawRoot;
  const colon = rootName.indexOf(':');
  const prefix = colon === -1 ? '' : rootName.slice(0, colon + 1);
  const declared = isNode(root)
    ? root[`@xmlns${colon === -1 ? '' : `:${rootName.slice(0, colon)}`}`]
    : undefined;
  if (declared !== STAR_NAMESPACE) {
    throw invalidMessage(
      `the StAR namespace ${STAR_NAMESPACE} on the root element`,
      describeFound(String(declared)),
    );
  }
  const rootLocal = localName(rootName);
  let items: unknown[];
  if (rootLocal === 'StorageUsageRecords') {
    const inner = isNode(root) ? root[`${prefix}StorageUsageRecord`] : undefined;
    items = Array.isArray(inner) ? inner : [];
  } else if (rootLocal === 'StorageUsageRecord') {
    items = [root];
  } else {
    throw invalidMessage('a StorageUsageRecords or StorageUsageRecord root element', rootLocal);
  }
  const records: StorageRecord[] = [];
  const errors: FormatError[] = [];
  items.forEach((item, index) => {
    const outcome = readRecord(item, prefix);
    if (outcome instanceof RecordFailure) {
      const where = { recordIndex: index, field: outcome.field };
      errors.push(new FormatError('APEL_FIELD_INVALID', where, outcome.expected, outcome.found));
    } else {
      records.push(outcome);
    }
  });
  return { records, errors };
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Text content of an element: a string, or the #text of an element with attributes.
function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (isNode(node) && typeof node['#text'] === 'string') return node['#text'];
  return isNode(node) ? '' : undefined;
}

function attributeOf(node: unknown, prefix: string, name: string): string | undefined {
  if (!isNode(node)) return undefined;
  // attributes are read with or without the namespace prefix: producers differ
  const value = node[`@${prefix}${name}`] ?? node[`@${name}`];
  return typeof value === 'string' ? value : undefined;
}

/** The failure of an element that stands more than once where the schema allows it once. */
function repeatedElement(field: string, occurrences: readonly unknown[]): RecordFailure {
  return new RecordFailure(field, 'the element once', `${occurrences.length} times`);
}

function readValue(element: StarElement, raw: unknown, field: string): unknown {
  if (Array.isArray(raw)) return repeatedElement(field, raw);
  const text = textOf(raw);
  if (text === undefined) return new RecordFailure(field, 'a text element');
  if (text === '') return undefined;
  switch (element.kind) {
    case 'string': {
      const problem = checkReadString(text, MAX_VALUE_LENGTH);
      return problem ? new RecordFailure(field, problem.expected, problem.found) : text;
    }
    case 'integer':
      return /^\d{1,15}$/.test(text)
        ? Number(text)
        : new RecordFailure(field, 'an integer >= 0', describeFound(text));
    case 'bytes':
      // 30 digits at most: the range of MAX_STAR_CAPACITY_BYTES (leading zeros aside)
      return /^0*\d{1,30}$/.test(text)
        ? BigInt(text)
        : new RecordFailure(field, 'an integer number of bytes between 0 and 10^30 - 1', describeFound(text));
    case 'time':
      return (
        parseIsoDateTime(text, false) ??
        new RecordFailure(field, 'an ISO 8601 date-time', describeFound(text))
      );
  }
}

function readRecord(node: unknown, prefix: string): StorageRecord | RecordFailure {
  if (!isNode(node)) return new RecordFailure('StorageSystem', 'a value (the field is mandatory)');
  const record: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(node)) {
    if (name.startsWith('@') || name === '#text') continue;
    const local = name.startsWith(prefix) ? name.slice(prefix.length) : name;
    const failure =
      local === 'RecordIdentity'
        ? readIdentity(raw, prefix, record)
        : local === 'SubjectIdentity'
          ? readSubject(raw, prefix, record)
          : readSimple(RECORD_ELEMENTS.get(local), raw, local, record);
    if (failure) return failure;
  }
  const mandatory: [string, keyof StorageRecord][] = [
    ['RecordId', 'recordId'],
    ['CreateTime', 'createTime'],
    ...[...STAR_HEAD_ELEMENTS, ...STAR_TAIL_ELEMENTS]
      .filter((e) => e.isMandatory)
      .map((e): [string, keyof StorageRecord] => [e.name, e.key]),
  ];
  for (const [field, key] of mandatory) {
    if (record[key] === undefined) return new RecordFailure(field, 'a value (the field is mandatory)');
  }
  return record as unknown as StorageRecord;
}

function readSimple(
  element: StarElement | undefined,
  raw: unknown,
  field: string,
  record: Record<string, unknown>,
): RecordFailure | undefined {
  if (element === undefined) return new RecordFailure(field, 'a known StAR element (unknown element)');
  const value = readValue(element, raw, field);
  if (value instanceof RecordFailure) return value;
  if (value !== undefined) record[element.key] = value;
  return undefined;
}

function readIdentity(
  raw: unknown,
  prefix: string,
  record: Record<string, unknown>,
): RecordFailure | undefined {
  if (Array.isArray(raw)) return repeatedElement('RecordIdentity', raw);
  const recordId = attributeOf(raw, prefix, 'recordId');
  const createTime = attributeOf(raw, prefix, 'createTime');
  if (recordId) {
    const problem = checkReadString(recordId, MAX_VALUE_LENGTH);
    if (problem) return new RecordFailure('RecordId', problem.expected, problem.found);
    record.recordId = recordId;
  }
  if (createTime) {
    const epoch = parseIsoDateTime(createTime, false);
    if (epoch === undefined)
      return new RecordFailure('CreateTime', 'an ISO 8601 date-time', describeFound(createTime));
    record.createTime = epoch;
  }
  return undefined;
}

function readSubject(
  raw: unknown,
  prefix: string,
  record: Record<string, unknown>,
): RecordFailure | undefined {
  if (Array.isArray(raw)) return repeatedElement('SubjectIdentity', raw);
  if (!isNode(raw)) return undefined;
  for (const [name, child] of Object.entries(raw)) {
    if (name.startsWith('@') || name === '#text') continue;
    const local = name.startsWith(prefix) ? name.slice(prefix.length) : name;
    if (local === 'GroupAttribute') {
      const attributes = readGroupAttributes(child as unknown[], prefix);
      if (attributes instanceof RecordFailure) return attributes;
      record.groupAttributes = attributes;
      continue;
    }
    const failure = readSimple(SUBJECT_ELEMENTS.get(local), child, local, record);
    if (failure) return failure;
  }
  return undefined;
}

function readGroupAttributes(nodes: unknown[], prefix: string): StorageGroupAttribute[] | RecordFailure {
  const attributes: StorageGroupAttribute[] = [];
  for (const node of nodes) {
    const attributeType = attributeOf(node, prefix, 'attributeType');
    const value = textOf(node) ?? '';
    if (!attributeType) return new RecordFailure('GroupAttribute', 'an attributeType attribute');
    const problem =
      checkReadString(attributeType, MAX_VALUE_LENGTH) ?? checkReadString(value, MAX_VALUE_LENGTH);
    if (problem) return new RecordFailure('GroupAttribute', problem.expected, problem.found);
    attributes.push({ attributeType, value });
  }
  return attributes;
}
