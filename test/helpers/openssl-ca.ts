// Test PKI made with the real openssl CLI in a temp dir: a CA, signers (valid, expired), and smime runs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A certificate and its PEM PKCS#8 key, with their paths in the temp dir. */
export interface TestCredentials {
  readonly certificate: string;
  readonly privateKey: string;
  readonly certificatePath: string;
  readonly keyPath: string;
}

/** An openssl-made CA in a temp dir, able to issue signer certificates and run `openssl smime`. */
export interface TestPki {
  readonly dir: string;
  readonly ca: TestCredentials;
  /** Issues a signer certificate; `startDate`/`endDate` as openssl `YYYYMMDDHHMMSSZ`, default now + 30 days. */
  issue(name: string, subject: string, dates?: { startDate: string; endDate: string }): TestCredentials;
  /** Runs openssl with `args` in the temp dir; returns stdout. Throws on a non-zero exit. */
  openssl(args: readonly string[], input?: string | Uint8Array): Buffer;
  /** Writes a file into the temp dir and returns its path. */
  write(name: string, data: string | Uint8Array): string;
  remove(): void;
}

const CONFIG = `[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = index.txt
serial = serial
new_certs_dir = .
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
preserve = yes
[ any ]
domainComponent = optional
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ req ]
distinguished_name = dn
[ dn ]
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ signer ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

/** The openssl arguments that make a self-signed `certOut` for `subject` with a new unencrypted RSA key `keyOut`. */
export function selfSignedCertificateArgs(
  keyOut: string,
  certOut: string,
  subject: string,
  days: number,
): string[] {
  return ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyOut, '-out', certOut].concat([
    '-subj',
    subject,
    '-days',
    String(days),
  ]);
}

/** Makes a CA with `subject` (slash form) in a new temp dir. */
export function createTestPki(subject = '/DC=org/DC=example/CN=Fedstack Test CA'): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-smime-'));
  const openssl = (args: readonly string[], input?: string | Uint8Array): Buffer =>
    execFileSync('openssl', args, { cwd: dir, input, stdio: ['pipe', 'pipe', 'pipe'] });
  const write = (name: string, data: string | Uint8Array): string => {
    writeFileSync(path.join(dir, name), data);
    return path.join(dir, name);
  };
  const credentials = (name: string): TestCredentials => ({
    certificate: readFileSync(path.join(dir, `${name}.pem`), 'utf8'),
    privateKey: readFileSync(path.join(dir, `${name}.key`), 'utf8'),
    certificatePath: path.join(dir, `${name}.pem`),
    keyPath: path.join(dir, `${name}.key`),
  });
  write('openssl.cnf', CONFIG);
  write('index.txt', '');
  write('serial', '1000\n');
  openssl(
    [
      'req',
      '-x509',
      '-config',
      'openssl.cnf',
      '-extensions',
      'v3_ca',
      '-newkey',
      'rsa:2048',
      '-nodes',
    ].concat(['-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-subj', subject]),
  );
  return {
    dir,
    ca: credentials('ca'),
    issue(name, signerSubject, dates) {
      openssl(
        ['req', '-new', '-config', 'openssl.cnf', '-newkey', 'rsa:2048', '-nodes'].concat([
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.csr`,
          '-subj',
          signerSubject,
        ]),
      );
      const validity = dates ? ['-startdate', dates.startDate, '-enddate', dates.endDate] : ['-days', '30'];
      openssl(
        ['ca', '-batch', '-config', 'openssl.cnf', '-extensions', 'signer', '-cert', 'ca.pem'].concat([
          '-keyfile',
          'ca.key',
          '-in',
          `${name}.csr`,
          '-out',
          `${name}.pem`,
          '-notext',
          ...validity,
        ]),
      );
      return credentials(name);
    },
    openssl,
    write,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A CA directory of hashed files (as /etc/grid-security/certificates) and a host certificate it issued. */
export interface TestTlsHost {
  /** The directory: `<hash>.0` and an IGTF-style `.signing_policy` file. */
  readonly caDir: string;
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** Makes, in `dir`, a CA "Test Grid CA" and a certificate for 127.0.0.1 (CN and IP SAN) it signed. */
export function createTestTlsHost(dir: string): TestTlsHost {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(...selfSignedCertificateArgs('ca.key', 'ca.pem', '/DC=org/DC=example/CN=Test Grid CA', 2));
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'host.key',
    '-out',
    'host.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  const sign = ['x509', '-req', '-in', 'host.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'];
  ssl(...sign, '-out', 'host.pem', '-days', '2', '-extfile', 'ext.cnf');
  const hash = ssl('x509', '-hash', '-noout', '-in', 'ca.pem').toString().trim();
  const caDir = path.join(dir, 'certificates');
  mkdirSync(caDir);
  writeFileSync(path.join(caDir, `${hash}.0`), readFileSync(path.join(dir, 'ca.pem')));
  writeFileSync(
    path.join(caDir, `${hash}.signing_policy`),
    'access_id_CA X509 "/DC=org/DC=example/CN=Test Grid CA"\n',
  );
  return {
    caDir,
    key: readFileSync(path.join(dir, 'host.key')),
    cert: readFileSync(path.join(dir, 'host.pem')),
  };
}
