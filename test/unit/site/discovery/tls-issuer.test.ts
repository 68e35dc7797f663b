import { describe, expect, it } from 'vitest';
import { formatDn, readTlsIssuer } from '../../../../src/site/discovery/index.js';

describe('formatDn', () => {
  it('renders a DN in the OpenSSL slash form, repeating multi-valued attributes', () => {
    expect(formatDn({ C: 'NL', O: 'GEANT Vereniging', CN: 'GEANT OV RSA CA 4' })).toBe(
      '/C=NL/O=GEANT Vereniging/CN=GEANT OV RSA CA 4',
    );
    expect(formatDn({ DC: ['org', 'terena'], CN: 'x' })).toBe('/DC=org/DC=terena/CN=x');
  });
});

describe('readTlsIssuer', () => {
  it('gives no issuer for a plain HTTP endpoint', async () => {
    await expect(readTlsIssuer('http://127.0.0.1:5000/v3')).resolves.toBeUndefined();
  });

  it('gives no issuer when the TLS handshake fails', async () => {
    await expect(readTlsIssuer('https://127.0.0.1:1/v3', 2_000)).resolves.toBeUndefined();
  });
});
