import { describe, expect, it } from 'vitest';
import { parseFqan } from '../../../../src/formats/apel/index.js';

describe('parseFqan', () => {
  it('takes a plain VO name (what cASO sends) as the VO with no group or role', () => {
    expect(parseFqan('vo.example.eu')).toEqual({ vo: 'vo.example.eu', voGroup: 'None', voRole: 'None' });
  });

  it('splits a VOMS FQAN into VO, group up to the Role element, and role', () => {
    expect(parseFqan('/ops/Role=NULL/Capability=NULL')).toEqual({
      vo: 'ops',
      voGroup: '/ops',
      voRole: 'Role=NULL',
    });
    expect(parseFqan('/atlas/de/Role=production')).toEqual({
      vo: 'atlas',
      voGroup: '/atlas/de',
      voRole: 'Role=production',
    });
  });

  it('matches the Role element in any case and defaults the role to None', () => {
    expect(parseFqan('/cms/ROLE=pilot').voRole).toBe('ROLE=pilot');
    expect(parseFqan('/cms/higgs')).toEqual({ vo: 'cms', voGroup: '/cms/higgs', voRole: 'None' });
  });

  it('uses only the first FQAN of a ;-separated list', () => {
    expect(parseFqan('/dteam/Role=admin;/ops').vo).toBe('dteam');
    expect(parseFqan('ops;dteam').vo).toBe('ops');
  });
});
