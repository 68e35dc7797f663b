// X.500 distinguished names: OpenSSL slash form and RFC 2253 form, parsed, printed and compared.
import { smimeError } from './smime-error.js';

/** One attribute of a name: a canonical type (short name such as `CN`, or a dotted OID) and its value. */
export interface DnAttribute {
  readonly type: string;
  readonly value: string;
}

/** A distinguished name in X.500 order (most significant first, as in slash form); each RDN holds 1+ attributes. */
export type DistinguishedName = readonly (readonly DnAttribute[])[];

// OIDs and the short names OpenSSL prints for them (crypto/objects/objects.txt).
const NAME_BY_OID: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.17': 'postalCode',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

// Every spelling we accept for a type, upper-cased, to its canonical name.
const TYPE_BY_ALIAS: ReadonlyMap<string, string> = new Map([
  ...Object.entries(NAME_BY_OID).flatMap(([oid, name]) => [
    [oid, name] as const,
    [`OID.${oid}`, name] as const,
    [name.toUpperCase(), name] as const,
  ]),
  ['COMMONNAME', 'CN'],
  ['COUNTRYNAME', 'C'],
  ['LOCALITYNAME', 'L'],
  ['STATEORPROVINCENAME', 'ST'],
  ['S', 'ST'],
  ['ORGANIZATIONNAME', 'O'],
  ['ORGANIZATIONALUNITNAME', 'OU'],
  ['DOMAINCOMPONENT', 'DC'],
  ['USERID', 'UID'],
  ['E', 'emailAddress'],
  ['EMAIL', 'emailAddress'],
  ['STREETADDRESS', 'street'],
  ['SURNAME', 'SN'],
  ['GIVENNAME', 'GN'],
]);

/** The canonical name of an attribute type given as a short name, long name or OID, any case. */
export function canonicalDnType(type: string): string {
  const trimmed = type.trim();
  return TYPE_BY_ALIAS.get(trimmed.toUpperCase()) ?? trimmed.replace(/^oid\./i, '');
}

/**
 * Parses a DN in either form: OpenSSL slash form (`/DC=org/DC=example/CN=x`, what HEPiX lists and
 * grid tools write) when it starts with `/`, RFC 2253 (`CN=x,DC=example,DC=org`) otherwise.
 * @throws FormatError naming `source` when an attribute has no `type=`
 */
export function parseDn(text: string, source = 'distinguished name'): DistinguishedName {
  return text.trimStart().startsWith('/') ? parseSlashDn(text, source) : parseRfc2253Dn(text, source);
}

/**
 * Parses the OpenSSL slash form. OpenSSL does not escape `/` in values and grid host DNs hold them
 * (`/CN=host/vm.example.org`), so a `/` starts a new RDN only when `type=` follows it; `\/` is a
 * literal slash. A `+` before `type=` joins a multi-valued RDN.
 * @throws FormatError naming `source` when the first RDN has no `type=`
 */
export function parseSlashDn(text: string, source = 'distinguished name'): DistinguishedName {
  const body = text.trim().replace(/^\//, '');
  if (body === '') return [];
  const rdns: DnAttribute[][] = [];
  for (const rdnText of splitUnescaped(body, '/')) {
    const attributes = splitUnescaped(rdnText, '+').map((a) => slashAttribute(a, source));
    rdns.push(attributes);
  }
  return rdns;
}

const SLASH_TYPE = /^[A-Za-z][A-Za-z0-9-]*(?:\.[0-9]+)*=|^[0-9]+(?:\.[0-9]+)+=/;

/** Splits at unescaped `separator`s followed by `type=`; a separator not followed by one stays in the value. */
function splitUnescaped(text: string, separator: '/' | '+'): string[] {
  const pieces: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1]!;
      i++;
    } else if (c === separator && SLASH_TYPE.test(text.slice(i + 1))) {
      pieces.push(current);
      current = '';
    } else current += c;
  }
  pieces.push(current);
  return pieces;
}

function slashAttribute(text: string, source: string): DnAttribute {
  const eq = text.indexOf('=');
  if (eq <= 0) throw smimeError(source, 'DN', 'type=value in each RDN of the slash form', text.slice(0, 60));
  const value = text
    .slice(eq + 1)
    .replace(/\\x([0-9A-Fa-f]{2})|\\(.)/g, (_, hex: string, c: string) =>
      hex === undefined ? c : String.fromCharCode(parseInt(hex, 16)),
    );
  return { type: canonicalDnType(text.slice(0, eq)), value };
}

/**
 * Parses RFC 2253 (and RFC 4514) form: least significant RDN first, `,` (or `;`) between RDNs,
 * `+` inside one; `\,` and `\XX` escapes and quoted values (RFC 1779) are read.
 * @throws FormatError naming `source` when an attribute has no `type=`
 */
export function parseRfc2253Dn(text: string, source = 'distinguished name'): DistinguishedName {
  if (text.trim() === '') return [];
  const rdns: DnAttribute[][] = [[]];
  let i = 0;
  while (i <= text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0)
      throw smimeError(source, 'DN', 'type=value in each RDN of RFC 2253 form', text.slice(i, i + 60));
    const type = text.slice(i, eq).trim();
    if (type === '' || /[,+;"\\]/.test(type)) {
      throw smimeError(source, 'DN', 'an attribute type before "="', text.slice(i, i + 60));
    }
    const { value, end } = readRfc2253Value(text, eq + 1);
    rdns[rdns.length - 1]!.push({ type: canonicalDnType(type), value });
    if (end >= text.length) break;
    if (text[end] !== '+') rdns.push([]);
    i = end + 1;
  }
  return rdns.reverse();
}

function readRfc2253Value(text: string, start: number): { value: string; end: number } {
  let i = start;
  while (text[i] === ' ') i++;
  if (text[i] === '"') {
    let value = '';
    for (i++; i < text.length && text[i] !== '"'; i++) {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      value += text[i];
    }
    i++;
    while (i < text.length && !',;+'.includes(text[i]!)) i++;
    return { value, end: i };
  }
  const bytes: number[] = [];
  let trailingSpaces = 0;
  for (; i < text.length && !',;+'.includes(text[i]!); i++) {
    const c = text[i]!;
    if (c === '\\' && /^[0-9A-Fa-f]{2}/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
      trailingSpaces = 0;
    } else if (c === '\\' && i + 1 < text.length) {
      bytes.push(...new TextEncoder().encode(text[i + 1]!));
      i++;
      trailingSpaces = 0;
    } else {
      bytes.push(...new TextEncoder().encode(c));
      trailingSpaces = c === ' ' ? trailingSpaces + 1 : 0;
    }
  }
  const value = new TextDecoder().decode(new Uint8Array(bytes.slice(0, bytes.length - trailingSpaces)));
  return { value, end: i };
}

/** Prints a DN in OpenSSL slash form, as `openssl x509 -subject -nameopt compat` and HEPiX `hv:dn` do. */
export function formatSlashDn(dn: DistinguishedName): string {
  return dn.map((rdn) => `/${rdn.map((a) => `${a.type}=${a.value}`).join('+')}`).join('');
}

/** Prints a DN in RFC 2253 form: reversed order, special characters escaped (§2.4). */
export function formatRfc2253Dn(dn: DistinguishedName): string {
  return [...dn]
    .reverse()
    .map((rdn) => rdn.map((a) => `${a.type}=${escapeRfc2253(a.value)}`).join('+'))
    .join(',');
}

function escapeRfc2253(value: string): string {
  return value
    .replace(/[,+"\\<>;]/g, '\\$&')
    .replace(/^[ #]/, '\\$&')
    .replace(/ $/, '\\ ');
}

/**
 * True when two DNs name the same entity. Types match by canonical name; values match as X.520
 * caseIgnoreMatch does for the directory strings these names use (RFC 4518 §2.6.1: case folded,
 * inner spaces collapsed, edge spaces dropped). RDN order matters; attributes inside one RDN do not.
 * Either side may be a string in slash or RFC 2253 form.
 */
export function isSameDn(a: DistinguishedName | string, b: DistinguishedName | string): boolean {
  const left = typeof a === 'string' ? parseDn(a) : a;
  const right = typeof b === 'string' ? parseDn(b) : b;
  if (left.length !== right.length) return false;
  return left.every((rdn, i) => {
    const other = right[i]!;
    if (rdn.length !== other.length) return false;
    const keys = new Set(other.map(attributeKey));
    return rdn.every((attribute) => keys.has(attributeKey(attribute)));
  });
}

/** The normalised text of a DN: slash form with canonical types and folded values, for keys and logs. */
export function normalizeDn(dn: DistinguishedName | string): string {
  const parsed = typeof dn === 'string' ? parseDn(dn) : dn;
  return parsed.map((rdn) => `/${rdn.map(attributeKey).sort().join('+')}`).join('');
}

function attributeKey(attribute: DnAttribute): string {
  const value = attribute.value.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  return `${canonicalDnType(attribute.type)}=${value}`;
}

/** The short name OpenSSL prints for an attribute type OID, or the OID itself. */
export function dnTypeOfOid(oid: string): string {
  return NAME_BY_OID[oid] ?? oid;
}
