import { describe, expect, it } from 'vitest';
import { cloudEntitlementOf, parseEntitlement, voAccessOf } from '../../../src/formats/entitlements/index.js';

const E = (rest: string) => `urn:mace:egi.eu:group:${rest}#aai.egi.eu`;

describe('entitlements', () => {
  it('parses the VO, subgroups, role and authority', () => {
    expect(parseEntitlement(E('fedcloud.egi.eu:vm_operator:role=member'))).toMatchObject({
      namespace: 'urn:mace:egi.eu',
      groups: ['fedcloud.egi.eu', 'vm_operator'],
      role: 'member',
      authority: 'aai.egi.eu',
    });
    expect(parseEntitlement('urn:mace:egi.eu:group:vo.example.eu')).toMatchObject({
      groups: ['vo.example.eu'],
    });
    expect(parseEntitlement('urn:mace:egi.eu:group:a%3Ab:role=member#x')?.groups).toEqual(['a:b']);
    for (const bad of [
      '',
      'not an entitlement',
      'urn:mace:egi.eu:res:x',
      'urn:mace:egi.eu:group::role=member#x',
    ])
      expect(parseEntitlement(bad), bad).toBeUndefined();
  });

  it('tells membership from the cloud entitlement: vm_operator role, the subgroup form, and configured mappings', () => {
    const vos = voAccessOf(
      [
        E('vo.access.egi.eu:role=member'),
        E('vo.access.egi.eu:role=vm_operator'),
        E('fedcloud.egi.eu:role=member'),
        E('fedcloud.egi.eu:vm_operator:role=member'),
        E('biomed:role=member'),
        E('my.vo:role=member'),
        'urn:geant:other.org:group:elsewhere:role=vm_operator#other.org',
      ],
      { mappings: { 'my.vo': E('my.vo:role=member') } },
    );
    expect(vos.map((v) => [v.vo, v.canLaunch, v.roles.join(',')])).toEqual([
      ['biomed', false, 'member'],
      ['fedcloud.egi.eu', true, 'member,vm_operator/member'],
      ['my.vo', true, 'member'],
      ['vo.access.egi.eu', true, 'member,vm_operator'],
    ]);
    expect(vos[0]!.cloudEntitlement).toBe(E('biomed:role=vm_operator'));
  });

  it('knows the VOs whose cloud entitlement is not role=vm_operator', () => {
    expect(cloudEntitlementOf('vo.notebooks.egi.eu')).toBe(E('vo.notebooks.egi.eu:role=admin'));
    expect(cloudEntitlementOf('lagoproject.net')).toBe(E('lagoproject.net:role=member'));
    expect(cloudEntitlementOf('lagoproject.net', { 'lagoproject.net': 'x' })).toBe('x');
  });
});
