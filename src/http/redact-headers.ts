// Header redaction for logs and reports: the secret names come from the logger's one list.
import { REDACTED_KEYS } from '../log.js';
import { REDACTED } from '../redact-url.js';

const SECRET_HEADERS = new Set(REDACTED_KEYS.map((k) => k.toLowerCase()));

/** True when a header of this name carries a secret (`Authorization`, `X-Auth-Token`, `x-api-key`, …). */
export function isSecretHeaderName(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase()) || name.toLowerCase() === 'cookie';
}

/** The headers with the value of every secret one replaced by `[redacted]`, names lower-cased. */
export function redactHeaders(headers: Headers | Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  for (const [name, value] of entries) out[name.toLowerCase()] = isSecretHeaderName(name) ? REDACTED : value;
  return out;
}
