// Writes a file so that readers see the old or the new content, never a partial one.
import { renameSync, writeFileSync } from 'node:fs';

/**
 * Writes `text` to a temporary file beside `file` (created with `mode`, default 0644 less the
 * umask), then renames it over `file`.
 */
export function writeAtomically(file: string, text: string, mode?: number): void {
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, text, { encoding: 'utf8', mode });
  renameSync(temporary, file);
}
