import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { validateSiteConfig } from '../../../src/site/site-config.js';

function messageOf(value: unknown): string {
  try {
    validateSiteConfig(value, 'site.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('site config validation', () => {
  it('calls a missing key required, naming file and key', () => {
    expect(messageOf({ gocdb: 'TEST-SITE' })).toBe('site.yaml: endpoint: is required (expected string)');
  });

  it('says a present value has the wrong type rather than calling it missing', () => {
    const message = messageOf({
      gocdb: 'TEST-SITE',
      endpoint: 'https://k.example.org/v3',
      timeout_seconds: '30',
    });
    expect(message).toMatch(/^site\.yaml: timeout_seconds: .*expected number/);
    expect(message).not.toContain('required');
  });
});
