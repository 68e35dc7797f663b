// Whether a subscriber may act on a signed image list: the trust decision, as a pure function.
import * as smime from '../smime/index.js';
import type { ImageList } from './types.js';

/** The endorser a subscription is configured with (`endorser: { dn, ca }` of a source). */
export interface ExpectedEndorser {
  /** Subject DN of the signing certificate, slash or RFC 2253 form. */
  readonly dn: string;
  /** Subject DN of the CA that issued it, slash or RFC 2253 form. */
  readonly ca: string;
}

/** What the subscriber accepted last from this source, to refuse a rollback. */
export interface LastAcceptedList {
  readonly version?: string;
  /** A digest of the content it accepted, to tell an equal version with other content. */
  readonly contentDigest?: string;
}

/** Why a list is refused. */
export type ListRefusal =
  /** The S/MIME signature or its chain failed (see `detail` for the verifier's reason). */
  | 'signature'
  /** The signer is not the configured endorser, or not the list's own `hv:dn`. */
  | 'signer-dn'
  /** The signer's issuer is not the configured CA, or not the list's own `hv:ca`. */
  | 'issuer-dn'
  /** `dc:date:expires` is before now. */
  | 'expired'
  /** `hv:version` is lower than the one accepted last. */
  | 'version-lower';

/** The decision: act on the list (maybe with warnings), or refuse it and change nothing. */
export type ListTrust =
  | { readonly kind: 'trusted'; readonly warnings: readonly string[] }
  | { readonly kind: 'refused'; readonly reason: ListRefusal; readonly message: string };

/** What the decision looks at. */
export interface ListTrustInput {
  readonly verification: smime.SmimeVerification;
  /** The list read from the verified content. */
  readonly list: ImageList;
  readonly expected: ExpectedEndorser;
  readonly now: Date;
  readonly last?: LastAcceptedList;
  /** Digest of this list's content, compared with `last.contentDigest`. */
  readonly contentDigest?: string;
}

function sameDn(a: string, b: string): boolean {
  try {
    return smime.isSameDn(a, b);
  } catch {
    return false; // a DN that cannot be read matches nothing
  }
}

/**
 * Compares two `hv:version` values: numbers compare as numbers, other parts as text, part by part
 * (`1.10` > `1.9`, `20240101-2` > `20240101-1`); negative when `a` is lower.
 */
export function compareListVersions(a: string, b: string): number {
  const parts = (v: string) => v.trim().split(/[.\-_+:]/);
  const left = parts(a);
  const right = parts(b);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const x = left[i] ?? '';
    const y = right[i] ?? '';
    if (x === y) continue;
    const isNumeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    if (isNumeric) return BigInt(x) < BigInt(y) ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Decides whether a list may be acted on: the signature verified; its signer is the configured
 * endorser and the list's own `hv:endorser`/`hv:x509`/`hv:dn`; the signer's issuer is the configured
 * CA and the list's `hv:ca`; the list has not expired; its `hv:version` is not lower than the one
 * accepted last (an equal version with other content is accepted with a warning, as vmcatcher does).
 * A refused list must change nothing at the site: no upload, no prune.
 */
export function decideListTrust(input: ListTrustInput): ListTrust {
  const { verification, list, expected } = input;
  const refuse = (reason: ListRefusal, message: string): ListTrust => ({ kind: 'refused', reason, message });
  if (verification.kind === 'rejected')
    return refuse(
      'signature',
      `${verification.source}: signature refused (${verification.reason}): ${verification.message}`,
    );
  const signer = verification.signer.subject.slash;
  const issuer = verification.signer.issuer.slash;
  const listDn = list.endorser?.dn;
  const listCa = list.endorser?.ca;
  if (!sameDn(signer, expected.dn))
    return refuse(
      'signer-dn',
      `${verification.source}: signed by ${signer}, but the source's endorser is ${expected.dn}`,
    );
  if (listDn === undefined || !sameDn(signer, listDn))
    return refuse(
      'signer-dn',
      `${verification.source}: signed by ${signer}, but the list names hv:dn ${listDn ?? '(none)'}`,
    );
  if (!sameDn(issuer, expected.ca))
    return refuse(
      'issuer-dn',
      `${verification.source}: signer issued by ${issuer}, but the source's CA is ${expected.ca}`,
    );
  if (listCa === undefined || !sameDn(issuer, listCa))
    return refuse(
      'issuer-dn',
      `${verification.source}: signer issued by ${issuer}, but the list names hv:ca ${listCa ?? '(none)'}`,
    );
  if (list.expiresAt.getTime() < input.now.getTime())
    return refuse('expired', `${verification.source}: expired at ${list.expiresAt.toISOString()}`);
  const warnings: string[] = [];
  const lastVersion = input.last?.version;
  if (lastVersion !== undefined && list.version !== undefined) {
    const order = compareListVersions(list.version, lastVersion);
    if (order < 0)
      return refuse(
        'version-lower',
        `${verification.source}: hv:version ${list.version} is lower than ${lastVersion}, accepted before`,
      );
    if (
      order === 0 &&
      input.contentDigest !== undefined &&
      input.last?.contentDigest !== undefined &&
      input.contentDigest !== input.last.contentDigest
    )
      warnings.push(
        `${verification.source}: hv:version ${list.version} is unchanged but the content changed`,
      );
  }
  return { kind: 'trusted', warnings };
}
