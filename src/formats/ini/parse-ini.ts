// INI files as oslo.config (cASO, atrope) and Python's configparser (SSM) read them: a pure parser.
import { FedstackError } from '../../errors.js';

/** One `key = value` of a section, with the line it starts on (1-based). */
export interface IniValue {
  readonly value: string;
  readonly line: number;
}

/** The sections of a file in order; keys lower-cased (both readers fold key case), values as written. */
export interface IniDocument {
  readonly sections: ReadonlyMap<string, ReadonlyMap<string, IniValue>>;
}

/** A line the parser cannot read. */
export class IniError extends FedstackError {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super('CONFIG_INVALID', `${file}:${line}: ${message}`);
  }
}

/**
 * Parses INI text: `[section]` headers (`DEFAULT` included, as written), `key = value` or
 * `key: value` lines, whole-line comments starting with `#` or `;`, and continuation lines
 * (indented, appended with a newline, as both readers do). A key given twice keeps the last
 * value, as oslo.config does. Inline comments are part of the value: neither reader strips them
 * by default.
 * @throws IniError naming the file and line for a key outside any section, a line that is no
 *   header, assignment or comment, or an unclosed header.
 * @example parseIni('[DEFAULT]\nsite_name = CESGA\n', 'caso.conf').sections.get('DEFAULT')?.get('site_name')?.value
 */
export function parseIni(text: string, file: string): IniDocument {
  const sections = new Map<string, Map<string, IniValue>>();
  let current: Map<string, IniValue> | undefined;
  let last: { key: string; entry: { value: string; line: number } } | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      if (trimmed === '') last = undefined;
      continue;
    }
    if (/^\s/.test(raw) && last && current) {
      last.entry.value = `${last.entry.value}\n${trimmed}`;
      current.set(last.key, { ...last.entry });
      continue;
    }
    if (trimmed.startsWith('[')) {
      const match = /^\[([^\]]+)\]$/.exec(trimmed);
      if (!match) throw new IniError(file, line, `expected a section header like [name], found ${trimmed}`);
      const name = match[1]!.trim();
      current = sections.get(name) ?? new Map<string, IniValue>();
      sections.set(name, current);
      last = undefined;
      continue;
    }
    const assignment = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!assignment)
      throw new IniError(file, line, `expected "key = value", a [section] or a comment, found ${trimmed}`);
    if (!current) throw new IniError(file, line, `"${assignment[1]}" comes before any [section]`);
    const key = assignment[1]!.toLowerCase();
    const entry = { value: assignment[2]!, line };
    current.set(key, { ...entry });
    last = { key, entry };
  }
  return { sections };
}

/** The value of `key` in `section`, else in `[DEFAULT]` (configparser's fallback); undefined when absent. */
export function iniValue(doc: IniDocument, section: string, key: string): IniValue | undefined {
  return (
    doc.sections.get(section)?.get(key.toLowerCase()) ?? doc.sections.get('DEFAULT')?.get(key.toLowerCase())
  );
}

/** A comma-separated list option (`projects = a, b`), empty items dropped. */
export function iniList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}
