import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import { decryptSmimeText, isEnvelopedSmime } from '../../../../src/formats/smime/index.js';
import { thrownBy } from '../../../helpers/expect-rejection.js';
import { createTestPki, type TestCredentials, type TestPki } from '../../../helpers/openssl-ca.js';

const MESSAGE = 'APEL-cloud-message: v0.4\nVMUUID: vm-1\nSiteName: SITE-A\n%%\n';

describe('S/MIME enveloped data', () => {
  let pki: TestPki;
  let hub: TestCredentials;
  let other: TestCredentials;
  beforeAll(() => {
    pki = createTestPki();
    hub = pki.issue('hub', '/DC=org/DC=example/CN=hub.example.org');
    other = pki.issue('other', '/DC=org/DC=example/CN=other.example.org');
  });
  afterAll(() => pki.remove());
  const recipient = (c: TestCredentials) => ({ certificatePem: c.certificate, privateKeyPem: c.privateKey });
  const encrypt = (args: string[]) => pki.openssl([...args, hub.certificatePath], MESSAGE).toString();

  it('decrypts what openssl smime -encrypt writes, with 3DES (ssmsend) and AES, PKCS#1 v1.5 key transport', () => {
    for (const cipher of ['-des3', '-aes128', '-aes256']) {
      const text = encrypt(['smime', '-encrypt', cipher]);
      expect(isEnvelopedSmime(text), cipher).toBe(true);
      // openssl writes the text in MIME's canonical form (CRLF line ends), as it signs it
      expect(decryptSmimeText(text, 'message', recipient(hub)), cipher).toBe(MESSAGE.replace(/\n/g, '\r\n'));
    }
  });

  it('decrypts RSAES-OAEP key transport (openssl cms)', () => {
    const text = pki
      .openssl(
        [
          'cms',
          '-encrypt',
          '-binary',
          '-aes256',
          '-recip',
          hub.certificatePath,
          '-keyopt',
          'rsa_padding_mode:oaep',
        ],
        MESSAGE,
      )
      .toString();
    expect(decryptSmimeText(text, 'message', recipient(hub))).toBe(MESSAGE);
  });

  it('names the field when the message is not for this recipient, or not enveloped at all', () => {
    const text = encrypt(['smime', '-encrypt', '-aes256']);
    expect(
      thrownBy(() => decryptSmimeText(text, 'message 0', recipient(other)), FormatError).message,
    ).toMatch(
      /^message 0, field recipientInfos: expected a RecipientInfo for \/DC=org\/DC=example\/CN=Fedstack Test CA serial [0-9a-f]+/,
    );
    expect(isEnvelopedSmime(MESSAGE)).toBe(false);
    expect(
      thrownBy(() => decryptSmimeText(MESSAGE, 'message 1', recipient(hub)), FormatError).message,
    ).toContain('message 1, field Content-Type: expected application/pkcs7-mime (enveloped-data)');
  });
});
