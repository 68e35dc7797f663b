import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  FormatError,
  FedstackError,
  ConfigError,
  HTTP_STATUS_BY_CODE,
} from '../../src/errors.js';

describe('error catalogue', () => {
  it('lists exactly the codes of src/errors.ts in docs/errors.md', () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| ([A-Z][A-Z0-9_]+) \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('shows in docs/errors.md the HTTP status src/errors.ts gives each code', () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');
    const documented = Object.fromEntries(
      [...doc.matchAll(/^\| ([A-Z][A-Z0-9_]+) \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]),
    );
    expect(documented).toEqual(HTTP_STATUS_BY_CODE);
  });

  it('names record index and field in a format error', () => {
    const e = new FormatError(
      'APEL_FIELD_INVALID',
      { recordIndex: 3, field: 'WallDuration' },
      'an integer',
      '1.5',
    );
    expect(e).toBeInstanceOf(FedstackError);
    expect(e.name).toBe('FormatError');
    expect(e.message).toBe('record 3, field WallDuration: expected an integer (found 1.5)');
  });

  it('prefixes a config error with file and key path', () => {
    const e = new ConfigError('must be a URL', { file: 'site.yaml', path: 'endpoint' });
    expect(e.message).toBe('site.yaml: endpoint: must be a URL');
    expect(e.code).toBe('CONFIG_INVALID');
  });
});
