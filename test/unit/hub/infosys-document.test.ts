import { describe, expect, it } from 'vitest';
import { MAX_GLUE_NESTING_DEPTH as MAX_GLUE_DEPTH } from '../../../src/formats/glue/index.js';
import { readInfosysDocument } from '../../../src/hub/infosys/index.js';
import { documentFor, T0 } from '../../helpers/infosys-fixtures.js';

describe('readInfosysDocument', () => {
  const text = JSON.stringify(documentFor('SITE-A'));

  it('reads a document and its expiry', () => {
    const doc = readInfosysDocument('SITE-A', text);
    expect(doc.text).toBe(text);
    expect(doc.expiresAtMs).toBe(T0 + 3600_000);
    expect(doc.view.name).toBe('SITE-A');
  });

  it(`accepts ${MAX_GLUE_DEPTH} levels and refuses one more, naming where`, () => {
    // the service's OtherInfo is the 4th level: document, class list, entity, OtherInfo
    const nested = (n: number) =>
      text.replace('"OtherInfo":{', `"OtherInfo":{"x":${'['.repeat(n)}${']'.repeat(n)},`);
    expect(readInfosysDocument('SITE-A', nested(MAX_GLUE_DEPTH - 4)).view.name).toBe('SITE-A');
    expect(() => readInfosysDocument('SITE-A', nested(MAX_GLUE_DEPTH - 3))).toThrow(
      expect.objectContaining({ code: 'GLUE_INVALID', field: expect.stringContaining('OtherInfo') }),
    );
  });

  it('refuses a parsed value that is too deep or cyclic', () => {
    const doc = documentFor('SITE-A') as unknown as { CloudComputingService: { OtherInfo: object }[] };
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    doc.CloudComputingService[0]!.OtherInfo = cycle;
    expect(() => readInfosysDocument('SITE-A', doc)).toThrow(
      expect.objectContaining({ code: 'GLUE_INVALID' }),
    );
  });

  it('refuses a CreationTime that is no date, naming the field', () => {
    const doc = documentFor('SITE-A');
    doc.CloudComputingService[0]!.CreationTime = '2026-13-45T00:00:00Z';
    expect(() => readInfosysDocument('SITE-A', JSON.stringify(doc))).toThrow(
      expect.objectContaining({ code: 'GLUE_INVALID', field: '$.CloudComputingService[0].CreationTime' }),
    );
  });

  it('refuses a Validity whose expiry no Date can show, naming the field', () => {
    const doc = documentFor('SITE-A');
    doc.CloudComputingService[0]!.Validity = 10_000_000_000_000;
    expect(() => readInfosysDocument('SITE-A', JSON.stringify(doc))).toThrow(
      expect.objectContaining({ code: 'GLUE_INVALID', field: '$.CloudComputingService[0].Validity' }),
    );
  });

  it('refuses a body that is not JSON, or missing', () => {
    expect(() => readInfosysDocument('SITE-A', '{')).toThrow(
      expect.objectContaining({ code: 'GLUE_INVALID' }),
    );
    expect(() => readInfosysDocument('SITE-A', undefined)).toThrow(
      expect.objectContaining({ code: 'GLUE_INVALID' }),
    );
  });

  it('refuses the document of another site', () => {
    expect(() => readInfosysDocument('SITE-B', text)).toThrow(
      expect.objectContaining({ code: 'HUB_REQUEST_INVALID' }),
    );
  });
});
