// The `hv:uri` of an image: a download URL, or a `docker://` / `oci://` reference to an OCI artefact.
import type { ImageLocation } from './types.js';

// An OCI reference: registry host (optional port), one or more lower-case path components, then an
// optional tag and an optional digest (the grammar of the OCI distribution spec, simplified).
const OCI_REFERENCE =
  /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

const OCI_SCHEMES = ['docker', 'oci'] as const;

// vmcatcher downloads through urllib, which also takes ftp:// and file:// URLs.
const READ_URL_SCHEMES = ['http:', 'https:', 'ftp:', 'file:'];

// atrope and cloudkeeper download with requests / Faraday: HTTP(S) only.
const WRITE_URL_SCHEMES = ['http:', 'https:'];

/**
 * Reads an `hv:uri`: `docker://` or `oci://` followed by an OCI reference becomes an `oci`
 * location, an absolute http, https, ftp or file URL a `url` location.
 * @returns the location, or `undefined` when the text is neither
 */
export function parseImageLocation(text: string): ImageLocation | undefined {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(text);
  const scheme = match?.[1]?.toLowerCase();
  const oci = OCI_SCHEMES.find((s) => s === scheme);
  if (oci !== undefined) {
    const reference = match![2]!;
    return OCI_REFERENCE.test(reference) ? { kind: 'oci', scheme: oci, reference } : undefined;
  }
  return isUrl(text, READ_URL_SCHEMES) ? { kind: 'url', url: text } : undefined;
}

/**
 * Spells a location as an `hv:uri`, refusing what the subscribers cannot fetch.
 * @returns the URI, or `undefined` when the location is not an http(s) URL or a valid OCI reference
 */
export function formatImageLocation(location: ImageLocation): string | undefined {
  if (location.kind === 'oci') {
    return OCI_SCHEMES.includes(location.scheme) && OCI_REFERENCE.test(location.reference)
      ? `${location.scheme}://${location.reference}`
      : undefined;
  }
  if (location.kind === 'url') return isUrl(location.url, WRITE_URL_SCHEMES) ? location.url : undefined;
  const never: never = location;
  return never;
}

function isUrl(text: string, schemes: readonly string[]): boolean {
  // no blanks or control characters: URL() would quietly strip or encode them
  if (!/^[\x21-\x7e]+$/.test(text)) return false;
  try {
    const url = new URL(text);
    return schemes.includes(url.protocol) && (url.protocol === 'file:' || url.host !== '');
  } catch {
    return false;
  }
}
