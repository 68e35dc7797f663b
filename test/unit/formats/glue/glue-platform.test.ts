import { describe, expect, it } from 'vitest';
import { normalizeGluePlatform } from '../../../../src/formats/glue/index.js';

describe('normalizeGluePlatform', () => {
  it('maps kernel architecture names onto GLUE platform words', () => {
    expect(normalizeGluePlatform('x86_64')).toBe('amd64');
    expect(normalizeGluePlatform('AMD64')).toBe('amd64');
    expect(normalizeGluePlatform('i686')).toBe('i386');
    expect(normalizeGluePlatform('aarch64')).toBe('arm64');
  });

  it('passes unknown architectures through in lower case and gives undefined for none', () => {
    expect(normalizeGluePlatform('PPC64LE')).toBe('ppc64le');
    expect(normalizeGluePlatform('')).toBeUndefined();
    expect(normalizeGluePlatform(undefined)).toBeUndefined();
  });
});
