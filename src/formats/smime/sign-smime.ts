// S/MIME signing: a detached multipart/signed document (SHA-256, signer certificate included) made with pkijs.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { cryptoEngine, parseCertificates } from './certificate.js';
import { bytesToBinary, decodeBase64, encodeBase64Lines, toCanonicalCrlf } from './mime-entity.js';
import { readBer } from './read-ber.js';
import { smimeError } from './smime-error.js';

/** The signer's credentials and the optional parts of a signature. */
export interface SignSmimeOptions {
  /** The signer certificate, PEM. */
  readonly certificate: string;
  /** The signer's private key, PEM PKCS#8 (`BEGIN PRIVATE KEY`, unencrypted); RSA or EC P-256/384/521. */
  readonly privateKey: string;
  /** Intermediate CA certificates (PEM) to include, so verifiers need only the root. */
  readonly chain?: readonly string[];
  /** The signing-time attribute (RFC 5652 §11.3); left out when not given. */
  readonly signingTime?: Date;
  /** Names the credentials in errors; default `signing credentials`. */
  readonly source?: string;
}

const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';
const OID_RSA = '1.2.840.113549.1.1.1';
const OID_EC = '1.2.840.10045.2.1';
const CURVE_BY_OID: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};

/**
 * Signs `content` as a detached S/MIME `multipart/signed` document (RFC 5751 §3.5.3) with SHA-256,
 * the signer certificate (and `chain`) in the SignedData, as HEPiX image lists are published. The
 * content is signed in MIME canonical form (lines end in CRLF) and appears so in the document,
 * without part headers, so `openssl smime -verify` prints it back. Deterministic for RSA keys: the
 * boundary derives from the content digest, not from randomness.
 * @throws FormatError (code {@link SMIME_INVALID}) naming `source` when the certificate or key cannot
 * be read, or the key does not belong to the certificate
 * @example
 * const document = await signSmime(JSON.stringify(list), { certificate, privateKey, signingTime: now });
 */
export async function signSmime(content: string | Uint8Array, options: SignSmimeOptions): Promise<string> {
  const source = options.source ?? 'signing credentials';
  const entity = toCanonicalCrlf(
    typeof content === 'string' ? new TextEncoder().encode(content) : content,
  ).slice();
  const certificate = parseCertificates(options.certificate, source)[0]!;
  const extra = (options.chain ?? []).flatMap((pem) => parseCertificates(pem, source));
  const privateKey = await importPrivateKey(options.privateKey, source);
  const crypto = cryptoEngine();
  const digest = await crypto.digest('SHA-256', entity);
  const attributes = [
    attribute(OID_CONTENT_TYPE, new asn1js.ObjectIdentifier({ value: pkijs.ContentInfo.DATA })),
    ...(options.signingTime
      ? [attribute(OID_SIGNING_TIME, new asn1js.UTCTime({ valueDate: options.signingTime }))]
      : []),
    attribute(OID_MESSAGE_DIGEST, new asn1js.OctetString({ valueHex: digest })),
  ];
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: pkijs.ContentInfo.DATA }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({
          issuer: certificate.issuer,
          serialNumber: certificate.serialNumber,
        }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
      }),
    ],
    certificates: [certificate, ...extra],
  });
  await signedData.sign(privateKey, 0, 'SHA-256', entity, crypto);
  const der = new pkijs.ContentInfo({
    contentType: pkijs.ContentInfo.SIGNED_DATA,
    content: signedData.toSchema(true),
  })
    .toSchema()
    .toBER(false);
  await checkKeyMatches(der, entity, source);
  return multipartSigned(entity, new Uint8Array(der), await boundaryFor(entity));
}

type ImportAlgorithm = Parameters<SubtleCrypto['importKey']>[2];

function attribute(type: string, value: asn1js.AsnType): pkijs.Attribute {
  return new pkijs.Attribute({ type, values: [value] });
}

/** Imports a PEM PKCS#8 private key for signing, choosing the WebCrypto algorithm from its OID. */
async function importPrivateKey(pem: string, source: string): Promise<CryptoKey> {
  const block = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(pem);
  if (block === null) {
    const found = /-----BEGIN ([A-Z ]+)-----/.exec(pem)?.[1];
    throw smimeError(source, 'private key', 'an unencrypted PEM PKCS#8 key (BEGIN PRIVATE KEY)', found);
  }
  const der = decodeBase64(block[1]!, source, 'private key').slice();
  const asn1 = readBer(der, source, 'private key', 'a DER PKCS#8 key');
  let info: pkijs.PrivateKeyInfo;
  try {
    info = new pkijs.PrivateKeyInfo({ schema: asn1 });
  } catch (error) {
    throw smimeError(source, 'private key', 'a PKCS#8 PrivateKeyInfo', String(error).slice(0, 80));
  }
  const algorithm = keyAlgorithm(info, source);
  try {
    return await globalThis.crypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  } catch (error) {
    throw smimeError(source, 'private key', 'a key WebCrypto can import', String(error).slice(0, 80));
  }
}

function keyAlgorithm(info: pkijs.PrivateKeyInfo, source: string): ImportAlgorithm {
  const oid = info.privateKeyAlgorithm.algorithmId;
  if (oid === OID_RSA) return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const params = info.privateKeyAlgorithm.algorithmParams as unknown;
  const curve = params instanceof asn1js.ObjectIdentifier ? CURVE_BY_OID[params.getValue()] : undefined;
  if (oid === OID_EC && curve !== undefined) return { name: 'ECDSA', namedCurve: curve };
  throw smimeError(source, 'private key', 'an RSA or EC P-256/P-384/P-521 key', oid);
}

// Checked on the encoded SignedData: pkijs keeps the signed attributes' encoding only when it decodes them.
async function checkKeyMatches(der: ArrayBuffer, entity: Uint8Array, source: string): Promise<void> {
  const decoded = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(der).content });
  const ok = await decoded
    .verify({ signer: 0, data: entity.slice().buffer, checkChain: false }, cryptoEngine())
    .catch(() => false);
  if (!ok) throw smimeError(source, 'private key', 'the private key of the signer certificate');
}

/** A boundary from the content's SHA-256, lengthened in the (unlikely) case the content holds it. */
async function boundaryFor(entity: Uint8Array<ArrayBuffer>): Promise<string> {
  const text = bytesToBinary(entity);
  const hash = Buffer.from(await globalThis.crypto.subtle.digest('SHA-256', entity))
    .toString('hex')
    .toUpperCase();
  let boundary = `----${hash.slice(0, 32)}`;
  for (let n = 1; text.includes(`--${boundary}`); n++) boundary = `----${hash.slice(0, 32)}${n}`;
  return boundary;
}

function multipartSigned(entity: Uint8Array, der: Uint8Array, boundary: string): string {
  const head =
    'MIME-Version: 1.0\r\n' +
    `Content-Type: multipart/signed; protocol="application/x-pkcs7-signature"; micalg="sha-256"; boundary="${boundary}"\r\n` +
    '\r\n' +
    'This is a signed message in S/MIME format.\r\n' +
    '\r\n' +
    `--${boundary}\r\n`;
  const signature =
    `\r\n--${boundary}\r\n` +
    'Content-Type: application/x-pkcs7-signature; name="smime.p7s"\r\n' +
    'Content-Transfer-Encoding: base64\r\n' +
    'Content-Disposition: attachment; filename="smime.p7s"\r\n' +
    '\r\n' +
    encodeBase64Lines(der) +
    `\r\n--${boundary}--\r\n`;
  return head + new TextDecoder().decode(entity) + signature;
}
