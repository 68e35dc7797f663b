import { describe, expect, it } from 'vitest';
import { formatIsoDateTime, parseIsoDateTime } from '../../../../src/formats/apel/iso-date-time.js';

describe('ISO 8601 date-times', () => {
  it('converts Z, offsets and fractions to epoch seconds', () => {
    expect(parseIsoDateTime('2023-05-25T21:59:06Z', true)).toBe(1685051946);
    expect(parseIsoDateTime('2023-05-25T23:59:06+02:00', true)).toBe(1685051946);
    expect(parseIsoDateTime('2023-05-25T16:29:06-0530', true)).toBe(1685051946);
    expect(parseIsoDateTime('2023-05-25T21:59:06.999+00', true)).toBe(1685051946);
  });

  it('refuses a zoneless time when a zone is required, and takes it as UTC otherwise', () => {
    expect(parseIsoDateTime('2023-05-25T21:59:06', true)).toBeUndefined();
    expect(parseIsoDateTime('2023-05-25T21:59:06', false)).toBe(1685051946);
  });

  it('refuses dates that do not exist and other layouts', () => {
    for (const text of [
      '2023-02-29T00:00:00Z',
      '2023-13-01T00:00:00Z',
      '2023-05-25 21:59:06Z',
      '2023-05-25T24:00:00Z',
      '1685051946',
    ]) {
      expect(parseIsoDateTime(text, false)).toBeUndefined();
    }
    expect(parseIsoDateTime('2024-02-29T00:00:00Z', true)).toBe(1709164800);
  });

  it('formats epoch seconds the way cASO writes StAR times', () => {
    expect(formatIsoDateTime(1685051946)).toBe('2023-05-25T21:59:06+00:00');
  });
});
