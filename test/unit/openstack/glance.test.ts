import { describe, expect, it } from 'vitest';
import {
  collectAll,
  getImage,
  listImageMembers,
  paginateImages,
  parseImage,
  parseImageList,
  parseImageMemberList,
} from '../../../src/openstack/index.js';
import {
  expectBadResponse,
  recorded,
  startRecordedSite,
  thrown,
  withField,
} from '../../helpers/recorded-site.js';

describe('Glance images, on recorded answers', () => {
  it('reads the seeded image of GET /v2/images with its properties', () => {
    const raw = recorded('glance', 'images-list');
    const [image, ...rest] = parseImageList(raw);
    expect(rest).toEqual([]);
    expect(image).toEqual({
      id: raw.images[0].id,
      name: 'Local Ubuntu 22.04',
      status: 'active',
      visibility: 'public',
      owner: raw.images[0].owner,
      diskFormat: 'raw',
      containerFormat: 'bare',
      sizeBytes: 1_048_576,
      checksum: raw.images[0].checksum,
      osHashAlgo: 'sha512',
      osHashValue: raw.images[0].os_hash_value,
      minRamMb: 0,
      minDiskGb: 0,
      tags: [],
      createdAt: raw.images[0].created_at,
      updatedAt: raw.images[0].updated_at,
      properties: { os_distro: 'ubuntu', os_version: '22.04', architecture: 'x86_64' },
    });
    expect(parseImage(recorded('glance', 'image-get'))).toEqual(image);
  });

  it('reads a shared image and its pending member', () => {
    const image = parseImage(recorded('glance', 'image-shared-get'));
    expect(image).toMatchObject({ name: 'fixture-rec-image', visibility: 'shared', sizeBytes: 1024 });
    expect(image.properties).toEqual({ os_distro: 'ubuntu', os_version: '24.04' });
    const raw = recorded('glance', 'image-members-list');
    expect(parseImageMemberList(raw)).toEqual([
      { imageId: image.id, memberId: raw.members[0].member_id, status: 'pending' },
    ]);
  });

  it('reads a nameless image, which Glance allows, as name ""', () => {
    expect(parseImage(withField(recorded('glance', 'image-get'), 'name', null)).name).toBe('');
  });

  it('lists and reads images through the operations', async () => {
    const site = await startRecordedSite((method, path) => {
      if (path === '/9292/v2/images') return { body: recorded('glance', 'images-list') };
      if (path.endsWith('/members')) return { body: recorded('glance', 'image-members-list') };
      if (path.startsWith('/9292/v2/images/')) return { body: recorded('glance', 'image-shared-get') };
      return undefined;
    });
    const images = await collectAll(paginateImages(site.session, { visibility: 'all' }));
    expect(images.map((i) => i.name)).toEqual(['Local Ubuntu 22.04']);
    expect((await getImage(site.session, 'x')).visibility).toBe('shared');
    expect((await listImageMembers(site.session, 'x')).map((m) => m.status)).toEqual(['pending']);
  });
});

describe('Glance answers missing a required field', () => {
  it('raises OPENSTACK_BAD_RESPONSE for an image without id instead of the id "undefined"', async () => {
    const image = withField(recorded('glance', 'image-get'), 'id');
    expectBadResponse(await thrown(() => parseImage(image)), 'glance', 'id');
  });

  it.each([
    ['images.0.id', 'images[0].id'],
    ['images.0.status', 'images[0].status'],
    ['images.0.visibility', 'images[0].visibility'],
    ['images.0.created_at', 'images[0].created_at'],
  ])('names the field of a listed image without %s', async (path, field) => {
    const body = withField(recorded('glance', 'images-list'), path);
    expectBadResponse(await thrown(() => parseImageList(body)), 'glance', field);
  });

  it('raises it from paginateImages and getImage with the request path', async () => {
    const site = await startRecordedSite((method, path) => {
      if (path === '/9292/v2/images')
        return { body: withField(recorded('glance', 'images-list'), 'images.0.id') };
      if (path.startsWith('/9292/v2/images/'))
        return { body: withField(recorded('glance', 'image-get'), 'updated_at', 'soon') };
      return undefined;
    });
    const error = await thrown(() => collectAll(paginateImages(site.session)));
    expectBadResponse(error, 'glance', 'images[0].id');
    expect((error as Error).message).toMatch(/^image: GET v2\/images: /);
    const one = await thrown(() => getImage(site.session, 'img-1'));
    expectBadResponse(one, 'glance', 'updated_at');
    expect((one as Error).message).toContain('GET v2/images/img-1');
    expect((one as Error).message).toContain('expected an ISO 8601 time, found a string');
  });

  it('raises it for a member without member_id or with an unknown status', async () => {
    const noMember = withField(recorded('glance', 'image-members-list'), 'members.0.member_id');
    expectBadResponse(await thrown(() => parseImageMemberList(noMember)), 'glance', 'members[0].member_id');
    const odd = withField(recorded('glance', 'image-members-list'), 'members.0.status', 'maybe');
    const error = await thrown(() => parseImageMemberList(odd));
    expectBadResponse(error, 'glance', 'members[0].status');
    expect((error as Error).message).toContain('expected one of pending, accepted, rejected, found "maybe"');
  });
});
