import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addImageMember,
  collectAll,
  createImage,
  createVolume,
  deleteImage,
  deleteVolume,
  downloadImageData,
  getImage,
  getVolumeQuotas,
  listImageMembers,
  paginateImages,
  paginateVolumes,
  setImageProperties,
  updateImageMember,
  uploadImageData,
  waitForVolume,
  type OpenStackSession,
} from '../../src/openstack/index.js';
import { adminInProject, projectIdOf, siteSession } from '../helpers/sessions.js';
import { deleteAll } from '../helpers/cleanup.js';

const MiB = 1 << 20;

/** 200 MiB of deterministic bytes, produced chunk by chunk (never held whole). */
function* bytes(totalBytes: number): Generator<Buffer> {
  for (let off = 0; off < totalBytes; off += MiB) {
    const chunk = Buffer.alloc(MiB); // a fresh buffer: the stream may hold several at once
    chunk.writeUInt32BE(off / MiB, 0);
    yield chunk;
  }
}

describe('Glance and Cinder on the testbed', () => {
  let s: OpenStackSession;
  const images: string[] = [];

  beforeAll(async () => {
    s = await adminInProject('site-a', 'vo');
  });
  afterAll(async () => {
    await deleteAll(images, (id) => deleteImage(s, id));
  });

  it('streams a 200 MiB image up and down with RSS growing by less than 100 MiB', async () => {
    const size = 200 * MiB;
    const image = await createImage(s, {
      name: 'it-stream',
      diskFormat: 'raw',
      properties: { os_distro: 'test' },
    });
    images.push(image.id);
    const expected = createHash('sha512');
    for (const c of bytes(size)) expected.update(c);
    global.gc?.();
    const rssBefore = process.memoryUsage.rss();
    let rssPeak = rssBefore;
    const timer = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 20);
    try {
      await uploadImageData(s, image.id, Readable.from(bytes(size)), { sizeBytes: size });
      const got = createHash('sha512');
      let received = 0;
      await pipeline(await downloadImageData(s, image.id), async function (source: AsyncIterable<Buffer>) {
        for await (const c of source) {
          got.update(c);
          received += c.length;
        }
      });
      expect(received).toBe(size);
      expect(got.digest('hex')).toBe(expected.digest('hex'));
    } finally {
      clearInterval(timer);
    }
    const uploaded = await getImage(s, image.id);
    expect(uploaded.status).toBe('active');
    expect(uploaded.sizeBytes).toBe(size);
    // holding the image in memory would add at least its 200 MiB; the rest is the process's own
    // growth (code, heap), which varies with what ran before in the same worker
    expect(rssPeak - rssBefore).toBeLessThan(100 * MiB);
  });

  it('patches image properties and filters the list by them', async () => {
    const image = await createImage(s, {
      name: 'it-patch',
      diskFormat: 'qcow2',
      properties: { os_distro: 'ubuntu' },
    });
    images.push(image.id);
    const patched = await setImageProperties(s, image, {
      os_distro: 'debian',
      vmcatcher_event_ad_mpuri: 'https://example.org/mp/1',
    });
    expect(patched.properties).toMatchObject({
      os_distro: 'debian',
      vmcatcher_event_ad_mpuri: 'https://example.org/mp/1',
    });
    const found = await collectAll(paginateImages(s, { os_distro: 'debian', name: 'it-patch' }));
    expect(found.map((i) => i.id)).toEqual([image.id]);
  });

  it('shares an image with another project, which accepts it and then lists it', async () => {
    const image = await createImage(s, { name: 'it-shared', diskFormat: 'raw', visibility: 'shared' });
    images.push(image.id);
    const fedcloud = await projectIdOf('site-a', 'fedcloud');
    expect((await addImageMember(s, image.id, fedcloud)).status).toBe('pending');
    const member = siteSession(
      'site-a',
      { kind: 'password', username: 'fedcloud-user', password: 'secret' },
      { projectId: fedcloud },
    );
    await updateImageMember(member, image.id, fedcloud, 'accepted');
    expect(await listImageMembers(s, image.id)).toEqual([
      { imageId: image.id, memberId: fedcloud, status: 'accepted' },
    ]);
    const visible = await collectAll(paginateImages(member, { name: 'it-shared' }));
    expect(visible.map((i) => i.id)).toContain(image.id);
  });

  it('creates and deletes a volume and sees it through changes-since', async () => {
    const since = new Date(Date.now() - 5_000).toISOString();
    const volume = await createVolume(s, { name: 'it-volume', sizeGb: 1 });
    try {
      await waitForVolume(s, volume.id, ['available']);
      const changed = await collectAll(paginateVolumes(s, { changesSince: since }));
      expect(changed.find((v) => v.id === volume.id)).toMatchObject({ sizeGb: 1, status: 'available' });
      const quotas = await getVolumeQuotas(s, await s.projectId());
      expect(quotas.gigabytes!.inUse).toBeGreaterThanOrEqual(1);
    } finally {
      await deleteVolume(s, volume.id);
    }
    await waitForVolume(s, volume.id, ['deleted']);
  });
});
