// Property tests of S/MIME reading and verification: no input makes them throw anything but the S/MIME format error.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseSmime,
  parseTrustedCas,
  verifySmimeMessage,
  SMIME_INVALID,
} from '../../../../src/formats/smime/index.js';
import { fc } from '../../../helpers/fuzz.js';
import { mutationOf, randomTextOf, readOrFormatError } from '../../../helpers/fuzz-inputs.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/smime');
const SAMPLES = ['cloudkeeper-imagelist01.signed', 'cloudkeeper-imagelist_invalid.signed'].map((name) =>
  readFileSync(path.join(FIXTURES, name), 'latin1'),
);
const TRUSTED = parseTrustedCas([
  { name: '9da13359.0', text: readFileSync(path.join(FIXTURES, 'cloudkeeper-test-ca/9da13359.0'), 'utf8') },
]);
const NOW = new Date('2024-06-01T00:00:00Z');
const SAMPLE_SIGNER = '/C=AU/ST=Some-State/O=Internet Widgits Pty Ltd';
const REASONS = ['bad-signature', 'untrusted', 'expired', 'not-yet-valid', 'malformed'];

/** A sample with bytes of its DER signature changed: the base64 block decoded, edited and encoded again. */
const derMutation = fc
  .tuple(
    fc.constantFrom(...SAMPLES),
    fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([sample, edits]) => {
    const match = /filename="smime\.p7s"\r?\n\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n\r?\n/.exec(sample)!;
    const der = Buffer.from(match[1]!, 'base64');
    for (const [at, byte] of edits) der[Math.floor(at * (der.length - 1))] = byte;
    return sample.replace(match[1]!, der.toString('base64').replace(/.{64}/g, '$&\r\n'));
  });

async function readAndVerify(text: string): Promise<void> {
  const message = readOrFormatError(
    () => parseSmime(Buffer.from(text, 'latin1'), 'fuzz.signed'),
    SMIME_INVALID,
  );
  if (message === undefined) return;
  const result = await verifySmimeMessage(message, { trustedCas: TRUSTED, now: NOW });
  if (result.kind === 'rejected') expect(REASONS).toContain(result.reason);
}

describe('S/MIME reading under fuzzing', () => {
  it('throws only the S/MIME FormatError on edited samples, and verification never throws', async () => {
    await fc.assert(fc.asyncProperty(mutationOf(SAMPLES), readAndVerify));
  });

  it('throws only the S/MIME FormatError on random text', async () => {
    await fc.assert(fc.asyncProperty(randomTextOf(SAMPLES), readAndVerify));
  });

  it('reads and verifies samples with changed signature bytes without throwing anything else', async () => {
    await fc.assert(
      fc.asyncProperty(derMutation, async (text) => {
        const message = readOrFormatError(
          () => parseSmime(Buffer.from(text, 'latin1'), 'fuzz.signed'),
          SMIME_INVALID,
        );
        if (message === undefined) return;
        const result = await verifySmimeMessage(message, { trustedCas: TRUSTED, now: NOW });
        // Bytes outside what is signed (the trust anchor's own signature, say) may change and still verify.
        if (result.kind === 'verified') expect(result.signer.subject.slash).toBe(SAMPLE_SIGNER);
        else expect(REASONS).toContain(result.reason);
      }),
    );
  });
});
