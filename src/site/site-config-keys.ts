// Key rules of the site YAML beyond its shape: secrets written inline, URLs carrying credentials.
import { z } from 'zod';
import { redactUrl } from '../redact-url.js';

/**
 * Keys the EGI catch-all format allows in `vos[]` that Fedstack does not read: the catch-all schema
 * leaves `vos[]` open, and older site files set a VO's networks there (cloud-info-provider 0.x).
 */
export const IGNORED_VO_KEYS = ['defaultNetwork', 'publicNetwork'] as const;

// exact key names (lower case, `-` as `_`) that hold a secret, besides any `…_password`, `…_secret`, `…_token`
const INLINE_SECRET_NAMES = new Set([
  'password',
  'passwd',
  'pass',
  'pwd',
  'secret',
  'token',
  'key',
  'api_key',
  'apikey',
  'x_api_key',
  'access_key',
  'secret_key',
  'private_key',
]);

/** True when a key of the site YAML would hold a secret written inline (`password`, `token`, `client_secret`, …). */
export function isInlineSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/-/g, '_');
  return INLINE_SECRET_NAMES.has(k) || /_(password|passwd|secret|token)$/.test(k);
}

/** One rule broken at a key path, with a message that never quotes the key's value. */
export interface KeyProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

// maps whose keys are data (service types, project ids or names), not config keys
const DATA_MAPS = new Set(['endpoints', 'accounting.vo_map']);
// site configs are a few levels deep; stop a hostile document from recursing far
const MAX_DEPTH = 32;

function joinPath(path: readonly PropertyKey[]): string {
  return path.filter((k) => typeof k === 'string').join('.');
}

/** The advice for a secret written inline: where the reference goes instead. */
export function inlineSecretMessage(path: readonly PropertyKey[], key: string): string {
  const holder = path.slice(0, -1);
  const last = holder[holder.length - 1];
  const inHolder =
    last === 'credentials' ||
    (last === 'ams' && holder[holder.length - 2] === 'accounting') ||
    // an image source holds its own references (`images.sources[0].token_env`)
    (typeof last === 'number' &&
      holder[holder.length - 2] === 'sources' &&
      holder[holder.length - 3] === 'images');
  const where = inHolder ? '' : ' in a `credentials` block';
  return (
    `is a secret written inline, which is refused: give it by reference as \`${key}_env\` (an environment ` +
    `variable) or \`${key}_file\` (a file)${where}; the value is not shown`
  );
}

/**
 * Finds every key of a parsed site YAML that holds a secret written inline, at any depth (the keys
 * of `endpoints` and `accounting.vo_map` are data and skipped).
 */
export function findInlineSecrets(value: unknown): KeyProblem[] {
  const problems: KeyProblem[] = [];
  const walk = (v: unknown, path: PropertyKey[]): void => {
    if (v === null || typeof v !== 'object' || path.length > MAX_DEPTH) return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...path, i]));
      return;
    }
    const isDataMap = DATA_MAPS.has(joinPath(path));
    for (const [key, child] of Object.entries(v as Record<string, unknown>)) {
      if (isDataMap) continue;
      const at = [...path, key];
      if (isInlineSecretKey(key)) problems.push({ path: at, message: inlineSecretMessage(at, key) });
      else walk(child, at);
    }
  };
  walk(value, []);
  return problems;
}

/**
 * A URL of the site YAML: valid, and without credentials (`user:password@`, or a secret query
 * parameter such as `?token=`), which would be printed and published with the URL.
 */
export function configUrl(): z.ZodString {
  return z
    .string()
    .url()
    .refine((u) => redactUrl(u) === u, {
      message:
        'must not carry credentials (user:password@ or a secret query parameter); secrets are given only ' +
        'by reference (`*_env` or `*_file`); the value is not shown',
    });
}

/** `<name>_env` and `<name>_file`: a secret by reference (environment variable or file). */
export function secretRef<N extends string>(
  name: N,
): { [K in `${N}_env` | `${N}_file`]: z.ZodOptional<z.ZodString> } {
  return {
    [`${name}_env`]: z.string().min(1).optional(),
    [`${name}_file`]: z.string().min(1).optional(),
  } as { [K in `${N}_env` | `${N}_file`]: z.ZodOptional<z.ZodString> };
}

/** A secret by reference: `<name>Env` (an environment variable) or `<name>File` (a file). */
export type SecretRef<N extends string> = { readonly [K in `${N}Env` | `${N}File`]?: string };

/** A key path as `vos[0].auth.project_id`; a key that is no plain name is quoted: `vos[0][" x"]`. */
export function issuePath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const k of p) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(k))) out += out ? `.${String(k)}` : String(k);
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out || '(top level)';
}
