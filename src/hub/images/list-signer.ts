// Signing of the served image lists: the signer interface, the S/MIME signer over the hub's certificate, the endorser.
import { ConfigError, FormatError } from '../../errors.js';
import type { imagelist } from '../../formats/index.js';
import { smime } from '../../formats/index.js';

/** Signs a list's JSON text, giving the S/MIME `multipart/signed` document subscribers download. */
export type ListSigner = (content: string, signingTime: Date) => Promise<string>;

/** The hub's signing credentials for image lists, read from the files of `--image-list-cert` and `--image-list-key`. */
export interface ImageListSigning {
  /** The signer certificate, PEM (further certificates in the file are sent as its chain). */
  readonly certificatePem: string;
  /** The private key, unencrypted PEM PKCS#8. Never logged. */
  readonly privateKeyPem: string;
}

/** Who the lists name as endorser, besides the certificate's DNs. */
export interface EndorserDetails {
  /** `dc:creator`; default `Fedstack hub`. */
  readonly creator?: string;
  /** `hv:email`; default the certificate's `emailAddress`, else `not given`. */
  readonly email?: string;
}

const SOURCE = 'the image list signing certificate and key';

function certificatesOf(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) => m[0]);
}

/**
 * The S/MIME signer of {@link ImageListSigning}: a detached `multipart/signed` document with SHA-256
 * and the certificate (and chain) included, as AppDB publishes lists.
 */
export function createListSigner(signing: ImageListSigning): ListSigner {
  const [certificate, ...chain] = certificatesOf(signing.certificatePem);
  return (content, signingTime) =>
    smime.signSmime(content, {
      certificate: certificate ?? signing.certificatePem,
      privateKey: signing.privateKeyPem,
      chain,
      signingTime,
      source: SOURCE,
    });
}

/**
 * The endorser of lists signed with `certificatePem`: subject and issuer DN in OpenSSL slash form
 * (what vmcatcher and atrope compare against the signer), and `details`.
 * @throws ConfigError (`CONFIG_INVALID`) when the certificate cannot be read
 */
export function endorserOfCertificate(
  certificatePem: string,
  details: EndorserDetails = {},
): imagelist.ImageListEndorser {
  let certificate;
  try {
    certificate = smime.parseCertificates(certificatePem, SOURCE)[0]!;
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    throw new ConfigError(
      `cannot read ${SOURCE}: ${error.message}`,
      { path: '--image-list-cert' },
      { cause: error },
    );
  }
  const subject = smime.certificateSubject(certificate);
  const email = subject.dn.flat().find((a) => a.type === 'emailAddress')?.value;
  return {
    dn: subject.slash,
    ca: smime.certificateIssuer(certificate).slash,
    creator: details.creator ?? 'Fedstack hub',
    email: details.email ?? email ?? 'not given',
  };
}

/**
 * Checks at start-up that the key signs for the certificate, so a wrong pair fails the hub's start
 * rather than every download.
 * @throws ConfigError (`CONFIG_INVALID`) naming `--image-list-key` otherwise (the key is never shown)
 */
export async function checkListSigner(signer: ListSigner, now: Date): Promise<void> {
  try {
    await signer('{}', now);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    throw new ConfigError(
      `cannot sign image lists: ${error.message}`,
      { path: '--image-list-key' },
      { cause: error },
    );
  }
}
