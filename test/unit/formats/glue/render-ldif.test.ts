import { describe, expect, it } from 'vitest';
import {
  buildGlueDocument,
  ldifLine,
  rdn,
  readGlueDocument,
  renderLdif,
} from '../../../../src/formats/glue/index.js';
import { fixtureText, sampleSnapshot } from '../../../helpers/glue-fixtures.js';

/** Unfolds LDIF continuation lines and splits entries into attribute lists. */
function entries(ldif: string): string[][] {
  return ldif
    .replace(/\n /g, '')
    .trim()
    .split('\n\n')
    .map((e) => e.split('\n'));
}

const SUFFIX = 'GLUE2GroupID=cloud,GLUE2DomainID=FEDSTACK-TEST,GLUE2GroupID=grid,o=glue';
const SERVICE_DN =
  'dn: GLUE2ServiceID=https://keystone.example.org:5000/v3_cloud.compute,GLUE2GroupID=resource,' + SUFFIX;

describe('renderLdif', () => {
  const ldif = renderLdif(buildGlueDocument(sampleSnapshot(), { now: new Date('2026-03-01T00:00:00Z') }));

  it('starts with the service entry under the site domain', () => {
    const [service] = entries(ldif);
    expect(service![0]).toBe(SERVICE_DN);
    expect(service).toContain('objectClass: GLUE2CloudComputingService');
    expect(service).toContain('GLUE2ServiceType: org.cloud.iaas');
    expect(service).toContain('GLUE2ServiceAdminDomainForeignKey: FEDSTACK-TEST');
    expect(service).toContain('GLUE2CloudComputingServiceRunningVM: 5');
    expect(service).toContain('GLUE2EntityOtherInfo: gocdb_id=12249G0');
  });

  it('places images, instance types and accelerators under their share', () => {
    const all = entries(ldif);
    const gpu = all.find((e) => e.includes('objectClass: GLUE2CloudComputingVirtualAccelerator'))!;
    expect(gpu[0]).toMatch(/^dn: GLUE2ResourceID=g1_gpu,GLUE2ShareID=.*_share_vo\.access\.egi\.eu_/);
    expect(gpu).toContain('GLUE2CloudComputingVirtualAcceleratorMemory: 40960');
    const images = all.filter((e) => e.includes('objectClass: GLUE2CloudComputingImage'));
    // the local image is visible in two shares: one entry under each
    expect(
      images.filter((e) => e.includes('GLUE2CloudComputingImageID: 6f0e6b1c-1111-4d7e-9a55-0a1b2c3d4e5f')),
    ).toHaveLength(2);
    expect(images[1]).toContain(
      'GLUE2CloudComputingImageMarketPlaceURL: registry.egi.eu/egi_vm_images/ubuntu:22.04-sha256:4d06e117d590e0b6',
    );
  });

  it('writes share quotas and health as OtherInfo key=value lines', () => {
    const share = entries(ldif).find((e) => e.includes('objectClass: GLUE2CloudComputingShare'))!;
    expect(share).toContain('GLUE2EntityOtherInfo: quotas.instances=10');
    expect(share).toContain('GLUE2EntityOtherInfo: health_state=ok');
    expect(share).toContain(
      'GLUE2ShareServiceForeignKey: https://keystone.example.org:5000/v3_cloud.compute',
    );
  });

  it('folds lines longer than 76 characters', () => {
    for (const line of ldif.split('\n')) expect(line.length).toBeLessThanOrEqual(76);
  });

  it('renders a cip 1.x document too', () => {
    const text = renderLdif(readGlueDocument(fixtureText('cip-1x-document.json')));
    expect(entries(text)[0]![0]).toContain('GLUE2DomainID=EXAMPLE-CLOUD');
  });
});

describe('ldifLine', () => {
  it('writes a safe ASCII value as is', () => {
    expect(ldifLine('GLUE2EntityName', 'm1.small')).toBe('GLUE2EntityName: m1.small');
  });

  it('base64-encodes values with non-ASCII characters, leading colons or trailing spaces', () => {
    expect(ldifLine('a', 'Zürich')).toBe(`a:: ${Buffer.from('Zürich').toString('base64')}`);
    expect(ldifLine('a', ':x')).toMatch(/^a:: /);
    expect(ldifLine('a', 'x ')).toMatch(/^a:: /);
    expect(ldifLine('a', 'two\nlines')).toMatch(/^a:: /);
  });
});

describe('rdn', () => {
  it('escapes the characters RFC 4514 reserves in attribute values', () => {
    expect(rdn('GLUE2ShareID', 'a,b+c=d')).toBe('GLUE2ShareID=a\\,b\\+c\\=d');
    expect(rdn('GLUE2ShareID', '#x ')).toBe('GLUE2ShareID=\\#x\\ ');
  });
});

describe('LDIF of fields named like built-in properties', () => {
  it('writes a field called toString and an association called constructor under their own names', () => {
    const doc = buildGlueDocument(sampleSnapshot(), { now: new Date('2026-03-01T00:00:00Z') });
    const share = doc.Share[0] as unknown as Record<string, unknown> & {
      Associations: Record<string, unknown>;
    };
    Object.defineProperty(share, 'toString', { value: 'x', enumerable: true });
    Object.defineProperty(share.Associations, 'constructor', { value: ['id-1'], enumerable: true });
    const ldif = renderLdif(doc).replace(/\n /g, '');
    expect(ldif).not.toContain('native code');
    expect(ldif).toMatch(/toString: x$/m);
    expect(ldif).toMatch(/constructorForeignKey: id-1$/m);
  });
});
