// Resolves a presented token to a caller: the bootstrap admin token(s) first, then the token table.
import type { HubStore } from '../store/hub-store.js';
import { findActiveToken } from '../store/token-queries.js';
import type { HubCaller } from './hub-token.js';
import { hashHubToken, isHubRole, isSameHash } from './hub-token.js';

/** Authenticates hub tokens; the bootstrap admin token is kept only as a hash. */
export class HubAuth {
  private readonly store: HubStore;
  private readonly adminHash: string | undefined;

  /**
   * Who reads the portal pages' data (routes marked `portalRead`) without a token, from the
   * request's Cookie header: everyone, or signed-in admins; set by the portal, none without it.
   */
  portalReader: ((cookieHeader: string | undefined) => HubCaller | undefined) | undefined;

  /** `adminToken`: the bootstrap admin token (from FEDSTACK_HUB_ADMIN_TOKEN or a file), if any. */
  constructor(store: HubStore, adminToken?: string) {
    this.store = store;
    this.adminHash = adminToken ? hashHubToken(adminToken) : undefined;
  }

  /** The caller a token stands for, or undefined when the token is unknown or revoked. */
  async authenticate(token: string | undefined): Promise<HubCaller | undefined> {
    if (!token) return undefined;
    const hash = hashHubToken(token);
    if (this.adminHash && isSameHash(hash, this.adminHash))
      return { role: 'admin', site: null, tokenId: null };
    const row = await findActiveToken(this.store.db, hash);
    if (!row || !isHubRole(row.role)) return undefined;
    const tokenId = Number(row.id);
    // a vo-manager token keeps its VO in the binding column `site` (migration 0001), which
    // otherwise holds a publisher's site: each role has one binding, so one column serves both
    if (row.role === 'vo-manager') {
      if (row.site === null) return undefined;
      return { role: row.role, site: null, vo: row.site, tokenId };
    }
    return { role: row.role, site: row.role === 'publisher' ? row.site : null, tokenId };
  }
}
