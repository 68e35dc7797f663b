// Unit tests of S/MIME signing: our documents verify with our verifier and with `openssl smime -verify`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseSmime,
  parseTrustedCas,
  requireVerified,
  signSmime,
  verifySmime,
  SMIME_INVALID,
} from '../../../../src/formats/smime/index.js';
import { createTestPki, type TestCredentials, type TestPki } from '../../../helpers/openssl-ca.js';

const LIST = '{\n  "hv:imagelist": {\n    "dc:title": "Fedstack hub list \u00e9"\n  }\n}\n';
const SIGNING_TIME = new Date('2026-01-15T12:00:00Z');

describe('signSmime', () => {
  let pki: TestPki;
  let signer: TestCredentials;
  let ecSigner: TestCredentials;

  beforeAll(() => {
    pki = createTestPki();
    signer = pki.issue('hub', '/DC=org/DC=example/O=Hosts/CN=hub.example.org');
    pki.openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ec.key']);
    pki.openssl([
      'req',
      '-new',
      '-config',
      'openssl.cnf',
      '-key',
      'ec.key',
      '-out',
      'ec.csr',
      '-subj',
      '/CN=ec hub',
    ]);
    pki.openssl(
      [
        'ca',
        '-batch',
        '-config',
        'openssl.cnf',
        '-extensions',
        'signer',
        '-cert',
        'ca.pem',
        '-keyfile',
      ].concat(['ca.key', '-in', 'ec.csr', '-out', 'ec.pem', '-notext', '-days', '30']),
    );
    ecSigner = {
      ...signer,
      certificate: pki.openssl(['x509', '-in', 'ec.pem']).toString(),
      privateKey: pki.openssl(['pkey', '-in', 'ec.key']).toString(),
    };
  });
  afterAll(() => pki.remove());

  const opensslVerify = (document: string) =>
    pki.openssl([
      'smime',
      '-verify',
      '-CAfile',
      pki.ca.certificatePath,
      '-in',
      pki.write('out.signed', document),
    ]);

  it('writes a detached multipart/signed sha-256 document that openssl smime -verify accepts', async () => {
    const document = await signSmime(LIST, { ...signer, signingTime: SIGNING_TIME });
    expect(document).toMatch(
      /^MIME-Version: 1.0\r\nContent-Type: multipart\/signed; protocol="application\/x-pkcs7-signature"; micalg="sha-256"; boundary="/,
    );
    expect(opensslVerify(document).toString('utf8')).toBe(LIST.replace(/\n/g, '\r\n'));
  });

  it('writes a document our verifier accepts, with the signer certificate included', async () => {
    const document = await signSmime(LIST, { ...signer, signingTime: SIGNING_TIME });
    const trustedCas = parseTrustedCas([{ name: 'ca.pem', text: pki.ca.certificate }]);
    const result = requireVerified(await verifySmime(document, 'hub.list', { trustedCas, now: new Date() }));
    expect(result.signer.subject.slash).toBe('/DC=org/DC=example/O=Hosts/CN=hub.example.org');
    expect(result.text).toBe(LIST.replace(/\n/g, '\r\n'));
    expect(parseSmime(document, 'hub.list').signedData.certificates).toHaveLength(1);
  });

  it('writes the same document twice for the same RSA key, content and signing time', async () => {
    const options = { ...signer, signingTime: SIGNING_TIME };
    expect(await signSmime(LIST, options)).toBe(await signSmime(LIST, options));
  });

  it('signs with an EC P-256 key as well', async () => {
    const document = await signSmime(LIST, ecSigner);
    expect(opensslVerify(document).toString('utf8')).toBe(LIST.replace(/\n/g, '\r\n'));
  });

  it('includes chain certificates given in chain', async () => {
    const document = await signSmime(LIST, { ...signer, chain: [pki.ca.certificate] });
    expect(parseSmime(document, 'hub.list').signedData.certificates).toHaveLength(2);
  });

  it('refuses a private key that does not belong to the certificate, naming the source', async () => {
    const options = { certificate: signer.certificate, privateKey: ecSigner.privateKey, source: 'hub key' };
    await expect(signSmime(LIST, options)).rejects.toMatchObject({ code: SMIME_INVALID, file: 'hub key' });
  });

  it('refuses a PKCS#1 RSA key and says PKCS#8 is expected', async () => {
    const pkcs1 = pki.openssl(['rsa', '-in', signer.keyPath, '-traditional']).toString();
    await expect(signSmime(LIST, { ...signer, privateKey: pkcs1 })).rejects.toThrow(
      /PKCS#8.*RSA PRIVATE KEY/,
    );
  });
});
