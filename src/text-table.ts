// Plain-text tables for terminals: columns padded to their widest cell, the last one left ragged.

/**
 * Renders `header` and `rows` as lines separated by two spaces; no trailing blanks.
 * @example renderTable(['SITE', 'STATE'], [['A', 'ok']]) // 'SITE  STATE\nA     ok\n'
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
