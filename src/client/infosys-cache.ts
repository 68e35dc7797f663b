// Answers of the information system kept on disk for a while, so that listing sites, images
// and flavors again is instant and works when the hub is slow.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `fetch()`'s value, from `<cacheDir>/infosys` when it is younger than `ttlMs` (and `refresh` is
 * not set), else fetched and kept.
 */
export async function cachedAnswer<T>(
  cacheDir: string,
  key: string,
  options: { readonly ttlMs: number; readonly refresh?: boolean; readonly now?: number },
  fetch: () => Promise<T>,
): Promise<T> {
  const now = options.now ?? Date.now();
  const dir = path.join(cacheDir, 'infosys');
  const file = path.join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
  if (!options.refresh && options.ttlMs > 0)
    try {
      const kept = JSON.parse(readFileSync(file, 'utf8')) as { key: string; fetchedAtMs: number; value: T };
      if (kept.key === key && now - kept.fetchedAtMs < options.ttlMs) return kept.value;
    } catch {
      // no usable copy: fetched below
    }
  const value = await fetch();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ key, fetchedAtMs: now, value }), { mode: 0o600 });
    renameSync(temp, file);
  } catch {
    // a cache that cannot be written only costs a fetch next time
  }
  return value;
}
