// Makes free text (names from OpenStack) safe for APEL: ASCII only, one line, no `%%`, trimmed, bounded.

/**
 * Returns `value` as APEL and SSM can carry it: non-ASCII characters dropped
 * (SSM decodes messages as ASCII), control characters and `%%` (APEL's record
 * separator) removed, trimmed and cut to `maxLength`. Undefined for empty results.
 */
export function toApelText(value: string | undefined, maxLength = 255): string | undefined {
  if (value === undefined) return undefined;
  let out = value.replace(/[^\x20-\x7e]/g, '');
  while (out.includes('%%')) out = out.replace(/%%/g, '%');
  out = out.trim().slice(0, maxLength).trim();
  return out === '' ? undefined : out;
}
