// S/MIME verification: the CMS signature over the content, the signer's chain to a trusted CA, validity at `now`.
import * as pkijs from 'pkijs';
import { FormatError } from '../../errors.js';
import {
  certificateIssuer,
  certificateSubject,
  cryptoEngine,
  tbsBytes,
  type CertificateName,
} from './certificate.js';
import { candidateSignedBytes, parseSmime, type SmimeMessage } from './smime-message.js';
import { SMIME_INVALID } from './smime-error.js';

/** Why a signed document was rejected. */
export type SmimeRejectionReason =
  /** The signature does not match the content (content or signature altered, or wrong key). */
  | 'bad-signature'
  /** The signer's certificate does not chain to any of the trusted CAs. */
  | 'untrusted'
  /** The signer's certificate, or a CA certificate of its chain, expired before `now`. */
  | 'expired'
  /** The signer's certificate, or a CA certificate of its chain, is not valid until after `now`. */
  | 'not-yet-valid'
  /** The SignedData is readable but unusable: no signer, no signer certificate, unknown algorithm. */
  | 'malformed';

/** The certificate that signed a document. */
export interface SmimeSigner {
  readonly subject: CertificateName;
  readonly issuer: CertificateName;
  /** The serial number in lower-case hex. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly certificate: pkijs.Certificate;
}

/** The outcome of {@link verifySmimeMessage}: verified content, or a rejection with its reason. */
export type SmimeVerification =
  | {
      readonly kind: 'verified';
      readonly source: string;
      readonly signer: SmimeSigner;
      /** Subjects of the certificate path pkijs built, signer first, trusted CA last. */
      readonly chain: readonly CertificateName[];
      readonly content: Uint8Array;
      readonly text: string;
    }
  | {
      readonly kind: 'rejected';
      readonly source: string;
      readonly reason: SmimeRejectionReason;
      readonly message: string;
      /** The signer, when its certificate was found. */
      readonly signer: SmimeSigner | undefined;
      /** Whether the signature itself matched, when a chain rejection was found after checking it. */
      readonly isSignatureValid?: boolean;
    };

/** What to verify against. */
export interface VerifySmimeOptions {
  /** The trusted CA certificates (see `parseTrustedCas`); the signer must chain to one of them. */
  readonly trustedCas: readonly pkijs.Certificate[];
  /** The time at which every certificate of the chain must be valid. */
  readonly now: Date;
}

type Rejected = Extract<SmimeVerification, { kind: 'rejected' }>;

/**
 * Verifies a parsed S/MIME document with pkijs: every signer's CMS signature over the content
 * (message digest and signed attributes, RFC 5652 §5.4), then the first signer's certificate path
 * to a trusted CA with each certificate valid at `now` (RFC 5280 §6 as pkijs implements it; no CRLs).
 * A detached content is checked in MIME canonical form (CRLF) first and, if that fails, as found,
 * since `openssl smime -sign -binary` signs the bytes unchanged.
 * @example
 * const result = await verifySmimeMessage(parseSmime(text, url), { trustedCas, now: new Date() });
 * if (result.kind === 'verified') console.log(result.signer.subject.slash);
 */
export async function verifySmimeMessage(
  message: SmimeMessage,
  options: VerifySmimeOptions,
): Promise<SmimeVerification> {
  const { signedData, source } = message;
  if (signedData.signerInfos.length === 0) return reject(source, 'malformed', 'the SignedData has no signer');
  let signer: SmimeSigner | undefined;
  let signatureFailure: Rejected | undefined;
  for (let index = 0; index < signedData.signerInfos.length; index++) {
    const checked = await checkSignature(message, index);
    if (checked.kind === 'signed') signer ??= checked.signer;
    else if (checked.reason !== 'bad-signature' || checked.signer === undefined) return checked;
    else {
      signer ??= checked.signer;
      signatureFailure ??= checked;
    }
  }
  // Like `openssl smime -verify`, a chain failure is reported before a signature failure.
  const chained = await checkChain(message, signer!, options);
  if (chained.kind === 'rejected') return { ...chained, isSignatureValid: signatureFailure === undefined };
  return signatureFailure ?? chained;
}

/**
 * Reads and verifies an S/MIME document in one step (see {@link parseSmime} and {@link verifySmimeMessage}).
 * @throws FormatError (code {@link SMIME_INVALID}) naming `source` when the document cannot be read
 */
export async function verifySmime(
  input: string | Uint8Array,
  source: string,
  options: VerifySmimeOptions,
): Promise<SmimeVerification> {
  return verifySmimeMessage(parseSmime(input, source), options);
}

/**
 * The verified outcome, or a FormatError for a rejection: naming the source, field `signature`, and
 * the reason, for callers that treat any rejection as an unreadable document.
 * @throws FormatError (code {@link SMIME_INVALID}) when `result` is a rejection
 */
export function requireVerified(result: SmimeVerification): Extract<SmimeVerification, { kind: 'verified' }> {
  if (result.kind === 'verified') return result;
  throw new FormatError(
    SMIME_INVALID,
    { file: result.source, field: 'signature' },
    'a signature by a trusted, valid certificate',
    `${result.reason}: ${result.message}`,
  );
}

async function checkSignature(
  message: SmimeMessage,
  index: number,
): Promise<Rejected | { kind: 'signed'; signer: SmimeSigner }> {
  const candidates = message.kind === 'detached' ? candidateSignedBytes(message) : [undefined];
  let failure: Rejected | undefined;
  for (const data of candidates) {
    try {
      const result = await message.signedData.verify(
        { signer: index, checkChain: false, extendedMode: true, ...(data && { data: toArrayBuffer(data) }) },
        cryptoEngine(),
      );
      const signer = result.signerCertificate ? signerOf(result.signerCertificate) : undefined;
      if (result.signatureVerified === true && signer !== undefined) return { kind: 'signed', signer };
      failure = reject(message.source, 'bad-signature', 'the signature does not match the content', signer);
    } catch (error) {
      failure = classifyCmsError(message.source, error);
      if (failure.reason !== 'bad-signature') return failure;
    }
  }
  return failure!;
}

// pkijs SignedDataVerifyError codes (pkijs src/SignedData.ts): 1-3 no signer or signer certificate,
// 7 unknown digest, 8 no content, 9-10 missing signed attributes, 15 digest mismatch or crypto failure.
function classifyCmsError(source: string, error: unknown): Rejected {
  if (!(error instanceof pkijs.SignedDataVerifyError)) {
    return reject(source, 'malformed', error instanceof Error ? error.message : String(error));
  }
  const signer = error.signerCertificate ? signerOf(error.signerCertificate) : undefined;
  if (error.code === 15 && /digest doesn't match/i.test(error.message)) {
    return reject(source, 'bad-signature', 'the message digest does not match the content', signer);
  }
  return reject(source, 'malformed', error.message, signer);
}

async function checkChain(
  message: SmimeMessage,
  signer: SmimeSigner,
  options: VerifySmimeOptions,
): Promise<SmimeVerification> {
  const leaf = signer.certificate;
  const anchor = options.trustedCas.find((ca) => sameCertificate(ca, leaf));
  // pkijs takes the last certificate it is given as the leaf after dropping duplicates, so a signer
  // that is itself a trusted CA (the cloudkeeper test lists) is checked alone against itself.
  const trustedCerts = anchor ? [anchor] : [...options.trustedCas];
  const embedded = (message.signedData.certificates ?? []).filter(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate && !sameCertificate(c, leaf),
  );
  const engine = new pkijs.CertificateChainValidationEngine({
    trustedCerts,
    certs: anchor ? [leaf] : [...embedded, leaf],
    checkDate: options.now,
  });
  const result = await engine.verify({}, cryptoEngine());
  if (!result.result)
    return chainRejection(message.source, signer, result, [...embedded, ...trustedCerts], options.now);
  const path = result.certificatePath ?? [leaf];
  return {
    kind: 'verified',
    source: message.source,
    signer,
    chain: dedupe(path).map(certificateSubject),
    content: message.content,
    text: message.text,
  };
}

// CertificateChainValidationEngine result code 8: a certificate of the path is outside its validity.
function chainRejection(
  source: string,
  signer: SmimeSigner,
  result: pkijs.CertificateChainValidationEngineVerifyResult,
  others: readonly pkijs.Certificate[],
  now: Date,
): Rejected {
  if (result.resultCode !== 8) {
    return reject(source, 'untrusted', `no path to a trusted CA: ${result.resultMessage}`, signer);
  }
  const outside = issuerChain(signer.certificate, others).find(
    (c) => c.notBefore.value > now || c.notAfter.value < now,
  );
  const cert = outside ?? signer.certificate;
  const who = cert === signer.certificate ? 'the signer certificate' : `CA ${certificateSubject(cert).slash}`;
  if (cert.notBefore.value > now) {
    return reject(
      source,
      'not-yet-valid',
      `${who} is not valid before ${cert.notBefore.value.toISOString()}`,
      signer,
    );
  }
  return reject(source, 'expired', `${who} expired at ${cert.notAfter.value.toISOString()}`, signer);
}

/** The signer and the certificates its issuer names lead to, by subject name, without loops. */
function issuerChain(leaf: pkijs.Certificate, others: readonly pkijs.Certificate[]): pkijs.Certificate[] {
  const chain = [leaf];
  for (let cert = leaf; !cert.issuer.isEqual(cert.subject);) {
    const next = others.find((c) => c.subject.isEqual(cert.issuer) && !chain.includes(c));
    if (next === undefined) break;
    chain.push(next);
    cert = next;
  }
  return chain;
}

function signerOf(certificate: pkijs.Certificate): SmimeSigner {
  return {
    subject: certificateSubject(certificate),
    issuer: certificateIssuer(certificate),
    serialNumber: Buffer.from(certificate.serialNumber.valueBlock.valueHexView).toString('hex'),
    notBefore: certificate.notBefore.value,
    notAfter: certificate.notAfter.value,
    certificate,
  };
}

function sameCertificate(a: pkijs.Certificate, b: pkijs.Certificate): boolean {
  return Buffer.from(tbsBytes(a)).equals(Buffer.from(tbsBytes(b)));
}

function dedupe(path: readonly pkijs.Certificate[]): pkijs.Certificate[] {
  return path.filter((c, i) => i === 0 || !sameCertificate(c, path[i - 1]!));
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

function reject(
  source: string,
  reason: SmimeRejectionReason,
  message: string,
  signer?: SmimeSigner,
): Rejected {
  return { kind: 'rejected', source, reason, message, signer };
}
