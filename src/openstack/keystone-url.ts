// Keystone URL normalisation: site configs hold `…/v3`, `…/v3/`, `…/identity/v3`, `…/v2.0`.
import { redactUrl as redactAnyUrl } from '../redact-url.js';

/**
 * Returns the Keystone v3 base URL (ending in `/v3`, no trailing slash) for any
 * of the spellings found in site configs and GOCDB.
 * @example normalizeKeystoneUrl('https://k.example.org:5000/v3/') // 'https://k.example.org:5000/v3'
 * @example normalizeKeystoneUrl('https://k.example.org/identity') // 'https://k.example.org/identity/v3'
 */
export function normalizeKeystoneUrl(url: string): string {
  const u = new URL(url);
  let p = u.pathname.replace(/\/+$/, '');
  // old clients built `/v3/v3/…` from such values: strip every version suffix
  while (/\/(v3|v2\.0)$/.test(p)) p = p.replace(/\/(v3|v2\.0)$/, '');
  u.pathname = `${p}/v3`;
  u.search = '';
  u.hash = '';
  return u.toString().replace(/\/$/, '');
}

/** Joins a base URL and a path with exactly one slash between them. */
export function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//.test(path)) return path;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * The URL without credentials and with every query value hidden (keys kept), for errors and logs
 * of upstream API calls; relative or malformed input is redacted as well as it can be.
 */
export function redactUrl(url: string): string {
  return redactAnyUrl(url, { allQueryValues: true });
}
