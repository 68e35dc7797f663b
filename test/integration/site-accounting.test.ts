import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AcceleratorRecord,
  CloudRecord,
  PublicIpRecord,
  StorageRecord,
} from '../../src/formats/apel/index.js';
import {
  collectAll,
  confirmResize,
  createFloatingIp,
  createServer,
  createVolume,
  deleteFloatingIp,
  deleteServer,
  deleteVolume,
  getServer,
  listFlavors,
  listNetworks,
  listPorts,
  paginateImages,
  resizeServer,
  shelveServer,
  waitForServer,
  waitForVolume,
  type OpenStackSession,
} from '../../src/openstack/index.js';
import { accountingConfig, outboxMessages, recordsByKind } from '../helpers/accounting.js';
import { runCli } from '../helpers/cli.js';
import { adminInProject, projectIdOf } from '../helpers/sessions.js';

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe('fedstack site accounting extract on the testbed', () => {
  let vo: OpenStackSession;
  let fed: OpenStackSession;
  let voProject: string;
  let fedProject: string;
  let t0: number;
  const servers: Record<string, string> = {};
  const cleanup: (() => Promise<unknown>)[] = [];
  let records: Record<string, unknown[]>;
  let volumeId: string;
  let deletedVolumeId: string;
  let cfg: ReturnType<typeof accountingConfig>;

  beforeAll(async () => {
    vo = await adminInProject('site-a', 'vo');
    fed = await adminInProject('site-a', 'fedcloud');
    voProject = await projectIdOf('site-a', 'vo');
    fedProject = await projectIdOf('site-a', 'fedcloud');
    t0 = Math.floor(Date.now() / 1000) - 2;
    const flavors = new Map((await listFlavors(vo)).map((f) => [f.name, f.id!]));
    const imageId = (await collectAll(paginateImages(vo, { name: 'Local Ubuntu 22.04' })))[0]!.id;
    const voNet = (await listNetworks(vo, { name: 'vo-net' }))[0]!.id;
    const pub = (await listNetworks(vo, { 'router:external': 'true' }))[0]!.id;
    const create = async (
      s: OpenStackSession,
      name: string,
      flavor: string,
      networks: string[] | 'none' = 'none',
    ) => {
      const id = await createServer(s, { name, flavorId: flavors.get(flavor)!, imageId, networks });
      servers[name] = id;
      cleanup.push(() => deleteServer(s, id));
      return id;
    };
    // vo: a VM with a floating IP, a GPU VM, a resized VM, a deleted VM
    const web = await create(vo, 'acct-web', 'm1.large', [voNet]);
    const gpu = await create(vo, 'acct-gpu', 'g1.a100');
    const resized = await create(vo, 'acct-resized', 'm1.small');
    const gone = await create(vo, 'acct-deleted', 'm1.small');
    // fedcloud: a VM that gets shelved
    const shelved = await create(fed, 'acct-shelved', 'm1.small');
    await Promise.all([web, gpu, resized, gone].map((id) => waitForServer(vo, id, ['ACTIVE'])));
    await waitForServer(fed, shelved, ['ACTIVE']);
    const [port] = await listPorts(vo, { device_id: web });
    const fip = await createFloatingIp(vo, { floatingNetworkId: pub, portId: port!.id });
    cleanup.push(() => deleteFloatingIp(vo, fip.id));
    const spare = await createFloatingIp(fed, { floatingNetworkId: pub, projectId: fedProject });
    cleanup.push(() => deleteFloatingIp(fed, spare.id));
    await resizeServer(vo, resized, flavors.get('m1.large')!);
    await waitForServer(vo, resized, ['VERIFY_RESIZE']);
    await confirmResize(vo, resized);
    await shelveServer(fed, shelved);
    await deleteServer(vo, gone);
    const volume = await createVolume(vo, { name: 'acct-volume', sizeGb: 2 });
    volumeId = volume.id;
    cleanup.push(() => deleteVolume(vo, volume.id));
    const temp = await createVolume(fed, { name: 'acct-volume-gone', sizeGb: 1 });
    deletedVolumeId = temp.id;
    await waitForVolume(vo, volume.id, ['available']);
    await waitForVolume(fed, temp.id, ['available']);
    await waitForServer(vo, resized, ['ACTIVE']);
    await waitForServer(fed, shelved, ['SHELVED', 'SHELVED_OFFLOADED']);
    await waitForServer(vo, gone, ['DELETED']);
    // Nova learns about the floating IP through Neutron's notification
    for (let i = 0; i < 60 && !(await getServer(vo, web)).addresses.some((a) => a.type === 'floating'); i++)
      await new Promise((r) => setTimeout(r, 500));
    cfg = accountingConfig('site-a', { default_extract_from: String(t0) });
    const { code, stdout, stderr } = await runCli([
      'site',
      'accounting',
      'extract',
      '--config',
      cfg.file,
      '--json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const outcome = JSON.parse(stdout) as { projects: { projectId: string; ok: boolean }[] };
    expect(outcome.projects.filter((p) => !p.ok)).toEqual([]);
    records = recordsByKind(outboxMessages(cfg.outbox));
  }, 600_000);

  afterAll(async () => {
    await Promise.all(cleanup.map((f) => f().catch(() => undefined)));
  });

  const cloud = (name: string) => (records.cloud as CloudRecord[]).find((r) => r.vmUuid === servers[name]);

  it('reports a running VM with its floating IP, benchmark, user name and VO', () => {
    const r = cloud('acct-web')!;
    expect(r).toMatchObject({
      siteName: 'TESTBED-SITE-A',
      cloudComputeService: 'TESTBED-SITE-A',
      machineName: 'acct-web',
      localGroupId: voProject,
      globalUserName: 'admin',
      fqan: 'vo.access.egi.eu',
      status: 'started',
      endTime: 0,
      cpuCount: 4,
      memory: 8192,
      disk: 40,
      publicIpCount: 1,
      benchmarkType: 'HEPSPEC06',
      benchmark: 10.5,
    });
    expect(r.cloudType).toMatch(/^fedstack\/\S+ \(OpenStack\)$/);
    expect(r.wallDuration).toBeGreaterThanOrEqual(1);
    expect(r.cpuDuration).toBe(r.wallDuration! * 4);
  });

  it('reports the resized VM with the new flavor taken from the server itself', () => {
    expect(cloud('acct-resized')).toMatchObject({
      cpuCount: 4,
      memory: 8192,
      status: 'started',
      benchmarkType: 'HEPSPEC06',
    });
  });

  it('reports the deleted VM’s final completed record', () => {
    const r = cloud('acct-deleted')!;
    expect(r.status).toBe('completed');
    expect(r.endTime).toBeGreaterThanOrEqual(r.startTime!);
    expect(r.wallDuration).toBe(Math.max(1, r.endTime! - r.startTime!));
  });

  it('reports the shelved VM as shelved in its own VO', () => {
    expect(cloud('acct-shelved')).toMatchObject({
      status: 'shelved',
      fqan: 'fedcloud.egi.eu',
      localGroupId: fedProject,
    });
  });

  it('writes an accelerator record for the GPU flavor', () => {
    const r = (records.accelerator as AcceleratorRecord[]).filter(
      (a) => a.associatedRecord === servers['acct-gpu'],
    );
    const now = new Date();
    expect(r).toEqual([
      expect.objectContaining({
        type: 'GPU',
        count: 1,
        model: 'NVIDIA Tesla A100',
        measurementMonth: now.getUTCMonth() + 1,
        measurementYear: now.getUTCFullYear(),
        fqan: 'vo.access.egi.eu',
        siteName: 'TESTBED-SITE-A',
        associatedRecordType: 'cloud',
      }),
    ]);
    expect(cloud('acct-gpu')).toMatchObject({ cpuCount: 8, memory: 32768 });
    expect(cloud('acct-gpu')).not.toHaveProperty('benchmark');
  });

  it('counts floating IPs per project and user: the attached one for its owner, the spare one for the project', () => {
    const ip = records.ip as PublicIpRecord[];
    expect(ip.filter((r) => r.localGroup === voProject)).toEqual([
      expect.objectContaining({
        ipVersion: 4,
        ipCount: 1,
        globalUserName: 'admin',
        fqan: 'vo.access.egi.eu',
      }),
    ]);
    expect(ip.filter((r) => r.localGroup === fedProject)).toEqual([
      expect.objectContaining({ ipVersion: 4, ipCount: 1, localUser: fedProject, fqan: 'fedcloud.egi.eu' }),
    ]);
  });

  it('writes storage records per volume and month', () => {
    const storage = records.storage as StorageRecord[];
    const month = new Date().toISOString().slice(0, 7);
    expect(storage.find((r) => r.recordId === `${volumeId}/${month}`)).toMatchObject({
      resourceCapacityUsed: 2n * 2n ** 30n,
      group: 'vo.access.egi.eu',
      site: 'TESTBED-SITE-A',
    });
    expect(storage.find((r) => r.recordId === `${deletedVolumeId}/${month}`)).toMatchObject({
      group: 'fedcloud.egi.eu',
    });
  });

  it('does not report VMs that ended before the window', () => {
    const all = records.cloud as CloudRecord[];
    expect(all.every((r) => r.endTime === 0 || r.endTime! >= t0)).toBe(true);
    expect(epoch(new Date().toISOString())).toBeGreaterThan(t0);
  });

  it('keeps a deleted volume’s earlier record and reports it no more', async () => {
    const before = outboxMessages(cfg.outbox).length;
    await deleteVolume(fed, deletedVolumeId);
    await waitForVolume(fed, deletedVolumeId, ['deleted']);
    const { code } = await runCli(['site', 'accounting', 'extract', '--config', cfg.file]);
    expect(code).toBe(0);
    const later = recordsByKind(outboxMessages(cfg.outbox).slice(before)).storage as StorageRecord[];
    expect(later.some((r) => r.recordId.startsWith(deletedVolumeId))).toBe(false);
    expect(later.some((r) => r.recordId.startsWith(volumeId))).toBe(true);
  });
});
