import { describe, expect, it } from 'vitest';
import type { Flavor, Image } from '../../../../src/openstack/index.js';
import {
  readApplianceAttributes,
  selectFlavors,
  toSnapshotFlavor,
  toSnapshotImage,
} from '../../../../src/site/discovery/index.js';

function image(properties: Record<string, string>, extra: Partial<Image> = {}): Image {
  return {
    id: 'img-1',
    name: 'Image',
    status: 'active',
    visibility: 'public',
    owner: undefined,
    diskFormat: 'qcow2',
    containerFormat: 'bare',
    sizeBytes: 2048,
    checksum: undefined,
    osHashAlgo: undefined,
    osHashValue: undefined,
    minRamMb: 512,
    minDiskGb: 10,
    tags: [],
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    properties,
    ...extra,
  };
}

function flavor(extraSpecs: Record<string, string>, extra: Partial<Flavor> = {}): Flavor {
  return {
    id: 'f1',
    name: 'f',
    vcpus: 2,
    ramMb: 4096,
    diskGb: 20,
    ephemeralGb: 0,
    isPublic: true,
    extraSpecs,
    ...extra,
  };
}

describe('toSnapshotImage', () => {
  it('reads an image synced by cloudkeeper from its vmcatcher and APPLIANCE properties', () => {
    const snapshot = toSnapshotImage(
      image({
        os_distro: 'centos',
        os_version: '7',
        architecture: 'x86_64',
        vmcatcher_event_ad_mpuri: 'https://appdb.egi.eu/store/vo/image/abc:1/',
        vmcatcher_event_dc_description: 'CentOS 7 for EGI',
        APPLIANCE_VERSION: '2024.01',
        APPLIANCE_ATTRIBUTES: JSON.stringify({
          'ad:base_mpuri': 'https://appdb.egi.eu/store/vm/image/abc:1:1/',
          'ad:appid': '1017',
          'hv:ram_minimum': 512,
        }),
      }),
    );
    expect(snapshot).toMatchObject({
      osDistro: 'centos',
      osVersion: '7',
      architecture: 'x86_64',
      marketplaceUrl: 'https://appdb.egi.eu/store/vo/image/abc:1/',
      baseMarketplaceUrl: 'https://appdb.egi.eu/store/vm/image/abc:1:1/',
      appdbId: '1017',
      version: '2024.01',
      description: 'CentOS 7 for EGI',
      sizeBytes: 2048,
      minRamMb: 512,
      minDiskGb: 10,
      diskFormat: 'qcow2',
      attributes: { 'ad:appid': '1017', 'hv:ram_minimum': 512 },
    });
  });

  it('reads the EGI reference and tag of an image synced from registry.egi.eu', () => {
    const snapshot = toSnapshotImage(
      image({
        marketplace: 'registry.egi.eu/egi_vm_images/ubuntu:22.04-sha256:abc',
        APPLIANCE_ATTRIBUTES: JSON.stringify({
          'eu.egi.cloud.image_ref': 'egi_vm_images/ubuntu:22.04',
          'eu.egi.cloud.tag': '2025-09-04',
        }),
      }),
    );
    expect(snapshot).toMatchObject({
      marketplaceUrl: 'registry.egi.eu/egi_vm_images/ubuntu:22.04-sha256:abc',
      egiImageRef: 'egi_vm_images/ubuntu:22.04',
      version: '2025-09-04',
    });
  });

  it('falls back to the Glance file URL as marketplace URL, as cloud-info-provider does', () => {
    expect(toSnapshotImage(image({}), 'http://glance:9292/').marketplaceUrl).toBe(
      'http://glance:9292/v2/images/img-1/file',
    );
    expect(toSnapshotImage(image({})).marketplaceUrl).toBeUndefined();
  });

  it('ignores APPLIANCE_ATTRIBUTES that are not a JSON object', () => {
    expect(readApplianceAttributes({ APPLIANCE_ATTRIBUTES: '{broken' })).toBeUndefined();
    expect(readApplianceAttributes({ APPLIANCE_ATTRIBUTES: '[1]' })).toBeUndefined();
    expect(readApplianceAttributes({ APPLIANCE_ATTRIBUTES: '{"a":{"b":1}}' })).toEqual({ a: '{"b":1}' });
  });

  it('leaves no undefined fields', () => {
    expect(Object.values(toSnapshotImage(image({})))).not.toContain(undefined);
  });
});

describe('toSnapshotFlavor', () => {
  it('interprets GPU and benchmark extra specs', () => {
    const snapshot = toSnapshotFlavor(
      flavor({
        'Accelerator:Number': '2',
        'Accelerator:Vendor': 'AMD',
        'accounting:benchmark_type': 'HEPSPEC06',
        'accounting:benchmark_value': '12',
      }),
    );
    expect(snapshot).toMatchObject({
      id: 'f1',
      vcpus: 2,
      ramMb: 4096,
      diskGb: 20,
      accelerator: { type: 'GPU', number: 2, vendor: 'AMD' },
      benchmark: { type: 'HEPSPEC06', value: 12 },
    });
    expect(snapshot).not.toHaveProperty('ephemeralGb');
  });

  it('skips a flavor without id', () => {
    expect(toSnapshotFlavor(flavor({}, { id: undefined }))).toBeUndefined();
  });
});

describe('selectFlavors', () => {
  const flavors = [
    toSnapshotFlavor(flavor({}))!,
    toSnapshotFlavor(flavor({}, { id: 'p', isPublic: false }))!,
  ];

  it('keeps public, private or all flavors as cloud-info-provider --select-flavors does', () => {
    expect(selectFlavors(flavors, 'all')).toHaveLength(2);
    expect(selectFlavors(flavors, 'public').map((f) => f.id)).toEqual(['f1']);
    expect(selectFlavors(flavors, 'private').map((f) => f.id)).toEqual(['p']);
  });
});
