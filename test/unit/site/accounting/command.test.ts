import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors.js';
import { parseTimeOption } from '../../../../src/site/accounting/parse-time-option.js';

const epoch = (iso: string) => Date.parse(iso) / 1000;

describe('--extract-from and --extract-to', () => {
  it('reads epoch seconds, a date (its midnight UTC) and ISO times with or without a zone', () => {
    expect(parseTimeOption('1793491200', '--extract-from')).toBe(1793491200);
    expect(parseTimeOption('2026-11-01', '--extract-from')).toBe(epoch('2026-11-01T00:00:00Z'));
    expect(parseTimeOption('2026-11-01T05:06:07', '--extract-to')).toBe(epoch('2026-11-01T05:06:07Z'));
    expect(parseTimeOption(' 2026-11-01T05:06:07+01:00 ', '--extract-to')).toBe(
      epoch('2026-11-01T04:06:07Z'),
    );
    expect(parseTimeOption('2026-11-01T05:06:07.900Z', '--extract-to')).toBe(epoch('2026-11-01T05:06:07Z'));
  });

  it('refuses other text with a config error naming the option', () => {
    expect(() => parseTimeOption('yesterday', '--extract-from')).toThrow(ConfigError);
    expect(() => parseTimeOption('yesterday', '--extract-from')).toThrow(
      /--extract-from: expected an ISO 8601/,
    );
  });
});
