// Hub API tokens: generation, hashing (only hashes are stored) and the caller a token stands for.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The roles a hub token can have. */
export const HUB_ROLES = ['admin', 'publisher', 'consumer', 'vo-manager'] as const;
/**
 * A hub token role: admin (everything), publisher (publish for one site), consumer (pull, read
 * accounting), vo-manager (edit the image list of one VO, nothing else).
 */
export type HubRole = (typeof HUB_ROLES)[number];

/** Who is calling: the role of the presented token and, for a publisher, its site; for a vo-manager, its VO. */
export interface HubCaller {
  readonly role: HubRole;
  /** The site a publisher token is bound to; null for admin and consumer tokens. */
  readonly site: string | null;
  /** The VO a vo-manager token is bound to; absent for the other roles. */
  readonly vo?: string;
  /** Database id of the token; null for the bootstrap admin token from the environment or a file. */
  readonly tokenId: number | null;
  /** An anonymous reader of the public portal (no token): sees no user names. */
  readonly isAnonymous?: true;
}

const TOKEN_PREFIX = 'fsh_';

/** Creates a new random token (`fsh_` + 32 random bytes, base64url). Show it once; store its hash. */
export function generateHubToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The stored form of a token: hex SHA-256. Tokens carry 256 random bits, so a fast hash is enough
 * (no dictionary to guard against), and it lets us look a token up by its hash.
 */
export function hashHubToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two hex hashes in constant time. */
export function isSameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when `value` is one of {@link HUB_ROLES}. */
export function isHubRole(value: string): value is HubRole {
  return (HUB_ROLES as readonly string[]).includes(value);
}
