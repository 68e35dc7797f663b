// AARC-G002 entitlements (`urn:mace:egi.eu:group:<vo>[:<subgroup>…][:role=<role>]#<authority>`,
// the `eduperson_entitlement` claim of EGI Check-in) and what they allow: VO membership, and
// whether the VO may launch VMs on the federation's clouds (its cloud entitlement, as the
// federation's VO mappings give it). Pure.

/** One parsed entitlement. */
export interface Entitlement {
  /** `urn:mace:egi.eu` */
  readonly namespace: string;
  /** The VO, then its subgroups: `['fedcloud.egi.eu', 'vm_operator']`. */
  readonly groups: readonly string[];
  /** `member`, `vm_operator`, …; undefined when the entitlement names none. */
  readonly role?: string;
  /** `aai.egi.eu` */
  readonly authority?: string;
  readonly text: string;
}

const PATTERN = /^(urn:[^#]+?):group:([^#]+?)(?::role=([^:#]+))?(?:#(.+))?$/;

/**
 * Parses one entitlement; undefined when it is no group entitlement.
 * @example parseEntitlement('urn:mace:egi.eu:group:vo.access.egi.eu:role=vm_operator#aai.egi.eu')
 * // { namespace: 'urn:mace:egi.eu', groups: ['vo.access.egi.eu'], role: 'vm_operator', authority: 'aai.egi.eu', … }
 */
export function parseEntitlement(text: string): Entitlement | undefined {
  const m = PATTERN.exec(text.trim());
  if (!m) return undefined;
  // group names are URL-encoded in AARC-G002 (`%3A` for a colon inside a name)
  const groups = m[2]!.split(':').map((g) => {
    try {
      return decodeURIComponent(g);
    } catch {
      return g;
    }
  });
  if (groups.some((g) => g === '')) return undefined;
  return {
    namespace: m[1]!,
    groups,
    ...(m[3] ? { role: m[3] } : {}),
    ...(m[4] ? { authority: m[4] } : {}),
    text: text.trim(),
  };
}

/**
 * The entitlement that lets a VO launch VMs, when it is not `…:group:<vo>:role=vm_operator#aai.egi.eu`
 * (the federation's VO mappings: most VOs use role=vm_operator, these use another form).
 */
export const CLOUD_ENTITLEMENT_EXCEPTIONS: Readonly<Record<string, string>> = {
  'fedcloud.egi.eu': 'urn:mace:egi.eu:group:fedcloud.egi.eu:vm_operator:role=member#aai.egi.eu',
  'demo.fedcloud.egi.eu': 'urn:mace:egi.eu:group:demo.fedcloud.egi.eu:vm_operator:role=member#aai.egi.eu',
  'lagoproject.net': 'urn:mace:egi.eu:group:lagoproject.net:role=member#aai.egi.eu',
  'vo.notebooks.egi.eu': 'urn:mace:egi.eu:group:vo.notebooks.egi.eu:role=admin#aai.egi.eu',
};

/** The entitlement a VO needs to launch VMs: `mappings` (configured) first, then the federation's rule. */
export function cloudEntitlementOf(vo: string, mappings: Readonly<Record<string, string>> = {}): string {
  return (
    mappings[vo] ??
    CLOUD_ENTITLEMENT_EXCEPTIONS[vo] ??
    `urn:mace:egi.eu:group:${vo}:role=vm_operator#aai.egi.eu`
  );
}

/** A VO of a token, as `fedstack vos` shows it. */
export interface VoAccess {
  readonly vo: string;
  /** Roles the token holds in the VO and its subgroups (`member`, `vm_operator`, `vm_operator/member`). */
  readonly roles: readonly string[];
  /** The token holds the VO's cloud entitlement: it may launch VMs. */
  readonly canLaunch: boolean;
  /** The entitlement that allows launching (held or not). */
  readonly cloudEntitlement: string;
}

/**
 * The VOs of a token's entitlements, sorted, each with whether it may launch VMs. Entitlements of
 * other namespaces than `namespace` are ignored.
 */
export function voAccessOf(
  entitlements: readonly string[],
  options: { readonly mappings?: Readonly<Record<string, string>>; readonly namespace?: string } = {},
): VoAccess[] {
  const namespace = options.namespace ?? 'urn:mace:egi.eu';
  const held = new Set(entitlements.map((e) => e.trim()));
  const roles = new Map<string, Set<string>>();
  for (const text of held) {
    const e = parseEntitlement(text);
    if (!e || e.namespace !== namespace) continue;
    const [vo, ...sub] = e.groups;
    const role = [...sub, e.role ?? 'member'].join('/');
    roles.set(vo!, (roles.get(vo!) ?? new Set()).add(role));
  }
  return [...roles.keys()].sort().map((vo) => {
    const cloudEntitlement = cloudEntitlementOf(vo, options.mappings);
    return { vo, roles: [...roles.get(vo)!].sort(), canLaunch: held.has(cloudEntitlement), cloudEntitlement };
  });
}

/**
 * The entitlements a token's or userinfo's claims hold: `eduperson_entitlement` (EGI Check-in),
 * else `entitlements`; a list, or one string separated by `;` or `,` as some providers send it.
 */
export function entitlementsOfClaims(claims: Readonly<Record<string, unknown>>): string[] {
  const raw = claims.eduperson_entitlement ?? claims.entitlements;
  const list = Array.isArray(raw)
    ? raw.filter((e): e is string => typeof e === 'string')
    : typeof raw === 'string'
      ? raw.split(/[;,]\s*/)
      : [];
  return list.filter(Boolean);
}
