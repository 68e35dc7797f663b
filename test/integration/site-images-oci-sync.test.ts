// Image sync from a registry source (Debian's docker-registry on loopback) into the testbed Glance of site-a.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { collectAll, deleteImage, paginateImages, type Image } from '../../src/openstack/index.js';
import { runImageSync } from '../../src/site/jobs/index.js';
import { loadSiteConfig, type SiteConfig } from '../../src/site/site-config.js';
import { deleteAll } from '../helpers/cleanup.js';
import { pushDiskImage, startTestRegistry, type TestRegistry } from '../helpers/docker-registry.js';
import { adminSession } from '../helpers/sessions.js';
import { writeTestbedSiteYaml } from '../helpers/testbed.js';

const RUN = `${process.pid}-${randomBytes(3).toString('hex')}`;
const TAG = `fedstack-oci-it-${RUN}`;
const REPO = `egi_vm_images/it-${RUN}`;

describe('fedstack site images sync from a registry source', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-oci-sync-'));
  const disk = randomBytes(2 ** 20);
  let registry: TestRegistry;
  let config: SiteConfig;

  const ourImages = async (): Promise<Image[]> =>
    (await collectAll(paginateImages(adminSession('site-a'), { tag: TAG }))).filter(
      (i) => i.status !== 'deleted',
    );

  beforeAll(async () => {
    registry = await startTestRegistry();
    await pushDiskImage(registry.url, REPO, '1.0', disk, {
      fileName: 'it-disk.img',
      annotations: { 'org.openstack.glance.os_distro': 'testos' },
    });
    const { file } = writeTestbedSiteYaml(dir, (vos) => ({
      images: {
        sync: true,
        formats: ['raw'],
        cache_dir: 'cache',
        visibility: 'private',
        tag: TAG,
        sources: [{ name: `registry-${RUN}`, registry: registry.url, repository: REPO, vos: [vos[0]!.vo] }],
      },
    }));
    config = loadSiteConfig(file);
  }, 120_000);

  afterAll(async () => {
    const session = adminSession('site-a');
    await deleteAll(await ourImages().catch(() => []), (image) => deleteImage(session, image.id));
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('downloads the layer blob by its digest and uploads it to Glance; a rerun changes nothing', async () => {
    const sync = () =>
      runImageSync(
        { config, logger: silentLogger, signal: new AbortController().signal, clock: Date.now },
        { pollIntervalMs: 250, activeTimeoutMs: 120_000 },
      );
    const first = await sync();
    expect(first.errors).toEqual([]);
    expect(first.applied).toMatchObject({ downloads: 1, uploads: 1, deletions: 0 });
    const [image, ...others] = await ourImages();
    expect(others).toEqual([]);
    expect(image).toMatchObject({ status: 'active', diskFormat: 'raw', sizeBytes: disk.length });
    expect(image!.properties).toMatchObject({
      image_hash: `sha256:${createHash('sha256').update(disk).digest('hex')}`,
      os_distro: 'testos',
    });
    const second = await sync();
    expect(second.errors).toEqual([]);
    expect(second.applied).toMatchObject({ downloads: 0, uploads: 0, deletions: 0 });
  });
});
