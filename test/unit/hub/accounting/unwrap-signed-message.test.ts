import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrapSignedMessage } from '../../../../src/hub/accounting/unwrap-signed-message.js';
import { selfSignedCertificateArgs } from '../../../helpers/openssl-ca.js';

const BODY = 'APEL-cloud-message: v0.4\nVMUUID: vm-1\nSiteName: SITE-A\n%%\nVMUUID: vm-2\nSiteName: SITE-A\n';

describe('unwrapSignedMessage', () => {
  let dir: string;
  let signed: string;

  beforeAll(() => {
    // sign the way ssmsend does (openssl smime -sign -text), with a throwaway self-signed cert
    dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-smime-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const input = path.join(dir, 'body.txt');
    execFileSync('openssl', selfSignedCertificateArgs(key, cert, '/CN=test-host', 1), { stdio: 'ignore' });
    writeFileSync(input, BODY);
    signed = execFileSync(
      'openssl',
      ['smime', '-sign', '-inkey', key, '-signer', cert, '-text', '-md', 'sha256'],
      {
        input: BODY,
      },
    ).toString('utf8');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the signed text of an openssl smime -sign -text message with LF line ends', () => {
    expect(signed).toContain('multipart/signed');
    const out = unwrapSignedMessage(signed);
    expect(out.isSigned).toBe(true);
    expect(out.text).toBe(BODY);
  });

  it('returns plain APEL text unchanged', () => {
    expect(unwrapSignedMessage(BODY)).toEqual({ text: BODY, isSigned: false });
  });

  it('returns JSON unchanged even though it starts with a brace', () => {
    const json = '{"Type":"APEL Public IP message","Version":"0.2","UsageRecords":[]}';
    expect(unwrapSignedMessage(json).text).toBe(json);
  });

  it('refuses encrypted S/MIME with APEL_MESSAGE_INVALID', () => {
    const enc =
      'MIME-Version: 1.0\nContent-Type: application/x-pkcs7-mime; smime-type=enveloped-data\n\nMIIB...';
    expect(() => unwrapSignedMessage(enc)).toThrow(expect.objectContaining({ code: 'APEL_MESSAGE_INVALID' }));
  });

  it('refuses a multipart/signed message whose part is never closed', () => {
    const broken =
      'MIME-Version: 1.0\nContent-Type: multipart/signed; boundary="XYZ"\n\n--XYZ\nContent-Type: text/plain\n\nAPEL';
    expect(() => unwrapSignedMessage(broken)).toThrow(/closed signed MIME part/);
  });
});
