// A registry image source against Debian's docker-registry on loopback: push an artefact through the API, list it, download its layer.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/http/index.js';
import { fetchToCache } from '../../src/site/images/download-cache.js';
import { fetchImageSources } from '../../src/site/images/fetch-sources.js';
import type { ImagesConfig, OciSourceConfig } from '../../src/site/images/images-config.js';
import { listOciSource, ociBlobDownload } from '../../src/site/images/oci-source.js';
import {
  pushDiskImage,
  startTestRegistry,
  type PushedImage,
  type TestRegistry,
} from '../helpers/docker-registry.js';

const REPO = 'egi_vm_images/ubuntu';
let registry: TestRegistry;
let dir: string;
let moving: PushedImage;
let disk: Buffer;

function sourceOf(overrides: Partial<OciSourceConfig> = {}): OciSourceConfig {
  return {
    kind: 'oci',
    name: 'registry-it',
    isEnabled: true,
    images: [],
    prefix: 'EGI ',
    registry: registry.url,
    repository: REPO,
    tagPattern: '^[^-]*$',
    ...overrides,
  };
}

beforeAll(async () => {
  registry = await startTestRegistry();
  dir = mkdtempSync(path.join(tmpdir(), 'fedstack-oci-it-'));
  disk = randomBytes(256 * 1024 + 17);
  const annotations = {
    'eu.egi.cloud.tag': '2025-09-04-4d7122d6',
    'eu.egi.cloud.description': 'Ubuntu 22.04 for the tests',
    'org.openstack.glance.os_distro': 'ubuntu',
    'org.openstack.glance.os_version': '22.04',
    'org.openstack.glance.architecture': 'x86_64',
  };
  moving = await pushDiskImage(registry.url, REPO, '22.04', disk, {
    fileName: 'ubuntu-22.04.qcow2',
    annotations,
  });
  // the dated tag of the same build: left out by the tag pattern
  await pushDiskImage(registry.url, REPO, '2025-09-04-4d7122d6', disk, { annotations });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('registry image source (docker-registry)', () => {
  it('lists the tags that match the pattern, one image per tag, from the manifest and its disk layer', async () => {
    const { list, problems } = await listOciSource(sourceOf(), {
      httpClient: new HttpClient(),
      configFile: path.join(dir, 'site.yaml'),
      index: 0,
    });
    expect(problems).toEqual([]);
    expect(list.images).toHaveLength(1);
    const [image] = list.images;
    expect(image).toMatchObject({
      id: `${registry.host}/${REPO}:22.04`,
      title: `${REPO}:22.04`,
      description: 'Ubuntu 22.04 for the tests',
      location: { kind: 'oci', scheme: 'docker', reference: `${registry.host}/${REPO}:22.04` },
      hash: { algorithm: 'sha256', value: moving.layerDigest.slice(7) },
      sizeBytes: moving.layerSize,
      format: 'qcow2',
      version: '22.04',
      marketplaceUri: `docker://${registry.host}/${REPO}:22.04`,
      os: { distro: 'ubuntu', version: '22.04', arch: 'x86_64' },
    });
    expect(image!.attributes).toMatchObject({
      'eu.egi.cloud.image_ref': `${REPO}:22.04`,
      'eu.egi.cloud.tag': '2025-09-04-4d7122d6',
      'oci.manifest_digest': moving.manifestDigest,
    });
  });

  it('is a trusted source of fetchImageSources', async () => {
    const images: ImagesConfig = {
      isSyncEnabled: true,
      formats: ['qcow2'],
      visibility: 'shared',
      tag: 'fedstack',
      caPath: dir,
      sources: [sourceOf({ tagPattern: undefined })],
    };
    const [result] = await fetchImageSources(images, {
      configFile: path.join(dir, 'site.yaml'),
      now: new Date(),
      httpClient: new HttpClient(),
    });
    expect(result).toMatchObject({ sourceId: 'registry-it', trusted: true, problems: [] });
    expect(result!.list!.images.map((i) => i.version)).toEqual(['2025-09-04-4d7122d6', '22.04']);
  });

  it('downloads the disk layer with fetchToCache and checks its sha256', async () => {
    const source = sourceOf();
    const options = { httpClient: new HttpClient(), configFile: path.join(dir, 'site.yaml'), index: 0 };
    const { list } = await listOciSource(source, options);
    const image = list.images[0]!;
    const { url, headers } = await ociBlobDownload(source, image, options);
    expect(url).toBe(`${registry.url}/v2/${REPO}/blobs/${moving.layerDigest}`);
    const cached = await fetchToCache({
      url,
      headers,
      expected: { algorithm: 'sha256', hex: image.hash.value, sizeBytes: image.sizeBytes },
      cacheDir: path.join(dir, 'cache'),
      freeSpaceMarginBytes: 0,
    });
    expect(cached).toMatchObject({
      algorithm: 'sha256',
      hex: moving.layerDigest.slice(7),
      sizeBytes: disk.length,
    });
    const bytes = readFileSync(cached.path);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(moving.layerDigest.slice(7));
    expect(bytes.equals(disk)).toBe(true);
  });
});
