// The trust decision over a signed image list: signature, signer and CA DNs, expiry, version.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareListVersions,
  decideListTrust,
  parseImageList,
  type ListTrust,
} from '../../../../src/formats/imagelist/index.js';
import { parseTrustedCas, signSmime, verifySmime } from '../../../../src/formats/smime/index.js';
import { createTestPki, type TestCredentials, type TestPki } from '../../../helpers/openssl-ca.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures');
const SAMPLE_NOW = new Date('2024-06-01T00:00:00Z');
const caDir = path.join(FIXTURES, 'smime/cloudkeeper-test-ca');
const SAMPLE_CAS = parseTrustedCas(
  readdirSync(caDir).map((name) => ({ name, text: readFileSync(path.join(caDir, name), 'utf8') })),
);
const unsigned = readFileSync(path.join(FIXTURES, 'imagelist/cloudkeeper-imagelist01.unsigned.json'), 'utf8');

/** The sample list with its endorser, version and expiry replaced. */
function listText(
  endorser: { dn: string; ca: string },
  version: string,
  expires = '2499-12-31T22:00:00Z',
): string {
  const doc = JSON.parse(unsigned) as { 'hv:imagelist': Record<string, unknown> };
  const list = doc['hv:imagelist'];
  list['hv:endorser'] = {
    'hv:x509': {
      ...(list['hv:endorser'] as { 'hv:x509': object })['hv:x509'],
      'hv:dn': endorser.dn,
      'hv:ca': endorser.ca,
    },
  };
  list['hv:version'] = version;
  list['dc:date:expires'] = expires;
  return JSON.stringify(doc);
}

describe('image list trust', () => {
  let pki: TestPki;
  let signer: TestCredentials;
  const CA_DN = '/DC=org/DC=example/CN=Fedstack Test CA';
  const SIGNER_DN = '/DC=org/DC=example/CN=appdb.example.org';
  const expected = { dn: SIGNER_DN, ca: CA_DN };

  beforeAll(() => {
    pki = createTestPki(CA_DN);
    signer = pki.issue('appdb', SIGNER_DN);
  });
  afterAll(() => pki.remove());

  async function decide(
    text: string,
    options: {
      now?: Date;
      last?: { version?: string; contentDigest?: string };
      digest?: string;
      endorser?: typeof expected;
    } = {},
  ): Promise<ListTrust> {
    const now = options.now ?? new Date();
    const signed = await signSmime(text, { certificate: signer.certificate, privateKey: signer.privateKey });
    const verification = await verifySmime(signed, 'vo.example.org image.list', {
      trustedCas: parseTrustedCas([{ name: 'ca.pem', text: pki.ca.certificate }]),
      now,
    });
    const { list } = parseImageList(verification.kind === 'verified' ? verification.text : text, {
      source: 'vo.example.org image.list',
    });
    return decideListTrust({
      verification,
      list,
      expected: options.endorser ?? expected,
      now,
      last: options.last,
      contentDigest: options.digest,
    });
  }

  it('trusts a list signed by its endorser, with DNs in either printed form', async () => {
    expect(await decide(listText(expected, '2'))).toEqual({ kind: 'trusted', warnings: [] });
    const rfc2253 = {
      dn: 'CN=appdb.example.org,DC=example,DC=org',
      ca: 'CN=Fedstack Test CA,DC=example,DC=org',
    };
    expect(await decide(listText(rfc2253, '2'), { endorser: rfc2253 })).toMatchObject({ kind: 'trusted' });
  });

  it('refuses the cloudkeeper sample: it verifies, but its hv:dn is not its signer', async () => {
    const text = readFileSync(path.join(FIXTURES, 'smime/cloudkeeper-imagelist01.signed'));
    const verification = await verifySmime(text, 'imagelist01', { trustedCas: SAMPLE_CAS, now: SAMPLE_NOW });
    expect(verification.kind).toBe('verified');
    const { list } = parseImageList(verification.kind === 'verified' ? verification.text : '', {
      source: 'imagelist01',
    });
    const signerDn = verification.kind === 'verified' ? verification.signer.subject.slash : '';
    const trust = decideListTrust({
      verification,
      list,
      expected: { dn: signerDn, ca: signerDn },
      now: SAMPLE_NOW,
    });
    expect(trust).toMatchObject({ kind: 'refused', reason: 'signer-dn' });
    expect(trust.kind === 'refused' && trust.message).toContain('/CN=some.unknown.source');
  });

  it('refuses a list whose signature fails, naming the verifier reason', async () => {
    const text = readFileSync(path.join(FIXTURES, 'smime/cloudkeeper-imagelist_invalid.signed'));
    const verification = await verifySmime(text, 'imagelist_invalid', {
      trustedCas: SAMPLE_CAS,
      now: SAMPLE_NOW,
    });
    const { list } = parseImageList(unsigned, { source: 'imagelist_invalid' });
    const trust = decideListTrust({ verification, list, expected, now: SAMPLE_NOW });
    expect(trust).toMatchObject({ kind: 'refused', reason: 'signature' });
    expect(trust.kind === 'refused' && trust.message).toMatch(/untrusted/);
  });

  it('refuses a signer other than the configured endorser, and a CA other than the configured one', async () => {
    expect(
      await decide(listText(expected, '2'), { endorser: { dn: '/DC=org/DC=example/CN=other', ca: CA_DN } }),
    ).toMatchObject({ reason: 'signer-dn' });
    expect(
      await decide(listText(expected, '2'), { endorser: { dn: SIGNER_DN, ca: '/DC=org/CN=Other CA' } }),
    ).toMatchObject({ reason: 'issuer-dn' });
    expect(await decide(listText({ dn: SIGNER_DN, ca: '/DC=org/CN=Other CA' }, '2'))).toMatchObject({
      reason: 'issuer-dn',
    });
  });

  it('refuses an expired list and a lower version; warns on an equal version with other content', async () => {
    expect(await decide(listText(expected, '2', '2020-01-01T00:00:00Z'))).toMatchObject({
      reason: 'expired',
    });
    expect(await decide(listText(expected, '1.9'), { last: { version: '1.10' } })).toMatchObject({
      reason: 'version-lower',
    });
    expect(await decide(listText(expected, '1.10'), { last: { version: '1.9' } })).toMatchObject({
      kind: 'trusted',
    });
    const same = await decide(listText(expected, '7'), {
      last: { version: '7', contentDigest: 'aaa' },
      digest: 'bbb',
    });
    expect(same).toMatchObject({
      kind: 'trusted',
      warnings: [expect.stringContaining('unchanged but the content changed')],
    });
  });

  it('orders versions part by part, numbers as numbers', () => {
    expect(compareListVersions('1.10', '1.9')).toBeGreaterThan(0);
    expect(compareListVersions('20150618211400', '20150618211401')).toBeLessThan(0);
    expect(compareListVersions('20240101-2', '20240101-1')).toBeGreaterThan(0);
    expect(compareListVersions('3', '3')).toBe(0);
    expect(compareListVersions('1.0', '1')).toBeGreaterThan(0);
  });
});
