// LDIF (RFC 2849) line encoding and DN value escaping (RFC 4514) for the GLUE LDIF renderer.

/** Lines longer than this are folded, as RFC 2849 §2 recommends. */
export const LDIF_LINE_WIDTH = 76;

// RFC 2849 SAFE-STRING: ASCII without NUL, LF, CR; not starting with space, ':' or '<'.
// A trailing space is also base64-encoded so that no tool trims it.
function isSafeString(value: string): boolean {
  if (value === '') return true;
  const first = value.charCodeAt(0);
  if (first === 0x20 || first === 0x3a || first === 0x3c || value.endsWith(' ')) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d || c > 0x7f) return false;
  }
  return true;
}

function fold(line: string): string {
  if (line.length <= LDIF_LINE_WIDTH) return line;
  const parts = [line.slice(0, LDIF_LINE_WIDTH)];
  for (let i = LDIF_LINE_WIDTH; i < line.length; i += LDIF_LINE_WIDTH - 1) {
    parts.push(' ' + line.slice(i, i + LDIF_LINE_WIDTH - 1));
  }
  return parts.join('\n');
}

/**
 * One `attribute: value` line of LDIF, folded at {@link LDIF_LINE_WIDTH} characters;
 * values that are not SAFE-STRINGs (non-ASCII, leading space or colon, line breaks,
 * trailing space) are written `attribute:: <base64 of UTF-8>`.
 */
export function ldifLine(attribute: string, value: string): string {
  const line = isSafeString(value)
    ? `${attribute}: ${value}`
    : `${attribute}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
  return fold(line);
}

/** One relative distinguished name `attribute=value`, the value escaped as RFC 4514 §2.4 requires. */
export function rdn(attribute: string, value: string): string {
  let escaped = value.replace(/[\\"+,;<>=]/g, (c) => `\\${c}`);
  if (escaped.startsWith('#') || escaped.startsWith(' ')) escaped = `\\${escaped}`;
  if (escaped.endsWith(' ')) escaped = `${escaped.slice(0, -1)}\\ `;
  return `${attribute}=${escaped}`;
}
