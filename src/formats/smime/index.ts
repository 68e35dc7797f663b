// S/MIME signed documents (RFC 5751 over CMS, RFC 5652): read, verify against trusted CAs, sign; DN forms.
export { SMIME_INVALID } from './smime-error.js';
export { parseSmime, type SmimeMessage } from './smime-message.js';
export {
  verifySmime,
  verifySmimeMessage,
  requireVerified,
  type SmimeRejectionReason,
  type SmimeSigner,
  type SmimeVerification,
  type VerifySmimeOptions,
} from './verify-smime.js';
export { signSmime, type SignSmimeOptions } from './sign-smime.js';
export { decryptSmime, decryptSmimeText, isEnvelopedSmime, type SmimeRecipient } from './decrypt-smime.js';
export {
  parseCertificates,
  parseTrustedCas,
  certificateSubject,
  certificateIssuer,
  type CaFile,
  type CertificateName,
} from './certificate.js';
export {
  parseDn,
  parseSlashDn,
  parseRfc2253Dn,
  formatSlashDn,
  formatRfc2253Dn,
  isSameDn,
  normalizeDn,
  canonicalDnType,
  type DistinguishedName,
  type DnAttribute,
} from './distinguished-name.js';
