// Writes a file so that readers see the old or the new content, never a partial one.
import { renameSync, writeFileSync } from 'node:fs';

/** Writes `text` to a temporary file beside `file`, then renames it over `file`. */
export function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, text, 'utf8');
  renameSync(temporary, file);
}
