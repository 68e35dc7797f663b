// VOMS FQAN parsing as APEL derives VO, VOGroup and VORole from a cloud record's FQAN.

/** VO, group and role of an FQAN, with APEL's `'None'` where a part is missing. */
export interface Fqan {
  readonly vo: string;
  readonly voGroup: string;
  readonly voRole: string;
}

/**
 * Derives VO, VOGroup and VORole from an FQAN the way APEL stores them (§2.1).
 * Only the first FQAN of a `;`-separated list counts. A value that does not
 * start with `/` is a plain VO name (what cASO sends): it is the VO, and group
 * and role are `'None'`. Otherwise the VO is the first path element, the group
 * every element before the first `Role=` element (case-insensitive), and the
 * role that element, or `'None'`.
 *
 * @example
 * parseFqan('/ops/Role=NULL/Capability=NULL'); // { vo: 'ops', voGroup: '/ops', voRole: 'Role=NULL' }
 * parseFqan('vo.example.eu'); // { vo: 'vo.example.eu', voGroup: 'None', voRole: 'None' }
 */
export function parseFqan(fqan: string): Fqan {
  const first = fqan.split(';')[0]!;
  if (!first.startsWith('/')) return { vo: first, voGroup: 'None', voRole: 'None' };
  const pieces = first.split('/');
  let voGroup = '';
  let voRole = 'None';
  for (const piece of pieces) {
    if (piece === '') continue;
    if (piece.toLowerCase().startsWith('role=')) {
      voRole = piece;
      break;
    }
    voGroup += `/${piece}`;
  }
  return { vo: pieces[1]!, voGroup, voRole };
}
