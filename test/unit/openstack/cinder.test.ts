import { describe, expect, it } from 'vitest';
import {
  collectAll,
  createVolume,
  getVolume,
  getVolumeQuotas,
  paginateVolumes,
  parseVolume,
  parseVolumeList,
  parseVolumeQuotas,
  parseVolumeResponse,
} from '../../../src/openstack/index.js';
import {
  expectBadResponse,
  recorded,
  startRecordedSite,
  thrown,
  withField,
} from '../../helpers/recorded-site.js';

const cinderRoutes = (volumes: unknown) => (method: string, path: string) => {
  if (path === '/8776') return { body: { versions: [{ id: 'v3.0', version: '3.70', status: 'CURRENT' }] } };
  const project = '/8776/v3/[0-9a-f]+';
  if (new RegExp(`^${project}/volumes/detail$`).test(path)) return { body: volumes };
  if (new RegExp(`^${project}/volumes$`).test(path))
    return { status: 202, body: recorded('cinder', 'volume-create') };
  if (new RegExp(`^${project}/volumes/`).test(path)) return { body: recorded('cinder', 'volume-get') };
  if (new RegExp(`^${project}/os-quota-sets/`).test(path))
    return { body: recorded('cinder', 'quota-set-usage') };
  return undefined;
};

describe('Cinder volumes, on recorded answers', () => {
  it('reads an available volume of GET /volumes/detail', () => {
    const raw = recorded('cinder', 'volumes-detail');
    const v = raw.volumes[0];
    expect(parseVolumeList(raw)).toEqual([
      {
        id: v.id,
        name: 'fixture-rec-volume',
        status: 'available',
        sizeGb: 1,
        projectId: v['os-vol-tenant-attr:tenant_id'],
        userId: v.user_id,
        createdAt: v.created_at,
        updatedAt: v.updated_at,
        volumeType: '__DEFAULT__',
        attachedTo: [],
      },
    ]);
    expect(parseVolumeResponse(recorded('cinder', 'volume-get'))).toEqual(parseVolumeList(raw)[0]);
  });

  it('reads the answer of POST /volumes, which has no project yet, as projectId ""', () => {
    const v = parseVolumeResponse(recorded('cinder', 'volume-create'));
    expect(v).toMatchObject({ name: 'fixture-rec-volume', status: 'creating', sizeGb: 1, projectId: '' });
  });

  it('reads block-storage quotas with usage, without the project id entry', () => {
    const quotas = parseVolumeQuotas(recorded('cinder', 'quota-set-usage'));
    expect(quotas.volumes).toEqual({ limit: 10, inUse: 1 });
    expect(quotas.gigabytes).toEqual({ limit: 1000, inUse: 1 });
    expect(quotas).not.toHaveProperty('id');
  });

  it('lists, reads and creates volumes through the operations', async () => {
    const site = await startRecordedSite(cinderRoutes(recorded('cinder', 'volumes-detail')));
    const volumes = await collectAll(paginateVolumes(site.session, { changesSince: '2026-01-01T00:00:00Z' }));
    expect(volumes.map((v) => v.name)).toEqual(['fixture-rec-volume']);
    expect((await getVolume(site.session, 'x')).status).toBe('available');
    expect((await createVolume(site.session, { name: 'n', sizeGb: 1 })).status).toBe('creating');
    expect((await getVolumeQuotas(site.session, 'p')).volumes?.limit).toBe(10);
  });
});

describe('Cinder answers missing a required field', () => {
  it('raises OPENSTACK_BAD_RESPONSE for a volume without id instead of the id "undefined"', async () => {
    const volume = withField(recorded('cinder', 'volume-get').volume, 'id');
    expectBadResponse(await thrown(() => parseVolume(volume)), 'cinder', 'volume.id');
  });

  it.each([
    ['volumes.0.status', 'volumes[0].status'],
    ['volumes.0.size', 'volumes[0].size'],
    ['volumes.0.user_id', 'volumes[0].user_id'],
    ['volumes.0.created_at', 'volumes[0].created_at'],
  ])('names the field of a listed volume without %s', async (path, field) => {
    const body = withField(recorded('cinder', 'volumes-detail'), path);
    expectBadResponse(await thrown(() => parseVolumeList(body)), 'cinder', field);
  });

  it('names an attachment without its server', async () => {
    const body = withField(recorded('cinder', 'volumes-detail'), 'volumes.0.attachments', [
      { attachment_id: 'a' },
    ]);
    expectBadResponse(
      await thrown(() => parseVolumeList(body)),
      'cinder',
      'volumes[0].attachments[0].server_id',
    );
  });

  it('raises it from paginateVolumes and getVolume with the request path', async () => {
    const site = await startRecordedSite(
      cinderRoutes(withField(recorded('cinder', 'volumes-detail'), 'volumes.0.id')),
    );
    const error = await thrown(() => collectAll(paginateVolumes(site.session)));
    expectBadResponse(error, 'cinder', 'volumes[0].id');
    expect((error as Error).message).toMatch(/^volumev3: GET volumes\/detail: /);
    const quota = await thrown(() =>
      parseVolumeQuotas(withField(recorded('cinder', 'quota-set-usage'), 'quota_set.gigabytes.in_use')),
    );
    expectBadResponse(quota, 'cinder', 'quota_set.gigabytes.in_use');
  });
});
