import { describe, expect, it } from 'vitest';
import {
  buildGlueDocument,
  parseGlueTime,
  readGlueDocument,
  readGlueSite,
} from '../../../../src/formats/glue/index.js';
import { fixtureText, sampleSnapshot } from '../../../helpers/glue-fixtures.js';

describe('readGlueSite', () => {
  it('reads name, GOCDB id, URL and hostname of a cip 1.x document', () => {
    const site = readGlueSite(readGlueDocument(fixtureText('cip-1x-document.json')));
    expect(site).toMatchObject({
      name: 'EXAMPLE-CLOUD',
      gocdbId: '99999G0',
      url: 'https://cloud.example.eu:5000/v3',
      hostname: 'cloud.example.eu',
      validitySeconds: 3600,
    });
  });

  it('reads a naive CreationTime as UTC', () => {
    const site = readGlueSite(readGlueDocument(fixtureText('cip-1x-document.json')));
    expect(site.createdAtMs).toBe(Date.parse('2025-05-08T15:07:06.423Z'));
    expect(parseGlueTime('2025-05-08T15:07:06+02:00')).toBe(Date.parse('2025-05-08T13:07:06Z'));
  });

  it('takes the VO of each share from its mapping policy', () => {
    const site = readGlueSite(readGlueDocument(fixtureText('cip-1x-document.json')));
    expect(site.shares.map((s) => [s.vo, s.projectId])).toEqual([
      ['ops', 'aaaabbbbccccddddeeeeffff00001111'],
      ['vo.access.egi.eu', '1111222233334444555566667777aaaa'],
    ]);
  });

  it('leaves out a share that has no mapping policy, as cloud-info-api does', () => {
    const doc = readGlueDocument(fixtureText('cip-1x-document.json'));
    doc.MappingPolicy = doc.MappingPolicy.slice(1);
    expect(readGlueSite(doc).shares.map((s) => s.vo)).toEqual(['vo.access.egi.eu']);
  });

  it('derives egi_id and version of registry.egi.eu images from OtherInfo', () => {
    const site = readGlueSite(readGlueDocument(fixtureText('cip-1x-document.json')));
    expect(site.shares[0]!.images).toEqual([
      expect.objectContaining({
        id: '0c5c8f6c-2a5e-4c61-9d7f-3f1e2d4c5b6a',
        egiId: 'egi_vm_images/almalinux:9',
        version: '2025-03-01-abcdef12',
      }),
    ]);
  });

  it('gives images from elsewhere an empty egi_id', () => {
    const doc = buildGlueDocument(sampleSnapshot(), { now: new Date() });
    const images = readGlueSite(doc).shares[0]!.images;
    expect(images.map((i) => i.egiId)).toEqual(['', 'egi_vm_images/ubuntu:22.04']);
  });

  it('attaches the accelerator to its flavor', () => {
    const site = readGlueSite(readGlueDocument(fixtureText('cip-1x-document.json')));
    const gpu = site.shares[1]!.flavors.find((f) => f.name === 'g2.v100')!;
    expect(gpu).toMatchObject({
      cpu: 8,
      ramMb: 16384,
      diskGb: 40,
      accelerator: { vendor: 'NVIDIA', number: 1 },
    });
  });

  it('reads the share health that Fedstack documents carry', () => {
    const doc = buildGlueDocument(sampleSnapshot(), { now: new Date() });
    const site = readGlueSite(doc);
    expect(site.healthState).toBe('warning');
    expect(site.shares.map((s) => s.healthState)).toEqual(['ok', 'warning', 'critical']);
  });
});
