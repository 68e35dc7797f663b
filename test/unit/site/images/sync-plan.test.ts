import { describe, expect, it } from 'vitest';
import type { imagelist } from '../../../../src/formats/index.js';
import type { Image, ImageMember } from '../../../../src/openstack/index.js';
import { parseImageHash, readGlanceState } from '../../../../src/site/images/glance-state.js';
import type { HepixSourceConfig, ImageSourceConfig } from '../../../../src/site/images/images-config.js';
import {
  chooseDiskFormat,
  countSteps,
  formatPlan,
  imagePropertiesOf,
  planImageSync,
  type ImageSyncInput,
  type PlanStep,
  type SourceFetch,
} from '../../../../src/site/images/sync-plan.js';

const NOW = new Date('2026-05-01T00:00:00Z');
const TAG = 'fedstack';
const HASH_A = 'a'.repeat(128);
const HASH_B = 'b'.repeat(128);
const PROJECTS = [
  { vo: 'ops', projectId: 'p-ops' },
  { vo: 'vo.a', projectId: 'p-a' },
  { vo: 'vo.b', projectId: 'p-b' },
];

function sourceImage(id: string, over: Partial<imagelist.SourceImage> = {}): imagelist.SourceImage {
  return {
    id,
    title: `Image ${id}`,
    description: `Description of ${id}`,
    location: { kind: 'url', url: `https://images.example.org/${id}.qcow2` },
    hash: { algorithm: 'sha512', value: HASH_A },
    format: 'qcow2',
    os: { family: 'Linux', distro: 'Ubuntu', version: '22.04', arch: 'x86_64' },
    version: '1',
    marketplaceUri: `https://appdb.egi.eu/store/vo/image/${id}:1/`,
    attributes: {
      'dc:identifier': id,
      'hv:version': '1',
      'ad:mpuri': `https://appdb.egi.eu/store/vo/image/${id}:1/`,
    },
    ...over,
  };
}

function list(images: imagelist.SourceImage[], over: Partial<imagelist.ImageList> = {}): imagelist.ImageList {
  return {
    id: 'list-1',
    version: '3.0',
    expiresAt: new Date('2499-12-31T22:00:00Z'),
    images,
    attributes: {},
    ...over,
  };
}

function source(over: Partial<HepixSourceConfig> = {}): HepixSourceConfig {
  return {
    kind: 'hepix',
    name: 'appdb',
    isEnabled: true,
    location: { kind: 'url', url: 'https://vmcaster.appdb.egi.eu/store/vo/ops/image.list' },
    images: [],
    prefix: '',
    ...over,
  };
}

let nextId = 0;
/** A Glance image as an earlier run left it for `image` of `src`. */
function glanceImage(
  image: imagelist.SourceImage,
  src: ImageSourceConfig = source(),
  over: Partial<Image> = {},
): Image {
  nextId++;
  return {
    id: `g-${nextId}`,
    name: `${src.prefix}${image.title ?? image.id}`,
    status: 'active',
    visibility: 'shared',
    owner: 'p-ops',
    diskFormat: 'qcow2',
    containerFormat: 'bare',
    sizeBytes: 1000,
    checksum: undefined,
    osHashAlgo: undefined,
    osHashValue: undefined,
    minRamMb: 0,
    minDiskGb: 0,
    tags: [TAG],
    createdAt: `2026-01-01T00:00:${String(nextId % 60).padStart(2, '0')}Z`,
    updatedAt: '2026-01-01T00:00:00Z',
    properties: imagePropertiesOf(image, src),
    ...over,
  };
}

const accepted = (imageId: string, ...projects: string[]): ImageMember[] =>
  projects.map((memberId) => ({ imageId, memberId, status: 'accepted' }));

function input(
  fetches: SourceFetch[],
  images: Image[] = [],
  members: Record<string, ImageMember[]> = {},
  over: Partial<ImageSyncInput> = {},
): ImageSyncInput {
  return {
    sources: fetches,
    projects: PROJECTS,
    ownerProjectId: 'p-ops',
    current: readGlanceState({ images, members, tag: TAG }),
    formats: ['qcow2', 'raw'],
    visibility: 'shared',
    now: NOW,
    ...over,
  };
}

const trusted = (l: imagelist.ImageList, src = source()): SourceFetch => ({
  source: src,
  isTrusted: true,
  list: l,
  problems: [],
});
const kinds = (steps: readonly PlanStep[]) => steps.map((s) => s.kind);
const stepsOf = <K extends PlanStep['kind']>(steps: readonly PlanStep[], kind: K) =>
  steps.filter((s): s is Extract<PlanStep, { kind: K }> => s.kind === kind);

describe('planImageSync', () => {
  it('uploads every image on the first sync, shared with the other VO projects', () => {
    const plan = planImageSync(input([trusted(list([sourceImage('i1'), sourceImage('i2')]))]));
    expect(kinds(plan.steps)).toEqual(['upload', 'upload']);
    const [first] = stepsOf(plan.steps, 'upload');
    expect(first).toMatchObject({
      reason: 'missing',
      imageId: 'i1',
      name: 'Image i1',
      ownerProjectId: 'p-ops',
      visibility: 'shared',
      diskFormat: 'qcow2',
      isConversionNeeded: false,
      tags: [TAG],
      members: ['p-a', 'p-b'],
    });
    expect(plan.sources).toEqual([
      { sourceId: 'appdb', status: 'synced', reasons: [], listId: 'list-1', listVersion: '3.0' },
    ]);
  });

  it('keeps everything when nothing changed', () => {
    const i1 = sourceImage('i1');
    const g1 = glanceImage(i1);
    const plan = planImageSync(
      input([trusted(list([i1]))], [g1], { [g1.id]: accepted(g1.id, 'p-a', 'p-b') }),
    );
    expect(plan.steps).toEqual([
      {
        kind: 'keep',
        id: `keep:${g1.id}`,
        sourceId: 'appdb',
        imageId: 'i1',
        name: 'Image i1',
        glanceImageId: g1.id,
        reason: 'up to date',
      },
    ]);
  });

  it('treats attributes in another key order and the bare 2021 hash form as unchanged', () => {
    const i1 = sourceImage('i1');
    const props = imagePropertiesOf(i1, source());
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(i1.attributes).reverse()));
    const g1 = glanceImage(i1, source(), {
      properties: { ...props, APPLIANCE_ATTRIBUTES: reordered, image_hash: HASH_A },
    });
    const plan = planImageSync(
      input([trusted(list([i1]))], [g1], { [g1.id]: accepted(g1.id, 'p-a', 'p-b') }),
    );
    expect(kinds(plan.steps)).toEqual(['keep']);
  });

  it('uploads a new version first and retires the old copy only after the upload', () => {
    const old = sourceImage('i1');
    const g1 = glanceImage(old);
    const next = sourceImage('i1', { hash: { algorithm: 'sha512', value: HASH_B }, version: '2' });
    const plan = planImageSync(
      input([trusted(list([next]))], [g1], { [g1.id]: accepted(g1.id, 'p-a', 'p-b') }),
    );
    expect(kinds(plan.steps)).toEqual(['upload', 'retire']);
    const [upload] = stepsOf(plan.steps, 'upload');
    const [retire] = stepsOf(plan.steps, 'retire');
    expect(upload!.reason).toBe('content-changed');
    expect(upload!.properties.image_hash).toBe(`sha512:${HASH_B}`);
    expect(retire).toMatchObject({ glanceImageId: g1.id, dependsOn: [upload!.id] });
  });

  it('patches a metadata-only change without uploading', () => {
    const i1 = sourceImage('i1');
    const g1 = glanceImage(i1);
    const changed = sourceImage('i1', { description: 'New words', os: { ...i1.os, version: '22.04.4' } });
    const plan = planImageSync(
      input([trusted(list([changed]))], [g1], { [g1.id]: accepted(g1.id, 'p-a', 'p-b') }),
    );
    expect(kinds(plan.steps)).toEqual(['patch']);
    expect(stepsOf(plan.steps, 'patch')[0]).toMatchObject({
      glanceImageId: g1.id,
      setProperties: { vmcatcher_event_dc_description: 'New words', os_version: '22.04.4' },
      removeProperties: [],
    });
  });

  it('removes a property the list no longer gives, and only managed ones', () => {
    const i1 = sourceImage('i1');
    const g1 = glanceImage(i1, source(), {
      properties: { ...imagePropertiesOf(i1, source()), hw_disk_bus: 'virtio' },
    });
    const plan = planImageSync(
      input([trusted(list([{ ...i1, description: undefined }]))], [g1], {
        [g1.id]: accepted(g1.id, 'p-a', 'p-b'),
      }),
    );
    expect(stepsOf(plan.steps, 'patch')[0]).toMatchObject({
      setProperties: {},
      removeProperties: ['vmcatcher_event_dc_description'],
    });
  });

  it('prunes an image the trusted list dropped', () => {
    const gone = glanceImage(sourceImage('gone'));
    const plan = planImageSync(input([trusted(list([]))], [gone]));
    expect(plan.steps).toEqual([
      expect.objectContaining({ kind: 'prune', glanceImageId: gone.id, reason: 'no longer in the list' }),
    ]);
  });

  it('prunes an image the list marks expired', () => {
    const i1 = sourceImage('i1', { expiresAt: new Date('2026-04-01T00:00:00Z') });
    const g1 = glanceImage(i1);
    const plan = planImageSync(input([trusted(list([i1]))], [g1]));
    expect(stepsOf(plan.steps, 'prune')[0]!.reason).toBe('expired on 2026-04-01T00:00:00.000Z');
  });

  it.each<[string, SourceFetch]>([
    [
      'untrusted',
      { source: source(), isTrusted: false, list: list([]), problems: ['signer is not the endorser'] },
    ],
    ['unreadable', { source: source(), isTrusted: false, problems: ['GET failed: 503'] }],
    [
      'expired',
      {
        source: source(),
        isTrusted: true,
        list: list([], { expiresAt: new Date('2026-01-01T00:00:00Z') }),
        problems: [],
      },
    ],
    [
      'lower version',
      { source: source(), isTrusted: false, list: list([]), problems: ['hv:version 2.0 is lower than 3.0'] },
    ],
  ])('holds an %s source: keeps its images, no prune or retire, and says why', (_what, fetch) => {
    const g1 = glanceImage(sourceImage('i1'));
    const g2 = glanceImage(sourceImage('i2'));
    const plan = planImageSync(input([fetch], [g1, g2]));
    expect(kinds(plan.steps)).toEqual(['keep', 'keep']);
    expect(plan.sources[0]!.status).toBe('held');
    expect(plan.sources[0]!.reasons.length).toBeGreaterThan(0);
    for (const problem of fetch.problems) expect(plan.sources[0]!.reasons).toContain(problem);
    expect(formatPlan(plan)).toContain('held, nothing is deleted');
  });

  it('holds a source whose VOs name no project of the site', () => {
    const g1 = glanceImage(sourceImage('i1'));
    const plan = planImageSync(input([trusted(list([], { vo: 'vo.elsewhere' }))], [g1]));
    expect(kinds(plan.steps)).toEqual(['keep']);
    expect(plan.sources[0]!.reasons).toEqual([
      'the list is for VO vo.elsewhere, which is not a VO of the site',
    ]);
  });

  it('keeps the images of a disabled source', () => {
    const g1 = glanceImage(sourceImage('i1'));
    const plan = planImageSync(input([trusted(list([]), source({ isEnabled: false }))], [g1]));
    expect(plan.steps).toEqual([expect.objectContaining({ kind: 'keep', reason: 'the source is disabled' })]);
    expect(plan.sources[0]!.status).toBe('disabled');
  });

  it('honours the images: subset, pruning what it leaves out and reporting ids the list lacks', () => {
    const src = source({ images: ['i1', 'missing'] });
    const g2 = glanceImage(sourceImage('i2'), src);
    const plan = planImageSync(input([trusted(list([sourceImage('i1'), sourceImage('i2')]), src)], [g2]));
    expect(kinds(plan.steps)).toEqual(['upload', 'prune']);
    expect(stepsOf(plan.steps, 'upload')[0]!.imageId).toBe('i1');
    expect(stepsOf(plan.steps, 'prune')[0]!.reason).toBe('not in the images: subset of the source');
    expect(plan.sources[0]!.reasons).toEqual(['images: missing is not in the list']);
  });

  it('puts the prefix before the title, and renames an image whose prefix changed', () => {
    const src = source({ prefix: 'EGI ' });
    const i1 = sourceImage('i1');
    const fresh = planImageSync(input([trusted(list([i1]), src)]));
    expect(stepsOf(fresh.steps, 'upload')[0]!.name).toBe('EGI Image i1');
    const g1 = glanceImage(i1, source());
    const renamed = planImageSync(
      input([trusted(list([i1]), src)], [g1], { [g1.id]: accepted(g1.id, 'p-a', 'p-b') }),
    );
    expect(stepsOf(renamed.steps, 'patch')[0]).toMatchObject({ newName: 'EGI Image i1', setProperties: {} });
  });

  it('adds missing members, accepts pending ones and removes stale ones', () => {
    const i1 = sourceImage('i1');
    const g1 = glanceImage(i1);
    const members: ImageMember[] = [
      { imageId: g1.id, memberId: 'p-a', status: 'pending' },
      { imageId: g1.id, memberId: 'p-old', status: 'accepted' },
    ];
    const plan = planImageSync(input([trusted(list([i1]))], [g1], { [g1.id]: members }));
    expect(
      plan.steps.map((s) => [
        s.kind,
        'memberProjectId' in s ? s.memberProjectId : '',
        'action' in s ? s.action : '',
      ]),
    ).toEqual([
      ['share', 'p-a', 'accept'],
      ['share', 'p-b', 'add'],
      ['unshare', 'p-old', ''],
    ]);
  });

  it('shares with the source vos only', () => {
    const src = source({ vos: ['vo.b'] });
    const plan = planImageSync(input([trusted(list([sourceImage('i1')]), src)]));
    expect(stepsOf(plan.steps, 'upload')[0]!.members).toEqual(['p-b']);
  });

  it('makes one copy per project for private visibility, retiring the shared copy after them', () => {
    const i1 = sourceImage('i1');
    const shared = glanceImage(i1);
    const src = source({ vos: ['vo.a', 'vo.b'], visibility: 'private' });
    const plan = planImageSync(input([trusted(list([i1]), src)], [shared]));
    const uploads = stepsOf(plan.steps, 'upload');
    expect(uploads.map((u) => [u.ownerProjectId, u.visibility, u.members])).toEqual([
      ['p-a', 'private', []],
      ['p-b', 'private', []],
    ]);
    expect(stepsOf(plan.steps, 'retire')[0]).toMatchObject({
      glanceImageId: shared.id,
      dependsOn: uploads.map((u) => u.id),
    });
    expect(countSteps(plan).prune).toBe(0);
  });

  it('re-uploads an image whose disk format the site no longer accepts', () => {
    const i1 = sourceImage('i1');
    const g1 = glanceImage(i1);
    const plan = planImageSync(input([trusted(list([i1]))], [g1], {}, { formats: ['raw'] }));
    expect(stepsOf(plan.steps, 'upload')[0]).toMatchObject({
      reason: 'format-not-accepted',
      diskFormat: 'raw',
      isConversionNeeded: true,
    });
    expect(stepsOf(plan.steps, 'retire')[0]!.glanceImageId).toBe(g1.id);
  });

  it('replaces a copy an earlier run left unfinished, and retires duplicates of a current one', () => {
    const i1 = sourceImage('i1');
    const killed = glanceImage(i1, source(), { status: 'killed' });
    const unfinished = planImageSync(input([trusted(list([i1]))], [killed]));
    expect(kinds(unfinished.steps)).toEqual(['upload', 'retire']);
    expect(stepsOf(unfinished.steps, 'upload')[0]!.reason).toBe('not-active');
    const a = glanceImage(i1);
    const b = glanceImage(i1);
    const members = { [a.id]: accepted(a.id, 'p-a', 'p-b'), [b.id]: accepted(b.id, 'p-a', 'p-b') };
    const duplicated = planImageSync(input([trusted(list([i1]))], [a, b], members));
    expect(kinds(duplicated.steps)).toEqual(['keep', 'retire']);
    expect(stepsOf(duplicated.steps, 'retire')[0]).toMatchObject({ glanceImageId: a.id, dependsOn: [] });
  });

  it('keeps and notes images of ours it cannot attribute, and leaves other tools’ images alone', () => {
    const unknownSource = glanceImage(sourceImage('i1'), source({ name: 'removed' }));
    const bare = glanceImage(sourceImage('i2'), source(), { properties: {} });
    const atrope = glanceImage(sourceImage('i3'), source(), { tags: ['atrope'] });
    const plan = planImageSync(input([trusted(list([]))], [unknownSource, bare, atrope]));
    expect(kinds(plan.steps)).toEqual(['keep', 'keep']);
    expect(plan.notes).toHaveLength(3);
    expect(plan.steps.some((s) => 'glanceImageId' in s && s.glanceImageId === atrope.id)).toBe(false);
  });
});

describe('imagePropertiesOf', () => {
  it('writes exactly the upstream property names', () => {
    const image = sourceImage('662b0e71-3e21-5f43-b6a1-cc2f51319fa7');
    expect(imagePropertiesOf(image, { name: 'appdb', project: 'bb02bda767b4490a82b2f62f9347a0f5' })).toEqual({
      appdb_id: '662b0e71-3e21-5f43-b6a1-cc2f51319fa7',
      image_hash: `sha512:${HASH_A}`,
      image_list: 'appdb',
      project: 'bb02bda767b4490a82b2f62f9347a0f5',
      vmcatcher_event_ad_mpuri: 'https://appdb.egi.eu/store/vo/image/662b0e71-3e21-5f43-b6a1-cc2f51319fa7:1/',
      vmcatcher_event_dc_description: 'Description of 662b0e71-3e21-5f43-b6a1-cc2f51319fa7',
      os_distro: 'Ubuntu',
      os_version: '22.04',
      architecture: 'x86_64',
      APPLIANCE_ATTRIBUTES: JSON.stringify({
        'ad:mpuri': 'https://appdb.egi.eu/store/vo/image/662b0e71-3e21-5f43-b6a1-cc2f51319fa7:1/',
        'dc:identifier': '662b0e71-3e21-5f43-b6a1-cc2f51319fa7',
        'hv:version': '1',
      }),
    });
  });

  it('uses the id of an OCI image as marketplace URI when it has no ad:mpuri', () => {
    const image = sourceImage('registry.egi.eu/egi_vm_images/ubuntu:22.04', {
      marketplaceUri: undefined,
      location: { kind: 'oci', scheme: 'docker', reference: 'registry.egi.eu/egi_vm_images/ubuntu:22.04' },
      hash: { algorithm: 'sha256', value: 'c'.repeat(64) },
    });
    const props = imagePropertiesOf(image, { name: 'registry' });
    expect(props.vmcatcher_event_ad_mpuri).toBe('registry.egi.eu/egi_vm_images/ubuntu:22.04');
    expect(props.image_hash).toBe(`sha256:${'c'.repeat(64)}`);
    expect(props.project).toBeUndefined();
  });
});

describe('chooseDiskFormat and parseImageHash', () => {
  it.each([
    ['QCOW2', ['qcow2', 'raw'], 'qcow2', false],
    ['raw', ['qcow2', 'raw'], 'raw', false],
    ['ova', ['qcow2', 'raw'], 'qcow2', true],
    ['ova', ['vmdk'], 'vmdk', true],
    ['standard', ['raw'], 'raw', true],
    [undefined, ['qcow2'], 'qcow2', true],
  ])(
    'uploads hv:format %s for formats %j as %s (conversion %s)',
    (declared, formats, diskFormat, isConversionNeeded) => {
      expect(chooseDiskFormat(declared, formats)).toEqual({ diskFormat, isConversionNeeded });
    },
  );

  it('reads prefixed and bare digests and refuses others', () => {
    expect(parseImageHash(`sha512:${HASH_A.toUpperCase()}`)).toEqual({ algorithm: 'sha512', value: HASH_A });
    expect(parseImageHash('d'.repeat(64))).toEqual({ algorithm: 'sha256', value: 'd'.repeat(64) });
    expect(parseImageHash(`sha256:${HASH_A}`)).toBeUndefined();
    expect(parseImageHash('md5:abc')).toBeUndefined();
    expect(parseImageHash(undefined)).toBeUndefined();
  });
});

describe('formatPlan', () => {
  it('prints a summary, each source with its steps, and notes', () => {
    const old = sourceImage('i1');
    const g1 = glanceImage(old);
    const next = sourceImage('i1', { hash: { algorithm: 'sha512', value: HASH_B } });
    const plan = planImageSync(
      input(
        [
          trusted(list([next])),
          { source: source({ name: 'broken' }), isTrusted: false, problems: ['GET failed: 503'] },
        ],
        [g1],
      ),
    );
    const text = formatPlan(plan);
    expect(text).toContain(
      'image sync plan (tag fedstack): 1 upload, 0 patch, 0 share, 0 unshare, 0 keep, 1 retire, 0 prune',
    );
    expect(text).toContain('source appdb (list list-1 version 3.0): synced');
    expect(text).toContain(
      '  upload   "Image i1" [i1] into p-ops as qcow2, shared: content-changed; then share with p-a, p-b',
    );
    expect(text).toContain(
      `  retire   "Image i1" (${g1.id}) once upload:appdb/i1@p-ops is active: replaced by a new upload`,
    );
    expect(text).toContain('source broken: held, nothing is deleted: GET failed: 503');
  });
});
