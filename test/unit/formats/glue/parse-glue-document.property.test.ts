// Property tests of the GLUE 2.1 parser: generated documents read back unchanged, one bad value is
// named by entity and field, and no input makes it throw or pass a date the hub cannot format.
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import {
  buildGlueDocument,
  MAX_GLUE_ISSUES,
  parseGlueDocument,
  readGlueDocument,
  readGlueSite,
  renderLdif,
  type GlueDocument,
} from '../../../../src/formats/glue/index.js';
import { fc } from '../../../helpers/fuzz.js';
import { mutationOf, randomTextOf } from '../../../helpers/fuzz-inputs.js';
import { fixtureText, sampleSnapshot } from '../../../helpers/glue-fixtures.js';

const EARLIEST_MS = Date.UTC(2000, 0, 1);
const LATEST_MS = Date.UTC(2101, 0, 1) - 1;
const MAX_VALIDITY = 3_155_760_000;
const MAX_COUNT = 2 ** 40;

const validDocument: fc.Arbitrary<GlueDocument> = fc
  .record({
    nowMs: fc.integer({ min: EARLIEST_MS, max: LATEST_MS }),
    validitySeconds: fc.oneof(
      fc.constantFrom(0, 43_200, MAX_VALIDITY),
      fc.integer({ min: 0, max: MAX_VALIDITY }),
    ),
  })
  .map(({ nowMs, validitySeconds }) =>
    buildGlueDocument(sampleSnapshot(), { now: new Date(nowMs), validitySeconds }),
  );

const SAMPLES = [
  fixtureText('cip-1x-document.json'),
  JSON.stringify(buildGlueDocument(sampleSnapshot(), { now: new Date('2026-03-01T00:00:00Z') })),
];

/** Every place of a value in a JSON tree, as a list of keys, found without recursion. */
function pathsOf(value: unknown): (string | number)[][] {
  const paths: (string | number)[][] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    paths.push(item.path);
    if (typeof item.value === 'object' && item.value !== null) {
      for (const [k, v] of Object.entries(item.value)) {
        stack.push({ value: v, path: [...item.path, Array.isArray(item.value) ? Number(k) : k] });
      }
    }
  }
  return paths;
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return root;
}

/** A valid document with one value anywhere in it replaced by random JSON. */
const changedDocument = fc
  .tuple(fc.constantFrom(...SAMPLES), fc.nat(), fc.jsonValue({ maxDepth: 3 }))
  .map(([text, pick, value]) => {
    const doc = JSON.parse(text) as unknown;
    const paths = pathsOf(doc);
    return setAt(doc, paths[pick % paths.length]!, value);
  });

/** Checks what the hub does with a document the parser called valid: it formats its dates and renders it. */
function expectServable(document: GlueDocument): void {
  const view = readGlueSite(document);
  expect(Number.isFinite(view.createdAtMs)).toBe(true);
  expect(() => new Date(view.createdAtMs + view.validitySeconds * 1000).toISOString()).not.toThrow();
  expect(() => renderLdif(document)).not.toThrow();
}

// (entity class, numeric field) pairs the schema bounds, with the documents' entity counts > 0
const NUMERIC_FIELDS: readonly [keyof GlueDocument, string, number][] = [
  ['CloudComputingService', 'Validity', MAX_VALIDITY],
  ['CloudComputingService', 'TotalVM', MAX_COUNT],
  ['CloudComputingManager', 'TotalCPUs', MAX_COUNT],
  ['Share', 'RunningVM', MAX_COUNT],
  ['Share', 'InstanceMaxRAM', MAX_COUNT],
  ['CloudComputingInstanceType', 'CPU', MAX_COUNT],
  ['CloudComputingInstanceType', 'Disk', MAX_COUNT],
  ['CloudComputingVirtualAccelerator', 'Number', MAX_COUNT],
  ['MappingPolicy', 'Validity', MAX_VALIDITY],
];

describe('parseGlueDocument (properties)', () => {
  it('reads back every generated document unchanged, and the hub can format its dates', () => {
    fc.assert(
      fc.property(validDocument, (doc) => {
        const result = parseGlueDocument(JSON.stringify(doc));
        expect(result).toEqual({ kind: 'valid', document: doc });
        if (result.kind === 'valid') expectServable(result.document);
      }),
    );
  });

  it('names the entity and field of one number out of range', () => {
    const bad = fc
      .tuple(validDocument, fc.constantFrom(...NUMERIC_FIELDS), fc.nat())
      .chain(([doc, [name, field, max], pick]) =>
        fc
          .oneof(
            fc.integer({ min: -(2 ** 40), max: -1 }),
            fc.double({ min: max + 1, max: 1e300, noNaN: true, noDefaultInfinity: true }),
            fc.double({ min: 0.01, max: 0.99, noNaN: true }),
          )
          .map((value) => ({ doc, name, field, index: pick % doc[name].length, value })),
      );
    fc.assert(
      fc.property(bad, ({ doc, name, field, index, value }) => {
        (doc[name][index] as unknown as Record<string, unknown>)[field] = value;
        const result = parseGlueDocument(JSON.stringify(doc));
        expect(result.kind).toBe('invalid');
        if (result.kind === 'invalid')
          expect(result.issues.map((i) => i.path)).toContain(`$.${name}[${index}].${field}`);
      }),
    );
  });

  it('reads a CreationTime of random text as a valid date or an issue naming entity and field', () => {
    const time = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$/),
    );
    const changed = fc
      .tuple(validDocument, fc.nat(), time)
      .map(([doc, pick, text]) => ({ doc, index: pick % doc.Share.length, text }));
    fc.assert(
      fc.property(changed, ({ doc, index, text }) => {
        doc.Share[index]!.CreationTime = text;
        const result = parseGlueDocument(doc);
        if (result.kind === 'invalid')
          expect(result.issues.map((i) => i.path)).toEqual([`$.Share[${index}].CreationTime`]);
        else {
          const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`);
          expect(ms).toBeGreaterThanOrEqual(EARLIEST_MS);
          expect(ms).toBeLessThanOrEqual(LATEST_MS);
        }
      }),
    );
  });

  it('never throws on any text, mutated sample or changed document, and what it accepts the hub can serve', () => {
    const deep = fc
      .integer({ min: 60, max: 3000 })
      .map((n) => `{"Share":[${'['.repeat(n)}${']'.repeat(n)}]}`);
    const input = fc.oneof(
      mutationOf(SAMPLES),
      randomTextOf(SAMPLES),
      changedDocument,
      fc.jsonValue({ maxDepth: 4 }),
      deep,
    );
    fc.assert(
      fc.property(input, (value) => {
        const result = parseGlueDocument(value);
        if (result.kind === 'valid') {
          expectServable(result.document);
          return;
        }
        expect(result.issues.length).toBeGreaterThan(0);
        expect(result.issues.length).toBeLessThanOrEqual(MAX_GLUE_ISSUES);
        for (const issue of result.issues) expect(issue.path.startsWith('$')).toBe(true);
        let thrown: unknown;
        try {
          readGlueDocument(value);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(FormatError);
        expect((thrown as FormatError).code).toBe('GLUE_INVALID');
      }),
    );
  });
});
