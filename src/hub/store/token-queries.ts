// Dialect-neutral queries of the hub's API tokens.
import type { Selectable } from 'kysely';
import type { HubTokenTable } from './hub-database.js';
import type { HubDb } from './messaging-queries.js';

/** A stored token row (hash, never the token). */
export type TokenRow = Selectable<HubTokenTable>;

/** Stores a token hash and returns its id. */
export async function insertToken(
  db: HubDb,
  token: { hash: string; role: string; site: string | null; label: string | null; now: number },
): Promise<number> {
  const r = await db
    .insertInto('hub_tokens')
    .values({
      token_hash: token.hash,
      role: token.role,
      site: token.site,
      label: token.label,
      created_at: token.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

/** The active (not revoked) token with this hash, or undefined. */
export async function findActiveToken(db: HubDb, hash: string): Promise<TokenRow | undefined> {
  return db
    .selectFrom('hub_tokens')
    .selectAll()
    .where('token_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** All tokens, oldest first. */
export async function listTokens(db: HubDb): Promise<TokenRow[]> {
  return db.selectFrom('hub_tokens').selectAll().orderBy('id').execute();
}

/** Marks a token revoked; returns false when no active token has that id. */
export async function revokeToken(db: HubDb, id: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('hub_tokens')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
