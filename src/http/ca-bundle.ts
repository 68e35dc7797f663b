// Trust anchors for outbound TLS: a PEM bundle file or a CA directory of hashed `*.0` files (IGTF).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, type Dispatcher } from 'undici';
import { ConfigError } from '../errors.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
// `openssl rehash` names (`1a2b3c4d.0`, `.1`, …) as in /etc/grid-security/certificates, plus plain PEM files
const CA_FILE_NAME = /(\.\d+|\.pem|\.crt)$/;

/** The PEM certificates in a text, each as its own string. */
export function splitPemCertificates(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}

/**
 * Reads the CA certificates at `path`: a PEM bundle file, or a directory whose hashed `*.0`
 * (`*.1`, …), `*.pem` and `*.crt` files each hold certificates (other files, such as IGTF's
 * `*.signing_policy`, `*.namespaces` and `*.r0` CRLs, are skipped). Duplicates (a hashed file and
 * the `.pem` it links to) are kept once.
 * @throws ConfigError `CONFIG_INVALID` when the path cannot be read or holds no certificate.
 */
export function loadCaCertificates(path: string): string[] {
  let files: string[];
  try {
    files = statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => CA_FILE_NAME.test(name))
          .sort()
          .map((name) => join(path, name))
      : [path];
  } catch (error) {
    throw new ConfigError(
      `cannot read the CA bundle or directory (${(error as Error).message})`,
      { file: path },
      {
        cause: error,
      },
    );
  }
  const certificates = new Set<string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `cannot read a CA file (${(error as Error).message})`,
        { file },
        { cause: error },
      );
    }
    for (const pem of splitPemCertificates(text)) certificates.add(pem);
  }
  if (certificates.size === 0)
    throw new ConfigError(
      'expected PEM certificates (a bundle, or a directory of hashed *.0 files), found none',
      {
        file: path,
      },
    );
  return [...certificates];
}

const agents = new Map<string, Dispatcher>();

/**
 * A connection pool that trusts only the CAs at `path` (see {@link loadCaCertificates}), one per
 * path for the life of the process. The CAs replace Node's built-in roots, as a grid CA directory does.
 * @throws ConfigError `CONFIG_INVALID` when the path holds no readable certificate.
 */
export function caAgentFor(path: string): Dispatcher {
  let agent = agents.get(path);
  if (!agent) {
    agent = new Agent({ connect: { ca: loadCaCertificates(path) } });
    agents.set(path, agent);
  }
  return agent;
}
