// Validates a GLUE 2.1 JSON document against the schema Fedstack ships and checks its cross-references.
import { Ajv, type ErrorObject } from 'ajv';
import { FormatError } from '../../errors.js';
import schema from './glue21.schema.json' with { type: 'json' };
import { checkEntityTimes, findTooDeep } from './glue-value-checks.js';
import { GLUE_CLASS_NAMES, type GlueDocument } from './types.js';

/** One problem found in a GLUE document, at a JSON path such as `$.Share[0].ProjectID`. */
export interface GlueIssue {
  readonly path: string;
  /** What was expected there. */
  readonly expected: string;
  /** A short rendering of what was found, when something was. */
  readonly found?: string;
}

/** Outcome of {@link parseGlueDocument}. */
export type GlueParseResult =
  | { readonly kind: 'valid'; readonly document: GlueDocument }
  | { readonly kind: 'invalid'; readonly issues: readonly GlueIssue[] };

/** At most this many issues are reported for one document. */
export const MAX_GLUE_ISSUES = 50;

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
const validate = ajv.compile(schema);

function jsonPath(pointer: string, extra?: string): string {
  const parts = pointer === '' ? [] : pointer.slice(1).split('/');
  if (extra !== undefined) parts.push(extra);
  let path = '$';
  for (const raw of parts) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(part)
      ? `[${part}]`
      : /^[A-Za-z_][\w]*$/.test(part)
        ? `.${part}`
        : `[${JSON.stringify(part)}]`;
  }
  return path;
}

function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function toIssue(error: ErrorObject): GlueIssue {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        path: jsonPath(error.instancePath, String(p.missingProperty)),
        expected: 'a value (required)',
      };
    case 'type':
      return {
        path: jsonPath(error.instancePath),
        expected: `a value of type ${String(p.type)}`,
        found: show(error.data),
      };
    case 'minimum':
      return {
        path: jsonPath(error.instancePath),
        expected: `a number >= ${String(p.limit)}`,
        found: show(error.data),
      };
    case 'maximum':
      return {
        path: jsonPath(error.instancePath),
        expected: `a number <= ${String(p.limit)}`,
        found: show(error.data),
      };
    case 'minLength':
      return { path: jsonPath(error.instancePath), expected: 'a non-empty string', found: show(error.data) };
    case 'minItems':
      return {
        path: jsonPath(error.instancePath),
        expected: `at least ${String(p.limit)} item(s)`,
        found: show(error.data),
      };
    case 'enum':
      return {
        path: jsonPath(error.instancePath),
        expected: `one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        found: show(error.data),
      };
    case 'pattern':
      return {
        path: jsonPath(error.instancePath),
        expected: 'an ISO-8601 date-time',
        found: show(error.data),
      };
    default:
      return {
        path: jsonPath(error.instancePath),
        expected: error.message ?? error.keyword,
        found: show(error.data),
      };
  }
}

function checkReferences(doc: GlueDocument): GlueIssue[] {
  const issues: GlueIssue[] = [];
  const shareIds = new Set(doc.Share.map((s) => s.ID));
  const acceleratorIds = new Set(doc.CloudComputingVirtualAccelerator.map((a) => a.ID));
  const refer = (
    path: string,
    ids: readonly string[] | undefined,
    known: Set<string>,
    what: string,
  ): void => {
    ids?.forEach((id, i) => {
      if (!known.has(id))
        issues.push({
          path: `${path}[${i}]`,
          expected: `the ID of a ${what} in this document`,
          found: show(id),
        });
    });
  };
  doc.MappingPolicy.forEach((m, i) =>
    refer(`$.MappingPolicy[${i}].Associations.Share`, m.Associations?.Share, shareIds, 'Share'),
  );
  doc.CloudComputingImage.forEach((m, i) =>
    refer(`$.CloudComputingImage[${i}].Associations.Share`, m.Associations?.Share, shareIds, 'Share'),
  );
  doc.CloudComputingInstanceType.forEach((t, i) => {
    const base = `$.CloudComputingInstanceType[${i}].Associations`;
    refer(`${base}.Share`, t.Associations?.Share, shareIds, 'Share');
    refer(
      `${base}.CloudComputingVirtualAccelerator`,
      t.Associations?.CloudComputingVirtualAccelerator,
      acceleratorIds,
      'CloudComputingVirtualAccelerator',
    );
  });
  return issues;
}

/**
 * Parses and validates a GLUE 2.1 JSON document (cloud-info-provider 1.x rendering)
 * against `glue21.schema.json`, then checks that associations point at entities of
 * the document. Takes the JSON text or an already parsed value.
 *
 * Read leniently: unknown properties are kept, missing optional class lists become
 * empty lists, naive CreationTimes are accepted (early cip 1.x wrote them), and
 * repeated image/flavor IDs are accepted (cip 1.x repeats them once per share).
 * Strict on ranges: a value nested more than 64 levels deep is refused before
 * anything recurses into it; every CreationTime must be a real date-time in the
 * years 2000 to 2100, Validity at most 100 years, counts and sizes 0 to 2^40.
 * @example
 * const result = parseGlueDocument(text);
 * if (result.kind === 'invalid') console.log(result.issues[0].path);
 */
export function parseGlueDocument(input: unknown): GlueParseResult {
  let value = input;
  if (typeof input === 'string') {
    // V8's JSON.parse does not recurse, so any depth parses; findTooDeep below refuses it by path
    try {
      value = JSON.parse(input);
    } catch (error) {
      return {
        kind: 'invalid',
        issues: [{ path: '$', expected: 'JSON text', found: (error as Error).message }],
      };
    }
  }
  const tooDeep = findTooDeep(value);
  if (tooDeep) return { kind: 'invalid', issues: [tooDeep] };
  if (!validate(value)) {
    const issues = (validate.errors ?? []).filter((e) => e.keyword !== 'allOf').map(toIssue);
    return { kind: 'invalid', issues: issues.slice(0, MAX_GLUE_ISSUES) };
  }
  const raw = value as Partial<Record<string, unknown>>;
  const document = { ...raw } as unknown as Record<string, unknown[]>;
  for (const name of GLUE_CLASS_NAMES) document[name] ??= [];
  const doc = document as unknown as GlueDocument;
  const issues = [...checkEntityTimes(document), ...checkReferences(doc)];
  if (issues.length > 0) return { kind: 'invalid', issues: issues.slice(0, MAX_GLUE_ISSUES) };
  return { kind: 'valid', document: doc };
}

/** The issues of an invalid document as one {@link FormatError} (code `GLUE_INVALID`), naming the first path. */
export function toGlueError(issues: readonly GlueIssue[], file?: string): FormatError {
  const first = issues[0] ?? { path: '$', expected: 'a GLUE 2.1 document' };
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue(s))` : '';
  return new FormatError('GLUE_INVALID', { file, field: first.path }, first.expected + more, first.found);
}

/**
 * Parses a GLUE document or throws.
 * @throws FormatError with code `GLUE_INVALID`, naming the JSON path of the first issue.
 */
export function readGlueDocument(input: unknown, file?: string): GlueDocument {
  const result = parseGlueDocument(input);
  if (result.kind === 'invalid') throw toGlueError(result.issues, file);
  return result.document;
}
