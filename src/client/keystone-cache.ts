// Keystone tokens kept on disk per (site, project, user), so that the next command reuses them
// until shortly before they expire: files of mode 0600 in a directory of mode 0700.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KeystoneToken } from '../openstack/index.js';

/** A token is reused until this long before it expires. */
export const KEYSTONE_REUSE_MARGIN_MS = 5 * 60_000;

/** The token cache of one user, in `<cacheDir>/keystone`. */
export class KeystoneTokenCache {
  private readonly dir: string;

  constructor(
    cacheDir: string,
    private readonly user: string,
  ) {
    this.dir = path.join(cacheDir, 'keystone');
  }

  private fileOf(authUrl: string, projectId: string): string {
    const key = createHash('sha256').update(`${this.user}\u0000${authUrl}\u0000${projectId}`).digest('hex');
    return path.join(this.dir, `${key.slice(0, 32)}.json`);
  }

  /** The cached token when it is still good for {@link KEYSTONE_REUSE_MARGIN_MS}. */
  get(authUrl: string, projectId: string, now = Date.now()): KeystoneToken | undefined {
    try {
      const token = JSON.parse(readFileSync(this.fileOf(authUrl, projectId), 'utf8')) as KeystoneToken;
      return typeof token.token === 'string' && token.expiresAtMs - KEYSTONE_REUSE_MARGIN_MS > now
        ? token
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Keeps `token` (best effort: a cache that cannot be written only costs a login next time). */
  put(authUrl: string, projectId: string, token: KeystoneToken): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const file = this.fileOf(authUrl, projectId);
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(token), { mode: 0o600 });
      renameSync(temp, file);
    } catch {
      // ignored: see above
    }
  }
}
