// Unit tests of the DN helpers: slash and RFC 2253 forms, escaping, type aliases, comparison across forms.
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import {
  formatRfc2253Dn,
  formatSlashDn,
  isSameDn,
  normalizeDn,
  parseDn,
  parseRfc2253Dn,
  parseSlashDn,
} from '../../../../src/formats/smime/index.js';
import { fc } from '../../../helpers/fuzz.js';

const APPDB_SLASH = '/DC=EU/DC=EGI/C=NL/O=Hosts/O=EGI.eu/CN=appdb.egi.eu';
const APPDB_RFC2253 = 'CN=appdb.egi.eu,O=EGI.eu,O=Hosts,C=NL,DC=EGI,DC=EU';

describe('DN forms', () => {
  it('reads the slash form in order and prints RFC 2253 reversed', () => {
    const dn = parseSlashDn(APPDB_SLASH);
    expect(dn[0]).toEqual([{ type: 'DC', value: 'EU' }]);
    expect(formatRfc2253Dn(dn)).toBe(APPDB_RFC2253);
    expect(formatSlashDn(parseRfc2253Dn(APPDB_RFC2253))).toBe(APPDB_SLASH);
  });

  it('compares equal DNs as equal across forms, types in any case and long names', () => {
    expect(isSameDn(APPDB_SLASH, APPDB_RFC2253)).toBe(true);
    expect(
      isSameDn('/dc=eu/domainComponent=EGI/c=NL/o=Hosts/O=EGI.eu/commonName=appdb.egi.eu', APPDB_RFC2253),
    ).toBe(true);
    expect(isSameDn('/emailAddress=a@b.org/CN=x', 'CN=x,E=a@b.org')).toBe(true);
    expect(isSameDn('/2.5.4.3=x', 'CN=x')).toBe(true);
  });

  it('compares values as X.520 caseIgnoreMatch: case and inner spaces do not count', () => {
    expect(
      isSameDn('/DC=ORG/DC=SEE-GRID/CN=SEE-GRID CA 2013', 'CN=see-grid  ca 2013,DC=see-grid,DC=org'),
    ).toBe(true);
  });

  it('tells different DNs apart: another value, another order, a missing RDN', () => {
    expect(isSameDn(APPDB_SLASH, APPDB_SLASH.replace('appdb', 'appdb2'))).toBe(false);
    expect(isSameDn('/DC=a/DC=b', '/DC=b/DC=a')).toBe(false);
    expect(isSameDn('/DC=a/DC=b', 'DC=b')).toBe(false);
    expect(isSameDn('/DC=a/DC=b', 'DC=a,DC=b')).toBe(false);
  });

  it('keeps a slash inside a grid host DN value: /CN=host/vm.example.org', () => {
    expect(parseSlashDn('/DC=org/CN=host/vm.example.org')).toEqual([
      [{ type: 'DC', value: 'org' }],
      [{ type: 'CN', value: 'host/vm.example.org' }],
    ]);
    expect(formatRfc2253Dn(parseDn('/DC=org/CN=host/vm.example.org'))).toBe('CN=host/vm.example.org,DC=org');
  });

  it('escapes and reads back RFC 2253 special characters, hex escapes and quoted values', () => {
    const dn = parseSlashDn('/O=Smith, Jones + Co/CN= lead;x');
    const text = formatRfc2253Dn(dn);
    expect(text).toBe('CN=\\ lead\\;x,O=Smith\\, Jones \\+ Co');
    expect(parseRfc2253Dn(text)).toEqual(dn);
    expect(parseRfc2253Dn('CN=Caf\\C3\\A9,O="A, B"')).toEqual([
      [{ type: 'O', value: 'A, B' }],
      [{ type: 'CN', value: 'Café' }],
    ]);
  });

  it('reads multi-valued RDNs in both forms', () => {
    expect(parseRfc2253Dn('CN=x+UID=7,DC=org')).toEqual([
      [{ type: 'DC', value: 'org' }],
      [
        { type: 'CN', value: 'x' },
        { type: 'UID', value: '7' },
      ],
    ]);
    expect(isSameDn('/DC=org/UID=7+CN=x', 'CN=x+UID=7,DC=org')).toBe(true);
  });

  it('normalises a DN to one key whatever the form', () => {
    expect(normalizeDn(APPDB_RFC2253)).toBe(normalizeDn(APPDB_SLASH.toUpperCase()));
  });

  it('throws a FormatError naming the source for an RDN without type=', () => {
    expect(() => parseDn('CN=x,garbage', 'endorser.dn')).toThrow(FormatError);
    expect(() => parseDn('/garbage', 'endorser.dn')).toThrow(/endorser\.dn, field DN/);
  });

  it('round-trips generated DNs through both forms', () => {
    const type = fc.constantFrom('CN', 'O', 'OU', 'DC', 'C', 'L', 'ST', 'UID', 'emailAddress');
    const value = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,;<>"#.@=-]{0,12}[A-Za-z0-9]$/);
    const dn = fc.array(fc.array(fc.record({ type, value }), { minLength: 1, maxLength: 2 }), {
      maxLength: 6,
    });
    fc.assert(
      fc.property(dn, (generated) => {
        const rfc = parseRfc2253Dn(formatRfc2253Dn(generated));
        expect(rfc).toEqual(generated);
        expect(isSameDn(formatSlashDn(generated), formatRfc2253Dn(generated))).toBe(true);
      }),
    );
  });
});
