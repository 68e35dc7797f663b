// S/MIME enveloped data (RFC 5751 over CMS EnvelopedData, RFC 5652 §6), as `openssl smime -encrypt`
// writes it (ssmsend with `server_cert`): parsed with pkijs, decrypted with Node's crypto, since
// WebCrypto has neither the RSA PKCS#1 v1.5 key transport openssl uses nor 3DES.
import { constants, createDecipheriv, createPrivateKey, privateDecrypt, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { certificateIssuer, certificateName, parseCertificates } from './certificate.js';
import { isSameDn } from './distinguished-name.js';
import { parseContentType, splitEntity } from './mime-entity.js';
import { readBer } from './read-ber.js';
import { smimeError } from './smime-error.js';
import { decodeTransfer } from './smime-message.js';

/** The recipient: its certificate (to find its RecipientInfo) and unencrypted PEM private key. */
export interface SmimeRecipient {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const RSAES_OAEP = '1.2.840.113549.1.1.7';
/** Content ciphers openssl smime uses, by OID: Node's cipher name and key length. */
const CIPHERS: Readonly<Record<string, { readonly name: string; readonly keyBytes: number }>> = {
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyBytes: 24 },
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyBytes: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyBytes: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyBytes: 32 },
};
const ENVELOPED = /^application\/(x-)?pkcs7-mime$/i;

/** True when `text` starts with MIME headers of an S/MIME enveloped-data entity. */
export function isEnvelopedSmime(text: string): boolean {
  const entity = splitEntity(text.slice(0, 8192));
  const header = entity?.headers.get('content-type');
  if (!header) return false;
  const type = parseContentType(header, 'message');
  return (
    ENVELOPED.test(type.mediaType) &&
    (type.parameters.get('smime-type') ?? 'enveloped-data').toLowerCase() === 'enveloped-data'
  );
}

/**
 * Removes PKCS#1 v1.5 encryption padding (0x00 0x02, 8+ non-zero bytes, 0x00, the key). The
 * caller gives one error for every failure, so the failure says nothing of where it failed.
 */
function unpadPkcs1(block: Buffer): Buffer | undefined {
  if (block.length < 11 || block[0] !== 0 || block[1] !== 2) return undefined;
  const zero = block.indexOf(0, 2);
  if (zero < 10) return undefined;
  return block.subarray(zero + 1);
}

function contentKey(info: pkijs.KeyTransRecipientInfo, key: KeyObject, source: string): Buffer {
  const wrapped = Buffer.from(info.encryptedKey.valueBlock.valueHexView);
  const algorithm = info.keyEncryptionAlgorithm.algorithmId;
  try {
    if (algorithm === RSAES_OAEP)
      return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING }, wrapped);
    if (algorithm === RSA_ENCRYPTION) {
      // Node 20 refuses PKCS#1 v1.5 in privateDecrypt: decrypt raw and remove the padding here
      const key1 = unpadPkcs1(privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, wrapped));
      if (key1) return key1;
    }
  } catch {
    // one answer for every failure below
  }
  if (algorithm !== RSA_ENCRYPTION && algorithm !== RSAES_OAEP)
    throw smimeError(
      source,
      'keyEncryptionAlgorithm',
      'RSA key transport (rsaEncryption or RSAES-OAEP)',
      algorithm,
    );
  throw smimeError(
    source,
    'encryptedKey',
    'a content key encrypted for this recipient’s key',
    'one that does not decrypt',
  );
}

/**
 * Decrypts an S/MIME enveloped-data entity (MIME headers, base64 body) for `recipient`: the
 * RecipientInfo of its certificate (issuer and serial number), the content key by RSA (PKCS#1 v1.5
 * or OAEP), the content by 3DES or AES-CBC. Returns the decrypted MIME entity, bytes as sent
 * (for ssmsend: the signed message).
 * @throws FormatError `SMIME_INVALID` naming the field: not enveloped data, no RecipientInfo for
 *   this certificate, an unknown cipher, a key or content that does not decrypt.
 */
export function decryptSmime(text: string, source: string, recipient: SmimeRecipient): Uint8Array {
  const entity = splitEntity(text);
  const header = entity?.headers.get('content-type');
  if (!entity || !header || !ENVELOPED.test(parseContentType(header, source).mediaType))
    throw smimeError(source, 'Content-Type', 'application/pkcs7-mime (enveloped-data)', header ?? 'none');
  const der = decodeTransfer(entity.headers, entity.body, source, 'application/pkcs7-mime');
  let enveloped: pkijs.EnvelopedData;
  try {
    const info = new pkijs.ContentInfo({ schema: readBer(der, source, 'PKCS7', 'a DER ContentInfo') });
    if (info.contentType !== pkijs.ContentInfo.ENVELOPED_DATA)
      throw smimeError(
        source,
        'PKCS7',
        `content type enveloped-data (${pkijs.ContentInfo.ENVELOPED_DATA})`,
        info.contentType,
      );
    enveloped = new pkijs.EnvelopedData({ schema: info.content });
  } catch (error) {
    if ((error as { code?: string }).code === 'SMIME_INVALID') throw error;
    throw smimeError(
      source,
      'PKCS7',
      'a CMS EnvelopedData',
      String((error as Error).message ?? error).slice(0, 80),
    );
  }
  const certificate = parseCertificates(recipient.certificatePem, 'recipient certificate')[0]!;
  const issuer = certificateIssuer(certificate);
  const serial = Buffer.from(certificate.serialNumber.valueBlock.valueHexView).toString('hex');
  const mine = enveloped.recipientInfos
    .map((r) => r.value)
    .find((v): v is pkijs.KeyTransRecipientInfo => {
      if (!(v instanceof pkijs.KeyTransRecipientInfo) || !(v.rid instanceof pkijs.IssuerAndSerialNumber))
        return false;
      const ridSerial = Buffer.from(v.rid.serialNumber.valueBlock.valueHexView).toString('hex');
      return ridSerial === serial && isSameDn(certificateName(v.rid.issuer).dn, issuer.dn);
    });
  if (!mine)
    throw smimeError(
      source,
      'recipientInfos',
      `a RecipientInfo for ${issuer.slash} serial ${serial}`,
      'none',
    );
  const key = contentKey(mine, createPrivateKey(recipient.privateKeyPem), source);
  const content = enveloped.encryptedContentInfo;
  const cipher = CIPHERS[content.contentEncryptionAlgorithm.algorithmId];
  if (!cipher)
    throw smimeError(
      source,
      'contentEncryptionAlgorithm',
      '3DES or AES-CBC',
      content.contentEncryptionAlgorithm.algorithmId,
    );
  const iv = content.contentEncryptionAlgorithm.algorithmParams;
  if (!(iv instanceof asn1js.OctetString) || key.length !== cipher.keyBytes)
    throw smimeError(
      source,
      'contentEncryptionAlgorithm',
      `${cipher.name} with its IV and a ${cipher.keyBytes}-byte key`,
    );
  try {
    const decipher = createDecipheriv(cipher.name, key, Buffer.from(iv.valueBlock.valueHexView));
    return new Uint8Array(
      Buffer.concat([decipher.update(Buffer.from(content.getEncryptedContent())), decipher.final()]),
    );
  } catch {
    throw smimeError(source, 'encryptedContent', `content that decrypts with ${cipher.name}`, 'bad padding');
  }
}

/** The decrypted entity as text (for the APEL messages inside). */
export function decryptSmimeText(text: string, source: string, recipient: SmimeRecipient): string {
  return new TextDecoder().decode(decryptSmime(text, source, recipient));
}
