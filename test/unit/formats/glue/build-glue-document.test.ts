import { describe, expect, it } from 'vitest';
import {
  buildGlueDocument,
  GLUE_CLASS_NAMES,
  type GlueEntity,
  parseGlueDocument,
  type SiteSnapshot,
} from '../../../../src/formats/glue/index.js';
import { parse as parseYaml } from 'yaml';
import { fixtureText, sampleSnapshot } from '../../../helpers/glue-fixtures.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const EP = 'https://keystone.example.org:5000/v3';
const EP_ID = `${EP}_OpenStack_v3`;
const SHARE_VO = `${EP_ID}_share_vo.access.egi.eu_a1b2c3d4e5f60718293a4b5c6d7e8f90`;
const SHARE_FEDCLOUD = `${EP_ID}_share_fedcloud.egi.eu_0f9e8d7c6b5a49382716a5b4c3d2e1f0`;

function build(snapshot: SiteSnapshot = sampleSnapshot()) {
  return buildGlueDocument(snapshot, { now: NOW, validitySeconds: 3600 });
}

describe('buildGlueDocument', () => {
  it('writes one entity list per GLUE class name, as cloud-info-provider 1.x does', () => {
    expect(Object.keys(build())).toEqual([...GLUE_CLASS_NAMES]);
  });

  it('stamps every entity with the given creation time and validity', () => {
    const doc = build();
    const entities: GlueEntity[] = GLUE_CLASS_NAMES.flatMap((name): GlueEntity[] => doc[name]);
    expect(entities.length).toBeGreaterThan(10);
    for (const e of entities) {
      expect(e.CreationTime).toBe('2026-03-01T12:00:00.000Z');
      expect(e.Validity).toBe(3600);
    }
  });

  it('defaults the validity to 12 hours', () => {
    const doc = buildGlueDocument(sampleSnapshot(), { now: NOW });
    expect(doc.CloudComputingService[0]!.Validity).toBe(43_200);
  });

  it('names the site in AdminDomain and the GOCDB id in the service OtherInfo', () => {
    const service = build().CloudComputingService[0]!;
    expect(service.ID).toBe(`${EP}_cloud.compute`);
    expect(service.Associations).toEqual({ AdminDomain: ['FEDSTACK-TEST'] });
    expect(service.OtherInfo).toMatchObject({ gocdb_id: '12249G0', site_name: 'FEDSTACK-TEST' });
    expect(service.Complexity).toBe('endpointType=1,share=3');
  });

  it('computes manager minimum and maximum over the flavors of all shares', () => {
    const manager = build().CloudComputingManager[0]!;
    expect(manager).toMatchObject({
      InstanceMinCPU: 1,
      InstanceMaxCPU: 8,
      InstanceMinRAM: 2048,
      InstanceMaxRAM: 65536,
    });
  });

  it('gives each share its own minimum and maximum', () => {
    const share = build().Share.find((s) => s.ID === SHARE_FEDCLOUD)!;
    expect(share).toMatchObject({
      InstanceMinCPU: 1,
      InstanceMaxCPU: 1,
      InstanceMinRAM: 2048,
      InstanceMaxRAM: 2048,
    });
  });

  it('publishes accelerator type, memory in MiB and virtualization type', () => {
    const doc = build();
    expect(doc.CloudComputingVirtualAccelerator).toEqual([
      expect.objectContaining({
        ID: 'g1_gpu',
        Type: 'GPU',
        Number: 1,
        Vendor: 'NVIDIA',
        Model: 'Tesla A100',
        Memory: 40960,
        VirtualizationType: 'pci-passthrough',
        Associations: { CloudComputingInstanceType: ['g1'] },
      }),
    ]);
    const gpuFlavor = doc.CloudComputingInstanceType.find((t) => t.ID === 'g1')!;
    expect(gpuFlavor.Associations!.CloudComputingVirtualAccelerator).toEqual(['g1_gpu']);
  });

  it('publishes a fractional GPU as one device and keeps the fraction in OtherInfo', () => {
    const snapshot = sampleSnapshot();
    const flavor = snapshot.shares[0]!.flavors[2]!;
    const shared = { ...flavor, accelerator: { ...flavor.accelerator!, number: 0.5 } };
    const doc = build({ ...snapshot, shares: [{ ...snapshot.shares[0]!, flavors: [shared] }] });
    expect(doc.CloudComputingVirtualAccelerator[0]).toMatchObject({
      Number: 1,
      OtherInfo: { fractional_number: 0.5 },
    });
  });

  it('takes the instance-type platform from the images when flavors pin none', () => {
    const types = build().CloudComputingInstanceType;
    expect(types.map((t) => t.Platform)).toEqual(['amd64', 'amd64', 'amd64']);
  });

  it('prefers the architecture a flavor pins over the images', () => {
    const snapshot = sampleSnapshot();
    const arm = { ...snapshot.shares[0]!.flavors[0]!, id: 'arm', architecture: 'aarch64' };
    const doc = build({ ...snapshot, shares: [{ ...snapshot.shares[0]!, flavors: [arm] }] });
    expect(doc.CloudComputingInstanceType[0]!.Platform).toBe('arm64');
  });

  it('writes the same platform word for images as for flavors', () => {
    expect(build().CloudComputingImage.map((i) => i.OSPlatform)).toEqual(['amd64', 'amd64']);
  });

  it('does not count ERROR servers as running', () => {
    const share = build().Share.find((s) => s.ID === SHARE_VO)!;
    expect(share).toMatchObject({ TotalVM: 8, RunningVM: 4, SuspendedVM: 1, HaltedVM: 1 });
    expect(share.OtherInfo).toMatchObject({ error_vm: 2 });
    expect(build().CloudComputingService[0]).toMatchObject({ TotalVM: 9, RunningVM: 5 });
  });

  it('publishes a health state per share with the error text', () => {
    const shares = build().Share;
    expect(shares.map((s) => s.OtherInfo!.health_state)).toEqual(['ok', 'warning', 'critical']);
    expect(shares[2]!.OtherInfo!.health_state_info).toMatch(/Keystone refused/);
  });

  it('marks the endpoint warning and names the failed VOs when some shares failed', () => {
    const endpoint = build().CloudComputingEndpoint[0]!;
    expect(endpoint.HealthState).toBe('warning');
    expect(endpoint.HealthStateInfo).toContain('ops: Keystone refused');
    expect(endpoint.HealthStateInfo).toContain('fedcloud.egi.eu: quotas');
  });

  it('marks the endpoint critical when no share could be collected', () => {
    const snapshot = sampleSnapshot();
    const doc = build({ ...snapshot, shares: [snapshot.shares[2]!] });
    expect(doc.CloudComputingEndpoint[0]!.HealthState).toBe('critical');
  });

  it('lists an image visible in two shares once, associated with both', () => {
    const images = build().CloudComputingImage;
    expect(images.map((i) => i.ID)).toEqual([
      '6f0e6b1c-1111-4d7e-9a55-0a1b2c3d4e5f',
      '141027e7-276b-462b-b03d-8843ef2e3d24',
    ]);
    expect(images[0]!.Associations!.Share).toEqual([SHARE_VO, SHARE_FEDCLOUD]);
  });

  it('keeps the EGI image reference and tag where cloud-info-api looks for them', () => {
    const image = build().CloudComputingImage[1]!;
    expect(image.MarketplaceURL).toMatch(/^registry\.egi\.eu\//);
    expect(image.OtherInfo).toMatchObject({
      'eu.egi.cloud.image_ref': 'egi_vm_images/ubuntu:22.04',
      'eu.egi.cloud.tag': '2025-09-04-4d7122d6',
      'org.openstack.glance.os_type': 'linux',
    });
  });

  it('maps each share to its VO with a MappingPolicy and lists all VOs in the AccessPolicy', () => {
    const doc = build();
    expect(doc.MappingPolicy[0]).toMatchObject({
      ID: `${SHARE_VO}_Policy`,
      Rule: ['VO:vo.access.egi.eu'],
      Associations: { Share: [SHARE_VO], PolicyUserDomain: ['vo.access.egi.eu'] },
    });
    expect(doc.AccessPolicy[0]!.Rule).toEqual(['VO:vo.access.egi.eu', 'VO:fedcloud.egi.eu', 'VO:ops']);
  });

  it('leaves MaxVM out when the instance quota is unlimited', () => {
    const share = build().Share.find((s) => s.ID === SHARE_FEDCLOUD)!;
    expect(share.MaxVM).toBeUndefined();
    expect(build().Share[0]!.MaxVM).toBe(10);
  });

  it('puts the compute microversion in OtherInfo, not in ImplementationVersion', () => {
    const endpoint = build().CloudComputingEndpoint[0]!;
    expect(endpoint).toMatchObject({ InterfaceVersion: '2.1', ImplementationVersion: '2024.1' });
    expect(endpoint.OtherInfo).toMatchObject({ compute_max_microversion: '2.96' });
  });

  it('produces a document that validates against the shipped schema and survives JSON', () => {
    const doc = build();
    const result = parseGlueDocument(JSON.stringify(doc));
    expect(result.kind).toBe('valid');
    if (result.kind === 'valid') expect(result.document).toEqual(doc);
  });

  it('leaves no undefined values in the document', () => {
    expect(JSON.stringify(build())).not.toContain('undefined');
    const walk = (v: unknown): void => {
      if (v && typeof v === 'object')
        for (const x of Object.values(v)) {
          expect(x).not.toBeUndefined();
          walk(x);
        }
    };
    walk(build());
  });

  for (const name of ['BIFI', 'CESNET-MCCG2', 'IFCA-LCG2']) {
    it(`gives each VO of the catch-all config of ${name} its share, policy and access rule`, () => {
      const config = parseYaml(fixtureText(`catchall-site-${name}.yaml`)) as {
        gocdb: string;
        endpoint: string;
        vos: { name: string; auth: { project_id: string } }[];
      };
      const snapshot: SiteSnapshot = {
        siteName: config.gocdb,
        endpointUrl: config.endpoint,
        versions: {},
        shares: config.vos.map((vo) => ({
          vo: vo.name,
          projectId: vo.auth.project_id,
          images: [],
          flavors: [],
          quotas: {},
          serversByStatus: {},
          health: 'ok' as const,
        })),
      };
      const doc = build(snapshot);
      expect(parseGlueDocument(doc).kind).toBe('valid');
      expect(doc.Share.map((s) => s.ProjectID)).toEqual(config.vos.map((v) => v.auth.project_id));
      expect(doc.MappingPolicy.map((m) => m.Associations!.PolicyUserDomain![0])).toEqual(
        config.vos.map((v) => v.name),
      );
      expect(doc.AccessPolicy[0]!.Rule).toHaveLength(config.vos.length);
      expect(doc.CloudComputingEndpoint[0]!.URL).toBe(config.endpoint);
      expect(doc.Share[0]!.ID).toBe(
        `${config.endpoint}_OpenStack_v3_share_${config.vos[0]!.name}_${config.vos[0]!.auth.project_id}`,
      );
    });
  }
});
