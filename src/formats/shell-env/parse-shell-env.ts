// Shell files that set OpenStack variables (`openstack.rc`: `export OS_AUTH_URL=…`): a pure parser.
import { FedstackError } from '../../errors.js';

/** One variable and the line it is set on (1-based). */
export interface ShellVariable {
  readonly value: string;
  readonly line: number;
}

/** What the file sets, and the lines it does more than set (left to the caller to report). */
export interface ShellEnvDocument {
  readonly variables: ReadonlyMap<string, ShellVariable>;
  /** Lines that are not an assignment (commands, `unset`, conditionals), by line number. */
  readonly otherLines: readonly { readonly line: number; readonly text: string }[];
}

/** An assignment whose value cannot be read without running a shell. */
export class ShellEnvError extends FedstackError {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super('CONFIG_INVALID', `${file}:${line}: ${message}`);
  }
}

/** The value up to a trailing `# comment` (outside quotes). */
function withoutComment(value: string, file: string, line: number): string {
  const quote = value[0];
  if (quote !== "'" && quote !== '"') return value.replace(/\s+#.*$/, '');
  let end = 1;
  while (end < value.length && (value[end] !== quote || (quote === '"' && value[end - 1] === '\\'))) end++;
  const rest = value.slice(end + 1).trim();
  if (rest !== '' && !rest.startsWith('#'))
    throw new ShellEnvError(file, line, `unexpected text after the closing quote: ${rest}`);
  return value.slice(0, end + 1);
}

function unquote(text: string, file: string, line: number): string {
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) throw new ShellEnvError(file, line, 'unclosed single quote');
    return text.slice(1, -1);
  }
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) throw new ShellEnvError(file, line, 'unclosed double quote');
    const inner = text.slice(1, -1);
    if (/(^|[^\\])[$`]/.test(inner))
      throw new ShellEnvError(file, line, 'the value expands a variable or a command; write it out');
    return inner.replace(/\\(["\\$`])/g, '$1');
  }
  if (/[$`\s;|&<>()]/.test(text))
    throw new ShellEnvError(file, line, 'the value expands a variable or a command; write it out');
  return text;
}

/**
 * Reads `NAME=value` and `export NAME=value` lines (single, double or no quotes; `#` comments);
 * the last assignment of a name wins. Other lines (commands such as `read -s OS_PASSWORD`) are
 * returned as `otherLines`, not run.
 * @throws ShellEnvError naming the file and line for a value that needs a shell to expand.
 * @example parseShellEnv('export OS_AUTH_URL=https://keystone.example.org:5000/v3\n', 'openstack.rc')
 */
export function parseShellEnv(text: string, file: string): ShellEnvDocument {
  const variables = new Map<string, ShellVariable>();
  const otherLines: { line: number; text: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(trimmed);
    if (!match) {
      otherLines.push({ line: i + 1, text: trimmed });
      continue;
    }
    variables.set(match[1]!, {
      value: unquote(withoutComment(match[2]!.trim(), file, i + 1), file, i + 1),
      line: i + 1,
    });
  }
  return { variables, otherLines };
}
