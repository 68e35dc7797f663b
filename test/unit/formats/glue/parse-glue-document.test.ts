import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import {
  buildGlueDocument,
  parseGlueDocument,
  readGlueDocument,
  type GlueDocument,
} from '../../../../src/formats/glue/index.js';
import { fixtureText, sampleSnapshot } from '../../../helpers/glue-fixtures.js';

function validDoc(): GlueDocument {
  return buildGlueDocument(sampleSnapshot(), { now: new Date('2026-03-01T00:00:00Z') });
}

function issuesOf(input: unknown) {
  const result = parseGlueDocument(input);
  if (result.kind === 'valid') throw new Error('expected the document to be invalid');
  return result.issues;
}

describe('parseGlueDocument', () => {
  it('accepts a document in the shape cloud-info-provider 1.x writes, quirks included', () => {
    const result = parseGlueDocument(fixtureText('cip-1x-document.json'));
    expect(result.kind).toBe('valid');
  });

  it('accepts a CreationTime without time zone, as early cip 1.x releases wrote', () => {
    const doc = validDoc();
    doc.Share[0]!.CreationTime = '2025-05-08T15:07:06.423857';
    expect(parseGlueDocument(doc).kind).toBe('valid');
  });

  it('accepts an image ID repeated once per share, as cip 1.x repeats it', () => {
    const doc = JSON.parse(fixtureText('cip-1x-document.json')) as GlueDocument;
    expect(doc.CloudComputingImage[0]!.ID).toBe(doc.CloudComputingImage[1]!.ID);
    expect(parseGlueDocument(doc).kind).toBe('valid');
  });

  it('fills class lists a producer left out with empty lists', () => {
    const doc = validDoc() as Partial<GlueDocument>;
    delete doc.CloudComputingVirtualAccelerator;
    delete doc.CloudComputingInstanceType;
    const result = parseGlueDocument(doc);
    expect(result.kind).toBe('valid');
    if (result.kind === 'valid') {
      expect(result.document.CloudComputingVirtualAccelerator).toEqual([]);
      expect(result.document.CloudComputingInstanceType).toEqual([]);
    }
  });

  it('names the JSON path of a missing required property', () => {
    const doc = validDoc() as unknown as { Share: Record<string, unknown>[] };
    delete doc.Share[1]!.ProjectID;
    expect(issuesOf(doc)).toContainEqual({ path: '$.Share[1].ProjectID', expected: 'a value (required)' });
  });

  it('names the JSON path and the value of a field of the wrong type', () => {
    const doc = validDoc() as unknown as { CloudComputingInstanceType: Record<string, unknown>[] };
    doc.CloudComputingInstanceType[2]!.CPU = '8';
    expect(issuesOf(doc)).toContainEqual({
      path: '$.CloudComputingInstanceType[2].CPU',
      expected: 'a value of type integer',
      found: '"8"',
    });
  });

  it('rejects a service without a GOCDB site name in AdminDomain', () => {
    const doc = validDoc();
    doc.CloudComputingService[0]!.Associations = {};
    expect(issuesOf(doc).map((i) => i.path)).toContain('$.CloudComputingService[0].Associations.AdminDomain');
  });

  it('rejects a fractional accelerator number', () => {
    const doc = validDoc();
    doc.CloudComputingVirtualAccelerator[0]!.Number = 0.5;
    expect(issuesOf(doc).map((i) => i.path)).toContain('$.CloudComputingVirtualAccelerator[0].Number');
  });

  it('rejects a document with no endpoint', () => {
    const doc = validDoc();
    doc.CloudComputingEndpoint = [];
    expect(issuesOf(doc)).toContainEqual(
      expect.objectContaining({ path: '$.CloudComputingEndpoint', expected: 'at least 1 item(s)' }),
    );
  });

  it('reports text that is not JSON at the root path', () => {
    const issues = issuesOf('{"CloudComputingService": [');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: '$', expected: 'JSON text' });
  });

  it('reports a mapping policy that points at a share the document does not have', () => {
    const doc = validDoc();
    doc.MappingPolicy[0]!.Associations!.Share = ['no-such-share'];
    expect(issuesOf(doc)).toContainEqual({
      path: '$.MappingPolicy[0].Associations.Share[0]',
      expected: 'the ID of a Share in this document',
      found: '"no-such-share"',
    });
  });

  it('reports an instance type that points at a missing accelerator', () => {
    const doc = validDoc();
    doc.CloudComputingVirtualAccelerator = [];
    expect(issuesOf(doc).map((i) => i.path)).toEqual([
      '$.CloudComputingInstanceType[2].Associations.CloudComputingVirtualAccelerator[0]',
    ]);
  });

  it('quotes property names that are not identifiers in the path', () => {
    const doc = validDoc() as unknown as { CloudComputingImage: { OtherInfo: unknown }[] };
    doc.CloudComputingImage[0]!.OtherInfo = 'not an object';
    expect(issuesOf(doc).map((i) => i.path)).toContain('$.CloudComputingImage[0].OtherInfo');
  });
});

describe('ranges of GLUE values', () => {
  it('rejects a Validity that would make the expiry date unformattable, naming entity and field', () => {
    const doc = validDoc();
    doc.CloudComputingService[0]!.Validity = 10000000000000;
    expect(issuesOf(doc)).toContainEqual({
      path: '$.CloudComputingService[0].Validity',
      expected: 'a number <= 3155760000',
      found: '10000000000000',
    });
  });

  it.each([
    ['2025-02-30T00:00:00Z', 'a day February does not have'],
    ['2025-13-01T00:00:00Z', 'month 13'],
    ['2025-01-01T24:00:00Z', 'hour 24'],
    ['2025-01-01T00:00:00+99:00', 'a zone offset of 99 hours'],
    ['1970-01-01T00:00:00Z', 'a year before 2000'],
    ['2101-01-01T00:00:00Z', 'a year after 2100'],
    ['0000-01-01T00:00:00', 'year 0'],
  ])('rejects the CreationTime %s (%s), naming entity and field', (time) => {
    const doc = validDoc();
    doc.Share[1]!.CreationTime = time;
    expect(issuesOf(doc)).toContainEqual({
      path: '$.Share[1].CreationTime',
      expected: 'a real ISO-8601 date-time in the years 2000 to 2100',
      found: JSON.stringify(time),
    });
  });

  it('accepts CreationTimes at both ends of the years 2000 to 2100, offsets included', () => {
    const doc = validDoc();
    doc.Share[0]!.CreationTime = '2000-01-01T00:00:00Z';
    doc.Share[1]!.CreationTime = '2100-12-31T23:59:59.999+00:00';
    doc.CloudComputingService[0]!.CreationTime = '2000-01-01T01:30:00+0130';
    expect(parseGlueDocument(doc).kind).toBe('valid');
  });

  it.each([
    ['TotalVM', -1, 'a number >= 0'],
    ['RunningVM', 1e300, 'a number <= 1099511627776'],
    ['MaxVM', 2 ** 40 + 1, 'a number <= 1099511627776'],
  ])('rejects a share %s of %d, naming entity and field', (field, value, expected) => {
    const doc = validDoc() as unknown as { Share: Record<string, unknown>[] };
    doc.Share[0]![field] = value;
    expect(issuesOf(doc)).toContainEqual({
      path: `$.Share[0].${field}`,
      expected,
      found: JSON.stringify(value),
    });
  });

  it('rejects JSON text nested thousands of levels deep with a clear issue, not a stack overflow', () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const text = JSON.stringify(validDoc()).replace('"OtherInfo":{', `"OtherInfo":${deep},"Was":{`);
    expect(issuesOf(text)).toEqual([
      {
        path: '$.CloudComputingService[0].OtherInfo',
        expected: 'JSON nested at most 64 levels deep',
        found: 'more than 64 levels',
      },
    ]);
  });

  it('rejects a parsed value nested too deep, and a cyclic one, without recursing', () => {
    const doc = validDoc() as unknown as { Share: Record<string, unknown>[] };
    let deep: unknown[] = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    doc.Share[1]!.OtherInfo = { deep };
    expect(issuesOf(doc).map((i) => i.path)).toEqual(['$.Share[1].OtherInfo']);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    doc.Share[1]!.OtherInfo = cyclic;
    expect(issuesOf(doc).map((i) => i.expected)).toEqual(['JSON nested at most 64 levels deep']);
  });

  it('throws GLUE_INVALID from readGlueDocument for a too-deep document', () => {
    const text = `{"Share":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(() => readGlueDocument(text)).toThrow(expect.objectContaining({ code: 'GLUE_INVALID' }));
  });
});

describe('readGlueDocument', () => {
  it('returns the document when it is valid', () => {
    const doc = validDoc();
    expect(readGlueDocument(JSON.stringify(doc))).toEqual(doc);
  });

  it('throws a GLUE_INVALID format error that names the file and the JSON path', () => {
    const doc = validDoc() as unknown as { Share: Record<string, unknown>[] };
    delete doc.Share[0]!.ProjectID;
    let caught: unknown;
    try {
      readGlueDocument(doc, 'site-a.json');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FormatError);
    expect((caught as FormatError).code).toBe('GLUE_INVALID');
    expect((caught as FormatError).message).toBe(
      'site-a.json, field $.Share[0].ProjectID: expected a value (required)',
    );
  });
});
