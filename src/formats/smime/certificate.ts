// X.509 certificates for S/MIME: PEM/DER reading, subject and issuer names, trusted CA sets.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { dnTypeOfOid, formatRfc2253Dn, formatSlashDn, type DistinguishedName } from './distinguished-name.js';
import { decodeBase64 } from './mime-entity.js';
import { readBer } from './read-ber.js';
import { smimeError } from './smime-error.js';

/** A certificate's name in both printed forms and parsed. */
export interface CertificateName {
  /** OpenSSL slash form, `/DC=org/DC=example/CN=x`. */
  readonly slash: string;
  /** RFC 2253 form, `CN=x,DC=example,DC=org`. */
  readonly rfc2253: string;
  readonly dn: DistinguishedName;
}

/** A file of a CA directory or bundle, read by the caller. */
export interface CaFile {
  readonly name: string;
  readonly text: string;
}

const PEM_CERTIFICATE =
  /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;

let engine: pkijs.ICryptoEngine | undefined;

/** The pkijs crypto engine over WebCrypto, passed to pkijs explicitly so no global engine is set. */
export function cryptoEngine(): pkijs.ICryptoEngine {
  // pkijs types ICryptoEngine against a newer SubtleCrypto (with KEM methods) than it implements.
  engine ??= new pkijs.CryptoEngine({
    name: 'webcrypto',
    crypto: globalThis.crypto,
  }) as unknown as pkijs.ICryptoEngine;
  return engine;
}

/** The encoded TBS part of a certificate, which identifies it. */
export function tbsBytes(certificate: pkijs.Certificate): Uint8Array {
  if (certificate.tbsView.byteLength === 0)
    certificate.tbsView = new Uint8Array(certificate.encodeTBS().toBER());
  return certificate.tbsView;
}

/**
 * Reads every certificate of a PEM text (one or many `BEGIN CERTIFICATE` blocks) or one DER certificate.
 * @throws FormatError naming `source` when there is none or one cannot be decoded
 */
export function parseCertificates(input: string | Uint8Array, source: string): pkijs.Certificate[] {
  if (typeof input !== 'string') return [decodeCertificate(input, source)];
  const blocks = [...input.matchAll(PEM_CERTIFICATE)];
  if (blocks.length === 0) throw smimeError(source, 'CERTIFICATE', 'a PEM certificate block');
  return blocks.map((block) => decodeCertificate(decodeBase64(block[1]!, source, 'CERTIFICATE'), source));
}

function decodeCertificate(der: Uint8Array, source: string): pkijs.Certificate {
  const asn1 = readBer(der, source, 'CERTIFICATE', 'a DER certificate');
  try {
    return new pkijs.Certificate({ schema: asn1 });
  } catch (error) {
    throw smimeError(source, 'CERTIFICATE', 'an X.509 certificate', String(error).slice(0, 80));
  }
}

/**
 * The trusted CA certificates of a CA directory or bundle: the hashed `<hash>.<n>` files of an IGTF
 * directory (`/etc/grid-security/certificates`) and any `.pem`/`.crt` bundle. The other files of such
 * a directory (`.r0` CRLs, `.signing_policy`, `.namespaces`, `.info`) are skipped.
 * @throws FormatError naming the file that holds no readable certificate
 */
export function parseTrustedCas(files: readonly CaFile[]): pkijs.Certificate[] {
  return files
    .filter((file) => /\.(?:\d+|pem|crt|cer)$/i.test(file.name))
    .flatMap((file) => parseCertificates(file.text, file.name));
}

/** The subject name of a certificate. */
export function certificateSubject(certificate: pkijs.Certificate): CertificateName {
  return certificateName(certificate.subject);
}

/** The issuer name of a certificate. */
export function certificateIssuer(certificate: pkijs.Certificate): CertificateName {
  return certificateName(certificate.issuer);
}

/** A Name (a certificate's, or a CMS IssuerAndSerialNumber's) in both printed forms and parsed. */
export function certificateName(name: pkijs.RelativeDistinguishedNames): CertificateName {
  const dn = readRdns(name);
  return { slash: formatSlashDn(dn), rfc2253: formatRfc2253Dn(dn), dn };
}

// pkijs flattens the RDN SETs into one list; re-reading the encoded Name keeps multi-valued RDNs.
function readRdns(name: pkijs.RelativeDistinguishedNames): DistinguishedName {
  let sets: asn1js.AsnType[] = [];
  try {
    const encoded = asn1js.fromBER(name.valueBeforeDecode);
    if (encoded.offset !== -1) sets = sequenceItems(encoded.result);
  } catch {
    // pkijs decoded this Name once already; fall back to its flat list below
  }
  if (sets.length === 0) {
    return name.typesAndValues.map((tv) => [{ type: dnTypeOfOid(tv.type), value: attributeValue(tv.value) }]);
  }
  return sets.map((set) =>
    sequenceItems(set).map((pair) => {
      const [type, value] = sequenceItems(pair);
      const oid = type instanceof asn1js.ObjectIdentifier ? type.getValue() : '';
      return { type: dnTypeOfOid(oid), value: value === undefined ? '' : attributeValue(value) };
    }),
  );
}

function sequenceItems(block: asn1js.AsnType): asn1js.AsnType[] {
  const value = (block as { valueBlock?: { value?: unknown } }).valueBlock?.value;
  return Array.isArray(value) ? (value as asn1js.AsnType[]) : [];
}

function attributeValue(value: unknown): string {
  const block = (value as { valueBlock?: { value?: unknown } }).valueBlock;
  if (typeof block?.value === 'string') return block.value;
  const ber = (value as asn1js.BaseBlock).toBER(false);
  return `#${Buffer.from(ber).toString('hex')}`;
}
