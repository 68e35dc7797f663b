/**
 * Redaction of URLs before they are printed, logged or put into an error message:
 * credentials in the authority (`user:password@`) are dropped and the values of
 * query (and fragment) parameters whose names carry secrets are replaced. Pure
 * string work, so relative URLs (`/v1/x?key=…`) and malformed input are handled
 * too; nothing here throws.
 * @module
 */

/** What replaces a secret value. */
export const REDACTED = '[redacted]';

// Names compared after percent-decoding, lower-casing and dropping everything but letters and digits,
// so `X-Api-Key`, `api_key`, `k%65y` and `KEY` all count.
const SECRET_NAMES = new Set([
  'key',
  'apikey',
  'xapikey',
  'accesskey',
  'secretkey',
  'privatekey',
  'sessionkey',
  'signingkey',
  'sig',
  'signature',
  'pass',
  'pwd',
  'passwd',
  'password',
  'auth',
  'authorization',
  'code',
  'credential',
  'credentials',
]);
const SECRET_PARTS = ['token', 'secret', 'password', 'passwd', 'signature', 'credential', 'apikey'];

/** Percent-decodes `text` (`+` as a space) as far as it can; malformed escapes stay as they are. */
function decodeLoosely(text: string): string {
  const plus = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/** Decodes repeatedly (at most three times), so a doubly encoded `k%2565y` reads as `key`. */
function decodeName(name: string): string {
  let decoded = name;
  for (let i = 0; i < 3; i++) {
    const next = decodeLoosely(decoded);
    if (next === decoded) break;
    decoded = next;
  }
  return decoded;
}

function isSecretDecodedName(decoded: string): boolean {
  return decoded.split('=').some((part) => {
    const n = part.toLowerCase().replace(/[^a-z0-9]/g, '');
    return SECRET_NAMES.has(n) || SECRET_PARTS.some((p) => n.includes(p));
  });
}

/**
 * True when a query parameter of this name (as written, percent-encoded or not) may carry a
 * secret: `token`, `key`, `password`, `secret`, `access_token`, `X-Amz-Signature`, … Matched
 * without regard to case, after percent-decoding (repeatedly, so `k%2565y` counts too).
 */
export function isSecretParamName(name: string): boolean {
  return isSecretDecodedName(decodeName(name));
}

/** Options of {@link redactUrl}. */
export interface RedactUrlOptions {
  /** Hide every query value (as `…`), not only those of secret names; for upstream API paths. */
  readonly allQueryValues?: boolean;
}

function redactParams(params: string, options: RedactUrlOptions): string {
  return params
    .split(/([&;])/)
    .map((part, i) => {
      if (i % 2 === 1) return part; // a separator
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const decoded = decodeName(name);
      const isSecret = isSecretDecodedName(decoded);
      // an encoded `=` in the name (`key%3Dabc`) puts the secret into the name itself
      if (isSecret && decoded.includes('=')) return REDACTED;
      if (eq < 0) return part;
      if (options.allQueryValues) return `${name}=…`;
      return isSecret ? `${name}=${REDACTED}` : part;
    })
    .join('');
}

// scheme, then the slashes before an authority (WHATWG URL parsing also takes backslashes, and for
// the special schemes no slash at all: `http:user:pw@host` is `http://user:pw@host`)
const AUTHORITY = /^([A-Za-z][A-Za-z0-9+.-]*:)?([/\\]*)/;
const SPECIAL_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:']);

function stripUserinfo(head: string): string {
  const m = AUTHORITY.exec(head)!;
  const scheme = m[1];
  const slashes = m[2]!;
  const hasAuthority =
    slashes.length >= 2 || (scheme !== undefined && SPECIAL_SCHEMES.has(scheme.toLowerCase()));
  if (!hasAuthority) return head;
  const start = m[0].length;
  const rest = head.slice(start);
  const end = rest.search(/[/\\]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at < 0) return head;
  return head.slice(0, start) + authority.slice(at + 1) + rest.slice(authority.length);
}

/**
 * The URL with its userinfo (`user:password@`) removed and the values of secret-carrying query
 * and fragment parameters (see {@link isSecretParamName}) replaced by `[redacted]`. Works on
 * absolute and relative URLs and on anything else given as a string; never throws.
 * @example redactUrl('https://admin:pw@k.example.org/v3?token=abc&limit=1') // 'https://k.example.org/v3?token=[redacted]&limit=1'
 * @example redactUrl('/v1/x?k%65y=abc') // '/v1/x?k%65y=[redacted]'
 */
export function redactUrl(url: string, options: RedactUrlOptions = {}): string {
  const text = String(url);
  const hash = text.indexOf('#');
  const beforeHash = hash < 0 ? text : text.slice(0, hash);
  const fragment = hash < 0 ? undefined : text.slice(hash + 1);
  const q = beforeHash.indexOf('?');
  const head = q < 0 ? beforeHash : beforeHash.slice(0, q);
  const query = q < 0 ? undefined : beforeHash.slice(q + 1);
  let out = stripUserinfo(head);
  if (query !== undefined) out += `?${redactParams(query, options)}`;
  // OAuth implicit flows put tokens in the fragment (`#access_token=…`)
  if (fragment !== undefined) out += `#${redactParams(fragment, {})}`;
  return out;
}

// a URL inside free text: a scheme and `//`, up to white space or a quote or bracket
const URL_IN_TEXT = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>`]+/g;

/**
 * `text` with every absolute URL in it redacted by {@link redactUrl}; for messages of errors that
 * quote a URL (fetch's "Request cannot be constructed from a URL that includes credentials: …").
 */
export function redactUrlsInText(text: string): string {
  return String(text).replace(URL_IN_TEXT, (u) => redactUrl(u));
}

/** True when the URL carries userinfo (`user@` or `user:password@`) in its authority. */
export function hasUrlUserinfo(url: string): boolean {
  const text = String(url);
  const end = text.search(/[?#]/);
  const head = end < 0 ? text : text.slice(0, end);
  return stripUserinfo(head) !== head;
}
