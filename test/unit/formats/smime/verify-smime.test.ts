// Unit tests of S/MIME verification: the cloudkeeper samples, lists signed by an openssl-made CA, and each rejection.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import {
  parseSmime,
  parseTrustedCas,
  requireVerified,
  verifySmime,
  verifySmimeMessage,
  SMIME_INVALID,
  type SmimeVerification,
} from '../../../../src/formats/smime/index.js';
import { createTestPki, type TestCredentials, type TestPki } from '../../../helpers/openssl-ca.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/smime');
const LIST01 = readFileSync(path.join(FIXTURES, 'cloudkeeper-imagelist01.signed'));
const INVALID = readFileSync(path.join(FIXTURES, 'cloudkeeper-imagelist_invalid.signed'));
const SAMPLE_CAS = parseTrustedCas([
  { name: '9da13359.0', text: readFileSync(path.join(FIXTURES, 'cloudkeeper-test-ca/9da13359.0'), 'utf8') },
  { name: '9da13359.signing_policy', text: 'access_id_CA X509 "/C=AU"' },
]);
// The sample signer certificate is valid from 2018-02-19 to 2028-02-17.
const SAMPLE_NOW = new Date('2024-06-01T00:00:00Z');
const SAMPLE_SIGNER = '/C=AU/ST=Some-State/O=Internet Widgits Pty Ltd';
const LIST = '{\n  "hv:imagelist": {\n    "dc:identifier": "0b0e4e0c-4f9e-4c3b-8b8e-000000000001"\n  }\n}\n';

function rejection(result: SmimeVerification): string {
  return result.kind === 'rejected' ? result.reason : 'verified';
}

describe('the cloudkeeper samples', () => {
  it('verifies imagelist01 against the cloudkeeper test CA and reports its signer', async () => {
    const result = requireVerified(
      await verifySmime(LIST01, 'imagelist01', { trustedCas: SAMPLE_CAS, now: SAMPLE_NOW }),
    );
    expect(result.signer.subject.slash).toBe(SAMPLE_SIGNER);
    expect(result.signer.subject.rfc2253).toBe('O=Internet Widgits Pty Ltd,ST=Some-State,C=AU');
    expect(result.signer.issuer.slash).toBe(SAMPLE_SIGNER);
    expect(JSON.parse(result.text)['hv:imagelist']['hv:endorser']['hv:x509']['hv:dn']).toBe(
      '/DC=XXX/DC=YYY/C=ZZZ/O=Hosts/O=AA.net/CN=some.unknown.source',
    );
  });

  it('reports expiry of the imagelist01 signer distinctly when now is after 2028-02-17', async () => {
    const result = await verifySmime(LIST01, 'imagelist01', {
      trustedCas: SAMPLE_CAS,
      now: new Date('2028-03-01'),
    });
    expect(result).toMatchObject({ kind: 'rejected', reason: 'expired', isSignatureValid: true });
  });

  it('rejects imagelist_invalid as untrusted: its self-signed signer is not a trusted CA', async () => {
    const result = await verifySmime(INVALID, 'imagelist_invalid', {
      trustedCas: SAMPLE_CAS,
      now: SAMPLE_NOW,
    });
    expect(result).toMatchObject({ kind: 'rejected', reason: 'untrusted' });
    expect(result.kind === 'rejected' && result.signer?.subject.slash).toBe(
      '/C=NA/ST=Narnia/L=Aver/O=TEST/OU=TEST/CN=TEST',
    );
  });

  it('rejects imagelist01 with one content byte changed as a bad signature', async () => {
    const changed = Buffer.from(LIST01);
    changed[changed.indexOf('some1.vo.net')] = 'S'.charCodeAt(0);
    const result = await verifySmime(changed, 'imagelist01', { trustedCas: SAMPLE_CAS, now: SAMPLE_NOW });
    expect(rejection(result)).toBe('bad-signature');
  });

  it('verifies imagelist01 after its CRLFs were turned into LFs, in canonical form', async () => {
    const lf = Buffer.from(LIST01.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    const result = await verifySmime(lf, 'imagelist01', { trustedCas: SAMPLE_CAS, now: SAMPLE_NOW });
    expect(rejection(result)).toBe('verified');
  });

  it('turns a rejection into a FormatError naming the source and the reason', async () => {
    const result = await verifySmime(INVALID, 'imagelist_invalid', {
      trustedCas: SAMPLE_CAS,
      now: SAMPLE_NOW,
    });
    expect(() => requireVerified(result)).toThrow(FormatError);
    expect(() => requireVerified(result)).toThrow(/imagelist_invalid, field signature: .*untrusted/);
  });
});

describe('lists signed with openssl by a test CA', () => {
  let pki: TestPki;
  let signer: TestCredentials;
  let expired: TestCredentials;
  let otherCa: TestPki;
  let trustedCas: ReturnType<typeof parseTrustedCas>;
  const now = () => new Date();

  beforeAll(() => {
    pki = createTestPki();
    otherCa = createTestPki('/DC=org/DC=other/CN=Other CA');
    signer = pki.issue('signer', '/DC=org/DC=example/O=Hosts/CN=appdb.example.org');
    expired = pki.issue('expired', '/DC=org/DC=example/O=Hosts/CN=old.example.org', {
      startDate: '20200101000000Z',
      endDate: '20210101000000Z',
    });
    trustedCas = parseTrustedCas([{ name: 'ca.pem', text: pki.ca.certificate }]);
    pki.write('list.json', LIST);
  });
  afterAll(() => {
    pki.remove();
    otherCa.remove();
  });

  const sign = (credentials: TestCredentials, extra: string[] = []) =>
    pki.openssl(
      ['smime', '-sign', '-md', 'sha256', '-in', 'list.json', '-signer', credentials.certificatePath].concat([
        '-inkey',
        credentials.keyPath,
        ...extra,
      ]),
    );

  it('verifies a detached list and reports signer and issuer DNs in both forms', async () => {
    const result = requireVerified(await verifySmime(sign(signer), 'list', { trustedCas, now: now() }));
    expect(result.signer.subject.slash).toBe('/DC=org/DC=example/O=Hosts/CN=appdb.example.org');
    expect(result.signer.subject.rfc2253).toBe('CN=appdb.example.org,O=Hosts,DC=example,DC=org');
    expect(result.signer.issuer.slash).toBe('/DC=org/DC=example/CN=Fedstack Test CA');
    expect(result.chain.map((name) => name.slash)).toEqual([
      '/DC=org/DC=example/O=Hosts/CN=appdb.example.org',
      '/DC=org/DC=example/CN=Fedstack Test CA',
    ]);
    expect(JSON.parse(result.text)).toEqual(JSON.parse(LIST));
  });

  it('verifies an opaque (-nodetach) list and gives back its content', async () => {
    const document = sign(signer, ['-nodetach']);
    expect(document.toString()).toMatch(/application\/(x-)?pkcs7-mime/);
    const result = requireVerified(await verifySmime(document, 'list', { trustedCas, now: now() }));
    expect(parseSmime(document, 'list').kind).toBe('opaque');
    expect(result.text.replace(/\r\n/g, '\n')).toBe(LIST);
  });

  it('drops the text/plain part headers that openssl smime -sign -text adds', async () => {
    const result = requireVerified(
      await verifySmime(sign(signer, ['-text']), 'list', { trustedCas, now: now() }),
    );
    expect(result.text.replace(/\r\n/g, '\n')).toBe(LIST);
  });

  it('verifies a bare PEM and a DER CMS SignedData with attached content', async () => {
    for (const outform of ['PEM', 'DER']) {
      const document = pki.openssl(
        ['cms', '-sign', '-nodetach', '-md', 'sha256', '-in', 'list.json', '-binary'].concat([
          '-signer',
          signer.certificatePath,
          '-inkey',
          signer.keyPath,
          '-outform',
          outform,
        ]),
      );
      const result = requireVerified(
        await verifySmime(document, `list.${outform}`, { trustedCas, now: now() }),
      );
      expect(result.text).toBe(LIST);
    }
  });

  it('rejects the list with one content byte changed as a bad signature', async () => {
    const changed = Buffer.from(
      sign(signer).toString('latin1').replace('000000000001', '000000000002'),
      'latin1',
    );
    expect(rejection(await verifySmime(changed, 'list', { trustedCas, now: now() }))).toBe('bad-signature');
  });

  it('rejects the list as untrusted against another CA', async () => {
    const wrong = parseTrustedCas([{ name: 'other.pem', text: otherCa.ca.certificate }]);
    expect(rejection(await verifySmime(sign(signer), 'list', { trustedCas: wrong, now: now() }))).toBe(
      'untrusted',
    );
  });

  it('rejects a list signed by a certificate that expired in 2021 as expired, naming the date', async () => {
    const result = await verifySmime(sign(expired), 'list', { trustedCas, now: new Date('2026-01-01') });
    expect(result).toMatchObject({ kind: 'rejected', reason: 'expired', isSignatureValid: true });
    expect(result.kind === 'rejected' && result.message).toMatch(/signer certificate expired at 2021-01-01/);
  });

  it('rejects a list verified at a now before the signer certificate was issued as not yet valid', async () => {
    const result = await verifySmime(sign(expired), 'list', { trustedCas, now: new Date('2019-06-01') });
    expect(rejection(result)).toBe('not-yet-valid');
  });

  it('rejects a list whose SignedData names no signer certificate as malformed', async () => {
    const message = parseSmime(sign(signer, ['-nocerts']), 'list');
    const result = await verifySmimeMessage(message, { trustedCas, now: now() });
    expect(rejection(result)).toBe('malformed');
  });

  it('throws the S/MIME FormatError for a document that is no S/MIME at all', async () => {
    await expect(
      verifySmime('{"hv:imagelist": {}}', 'plain.json', { trustedCas, now: now() }),
    ).rejects.toMatchObject({
      code: SMIME_INVALID,
      file: 'plain.json',
    });
  });
});
