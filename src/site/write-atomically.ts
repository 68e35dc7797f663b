// Writes a file so that readers see the old or the new content, never a partial one, and a crash keeps the new one.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes `text` to a new temporary file beside `file` (with `mode`, default 0666 less the umask),
 * flushes it to disk, renames it over `file` and flushes the directory: once this resolves, a crash
 * or power loss leaves the new content. When writing or renaming fails, the temporary file is
 * removed and `file` keeps its old content; when only the final flush of the directory fails, the
 * error comes after `file` was replaced. Concurrent calls for one file each use their own
 * temporary file; the last rename wins.
 */
export async function writeAtomically(file: string, text: string, mode?: number): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  // "wx": a fresh file, never one (or a link) already at that name
  const handle = await open(temporary, 'wx', mode);
  try {
    try {
      if (mode !== undefined) await handle.chmod(mode);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
  const directory = await open(path.dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
