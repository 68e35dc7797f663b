// Who may use an AMS subscription: its owner (the consumer token that created it) and admins.
import type { HubCaller } from '../auth/hub-token.js';
import type { SubscriptionRow } from '../store/messaging-queries.js';
import { AMS_ERRORS } from './ams-error.js';

/** The part of a caller the ownership rule reads. */
export type SubscriptionActor = Pick<HubCaller, 'role' | 'tokenId'>;

/**
 * The owner to store for a subscription `actor` creates: a consumer's token id; null (the hub's,
 * admin-only) for an admin.
 * @throws AmsError 403 for a publisher, or a consumer without a stored token.
 */
export function ownerForNewSubscription(actor: SubscriptionActor): number | null {
  if (actor.role === 'admin') return null;
  if (actor.role === 'consumer' && actor.tokenId !== null) return actor.tokenId;
  throw AMS_ERRORS.forbidden();
}

/**
 * True when `actor` may read or use `sub`: admins always; a consumer only when its token created
 * the subscription. Subscriptions with no owner are the hub's (its accounting ingest cursor, and
 * those created by admins or before owners were recorded): admin-only. Publishers never.
 */
export function isSubscriptionUsableBy(
  sub: Pick<SubscriptionRow, 'owner_token_id'>,
  actor: SubscriptionActor,
): boolean {
  if (actor.role === 'admin') return true;
  if (actor.role !== 'consumer' || actor.tokenId === null || sub.owner_token_id === null) return false;
  // PostgreSQL returns bigint columns as strings
  return Number(sub.owner_token_id) === actor.tokenId;
}

/** @throws AmsError 403 unless `actor` may use `sub` (see {@link isSubscriptionUsableBy}). */
export function checkSubscriptionAccess(
  sub: Pick<SubscriptionRow, 'owner_token_id'>,
  actor: SubscriptionActor,
): void {
  if (!isSubscriptionUsableBy(sub, actor)) throw AMS_ERRORS.forbidden();
}
