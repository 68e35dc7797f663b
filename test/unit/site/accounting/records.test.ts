import { describe, expect, it } from 'vitest';
import {
  parseServer,
  parseFloatingIp,
  parseVolume,
  type Flavor,
  type Port,
} from '../../../../src/openstack/index.js';
import {
  accountingStatus,
  buildCloudRecord,
  isInWindow,
  type ProjectContext,
} from '../../../../src/site/accounting/cloud-records.js';
import { buildAcceleratorRecords } from '../../../../src/site/accounting/accelerator-records.js';
import { buildPublicIpRecords } from '../../../../src/site/accounting/ip-records.js';
import { buildStorageRecord } from '../../../../src/site/accounting/storage-records.js';
import { toApelText } from '../../../../src/site/accounting/apel-text.js';

const epoch = (iso: string) => Date.parse(iso) / 1000;

const ctx: ProjectContext = {
  siteName: 'TEST-SITE',
  cloudComputeService: 'TEST-SITE',
  cloudType: 'fedstack/0.1.0 (OpenStack)',
  projectId: 'p1',
  vo: 'vo.access.egi.eu',
  userNames: new Map([['u1', 'alice@egi.eu']]),
  imageMarketplaceUris: new Map([['img-mp', 'https://appdb.egi.eu/store/vo/image/abc:1/']]),
  flavors: new Map<string, Flavor>([
    [
      'f-old',
      {
        id: 'f-old',
        name: 'old',
        vcpus: 2,
        ramMb: 4096,
        diskGb: 20,
        ephemeralGb: 5,
        isPublic: true,
        extraSpecs: {},
      },
    ],
  ]),
  benchmarkNameKey: 'accounting:benchmark_type',
  benchmarkValueKey: 'accounting:benchmark_value',
};

function server(over: Record<string, unknown> = {}) {
  return parseServer({
    id: 'vm-1',
    name: 'vm one',
    status: 'ACTIVE',
    tenant_id: 'p1',
    user_id: 'u1',
    created: '2026-11-01T10:00:00Z',
    updated: '2026-11-01T10:01:00Z',
    'OS-SRV-USG:launched_at': '2026-11-01T10:00:30.000000',
    'OS-SRV-USG:terminated_at': null,
    image: { id: 'img-1' },
    flavor: {
      vcpus: 4,
      ram: 8192,
      disk: 40,
      ephemeral: 0,
      original_name: 'm1.large',
      extra_specs: { 'accounting:benchmark_type': 'HEPSPEC06', 'accounting:benchmark_value': '10.5' },
    },
    addresses: {
      net: [
        { addr: '10.0.0.5', version: 4, 'OS-EXT-IPS:type': 'fixed' },
        { addr: '203.0.113.7', version: 4, 'OS-EXT-IPS:type': 'floating' },
      ],
    },
    ...over,
  });
}

const window = { from: epoch('2026-11-01T00:00:00Z'), to: epoch('2026-11-02T00:00:00Z') };

describe('cloud records', () => {
  it('reports a running VM with cumulative wall time to the window end, EndTime 0 and the embedded flavor', () => {
    const r = buildCloudRecord(server(), ctx, window);
    expect(r).toEqual({
      vmUuid: 'vm-1',
      siteName: 'TEST-SITE',
      cloudComputeService: 'TEST-SITE',
      cloudType: 'fedstack/0.1.0 (OpenStack)',
      machineName: 'vm one',
      localUserId: 'u1',
      localGroupId: 'p1',
      globalUserName: 'alice@egi.eu',
      fqan: 'vo.access.egi.eu',
      status: 'started',
      startTime: epoch('2026-11-01T10:00:00Z'),
      endTime: 0,
      wallDuration: 14 * 3600,
      cpuDuration: 4 * 14 * 3600,
      cpuCount: 4,
      memory: 8192,
      disk: 40,
      publicIpCount: 1,
      imageId: 'img-1',
      benchmarkType: 'HEPSPEC06',
      benchmark: 10.5,
    });
  });

  it('completes a deleted VM at its terminated_at', () => {
    const r = buildCloudRecord(
      server({ status: 'DELETED', 'OS-SRV-USG:terminated_at': '2026-11-01T12:00:00.000000' }),
      ctx,
      window,
    );
    expect(r).toMatchObject({
      status: 'completed',
      endTime: epoch('2026-11-01T12:00:00Z'),
      wallDuration: 7200,
      cpuDuration: 28800,
    });
  });

  it('reports a VM deleted after the window end as started within the window', () => {
    const r = buildCloudRecord(
      server({ status: 'DELETED', 'OS-SRV-USG:terminated_at': '2026-11-03T00:00:00Z' }),
      ctx,
      window,
    );
    expect(r).toMatchObject({ status: 'started', endTime: 0, wallDuration: 14 * 3600 });
  });

  it('gives shelved VMs their own status instead of unknown', () => {
    expect(accountingStatus('SHELVED')).toBe('shelved');
    expect(accountingStatus('SHELVED_OFFLOADED')).toBe('shelved');
    expect(buildCloudRecord(server({ status: 'SHELVED_OFFLOADED' }), ctx, window).status).toBe('shelved');
    expect(accountingStatus('SHUTOFF')).toBe('stopped');
    expect(accountingStatus('VERIFY_RESIZE')).toBe('started');
    expect(accountingStatus('SOMETHING_NEW')).toBe('unknown');
  });

  it('reports a never-launched deleted VM with a wall time of 1 s', () => {
    const r = buildCloudRecord(
      server({ status: 'DELETED', 'OS-SRV-USG:launched_at': null, updated: '2026-11-01T11:00:00Z' }),
      ctx,
      window,
    );
    expect(r).toMatchObject({
      status: 'completed',
      wallDuration: 1,
      cpuDuration: 4,
      endTime: epoch('2026-11-01T10:00:00Z'),
    });
  });

  it('uses the marketplace URI as ImageId and leaves it out for boot-from-volume', () => {
    expect(buildCloudRecord(server({ image: { id: 'img-mp' } }), ctx, window).imageId).toBe(
      'https://appdb.egi.eu/store/vo/image/abc:1/',
    );
    expect(buildCloudRecord(server({ image: '' }), ctx, window)).not.toHaveProperty('imageId');
  });

  it('falls back to the flavor list below microversion 2.47 and leaves out an incomplete benchmark', () => {
    const r = buildCloudRecord(server({ flavor: { id: 'f-old' } }), ctx, window);
    expect(r).toMatchObject({ cpuCount: 2, memory: 4096, disk: 25 });
    expect(r).not.toHaveProperty('benchmark');
  });

  it('computes integer UTC epochs whatever the host time zone', () => {
    process.env.TZ = 'Pacific/Chatham'; // +12:45/+13:45: any local-time slip shows
    const r = buildCloudRecord(server({ created: '2026-11-01T10:00:00.000000' }), ctx, window);
    expect(r.startTime).toBe(1793527200);
    delete process.env.TZ;
  });

  it('keeps VMs overlapping the window and drops the others', () => {
    expect(isInWindow(server(), window)).toBe(true);
    expect(isInWindow(server({ created: '2026-11-05T00:00:00Z' }), window)).toBe(false);
    expect(
      isInWindow(
        server({
          status: 'DELETED',
          'OS-SRV-USG:terminated_at': '2026-10-30T00:00:00Z',
          created: '2026-10-01T00:00:00Z',
        }),
        window,
      ),
    ).toBe(false);
  });

  it('makes names ASCII-safe for APEL and SSM', () => {
    expect(toApelText('  Müller %% vm\nname ')).toBe('Mller % vmname');
    expect(toApelText('ééé')).toBeUndefined();
    expect(toApelText('x'.repeat(300))).toHaveLength(255);
  });
});

describe('accelerator records', () => {
  const gpu = {
    vcpus: 8,
    ram: 32768,
    disk: 80,
    original_name: 'g1.a100',
    extra_specs: {
      'Accelerator:Type': 'GPU',
      'Accelerator:Number': '1',
      'Accelerator:Vendor': 'NVIDIA',
      'Accelerator:Model': 'Tesla A100',
      'Accelerator:Memory': '40',
    },
  };

  it('writes one record per calendar month the VM overlapped, each cumulative within its month', () => {
    const w = { from: epoch('2026-10-01T00:00:00Z'), to: epoch('2026-11-01T06:00:00Z') };
    const records = buildAcceleratorRecords(server({ flavor: gpu, created: '2026-10-31T18:00:00Z' }), ctx, w);
    expect(records).toEqual([
      expect.objectContaining({
        measurementMonth: 10,
        measurementYear: 2026,
        availableDuration: 6 * 3600,
        count: 1,
        type: 'GPU',
        model: 'NVIDIA Tesla A100',
        associatedRecord: 'vm-1',
        associatedRecordType: 'cloud',
        fqan: 'vo.access.egi.eu',
        globalUserName: 'alice@egi.eu',
        siteName: 'TEST-SITE',
      }),
      expect.objectContaining({
        measurementMonth: 11,
        measurementYear: 2026,
        availableDuration: 6 * 3600,
        activeDuration: 6 * 3600,
      }),
    ]);
  });

  it('writes nothing for a flavor without the four accelerator specs', () => {
    expect(buildAcceleratorRecords(server(), ctx, window)).toEqual([]);
  });
});

describe('public IP records', () => {
  const fip = (id: string, address: string, project = 'p1', port?: string) =>
    parseFloatingIp({
      id,
      floating_ip_address: address,
      floating_network_id: 'pub',
      project_id: project,
      port_id: port ?? null,
      created_at: '2026-11-01T00:00:00Z',
    });
  const ports = new Map<string, Port>([
    [
      'port-1',
      {
        id: 'port-1',
        networkId: 'n',
        projectId: 'p1',
        deviceId: 'vm-1',
        deviceOwner: 'compute:nova',
        fixedIps: [],
        status: 'ACTIVE',
      },
    ],
  ]);

  it('counts per user and IP version, only the project’s own addresses', () => {
    const records = buildPublicIpRecords(
      [
        fip('a', '203.0.113.1', 'p1', 'port-1'),
        fip('b', '2001:db8::1', 'p1', 'port-1'),
        fip('c', '203.0.113.2'),
        fip('d', '203.0.113.3', 'other'),
      ],
      ports,
      new Map([['vm-1', 'u1']]),
      ctx,
      window,
    );
    expect(records).toEqual([
      expect.objectContaining({
        localUser: 'p1',
        globalUserName: 'p1',
        ipVersion: 4,
        ipCount: 1,
        localGroup: 'p1',
        measurementTime: window.to,
      }),
      expect.objectContaining({ localUser: 'u1', globalUserName: 'alice@egi.eu', ipVersion: 4, ipCount: 1 }),
      expect.objectContaining({ localUser: 'u1', ipVersion: 6, ipCount: 1, fqan: 'vo.access.egi.eu' }),
    ]);
  });
});

describe('storage records', () => {
  it('keys a volume’s record by volume and month so history is kept', () => {
    const volume = parseVolume({
      id: 'vol-1',
      status: 'available',
      size: 2,
      user_id: 'u1',
      created_at: '2026-10-15T00:00:00.000000',
      volume_type: 'ceph',
    });
    const r = buildStorageRecord(volume, ctx, window)!;
    expect(r).toMatchObject({
      recordId: 'vol-1/2026-11',
      startTime: epoch('2026-11-01T00:00:00Z'),
      endTime: window.to,
      resourceCapacityUsed: 2n * 2n ** 30n,
      group: 'vo.access.egi.eu',
      userIdentity: 'alice@egi.eu',
      site: 'TEST-SITE',
    });
  });
});
