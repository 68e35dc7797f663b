// Unit tests of the HEPiX image list codec: the cloudkeeper samples, round trip, leniencies, errors, expiry.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import {
  parseImageList,
  serializeImageList,
  type ImageList,
} from '../../../../src/formats/imagelist/index.js';
import { thrownBy } from '../../../helpers/expect-rejection.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/imagelist');
const LIST_TEXT = readFileSync(path.join(FIXTURES, 'cloudkeeper-imagelist01.unsigned.json'), 'utf8');
const ENTRY = JSON.parse(readFileSync(path.join(FIXTURES, 'cloudkeeper-image-entry01.json'), 'utf8')) as {
  'hv:image': Record<string, unknown>;
};
const SOURCE = 'imagelist01.json';
const NOW = new Date('2024-06-01T00:00:00Z');

type Wire = {
  'hv:imagelist': Record<string, unknown> & { 'hv:images': { 'hv:image': Record<string, unknown> }[] };
};

function wireList(): Wire {
  return JSON.parse(LIST_TEXT) as Wire;
}

/** The sample list with its first image's fields changed (a value `undefined` removes the key). */
function withImage(changes: Record<string, unknown>, index = 0): Wire {
  const wire = wireList();
  const image = wire['hv:imagelist']['hv:images'][index]!['hv:image'];
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete image[key];
    else image[key] = value;
  }
  return wire;
}

function withList(changes: Record<string, unknown>): Wire {
  const wire = wireList();
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete wire['hv:imagelist'][key];
    else wire['hv:imagelist'][key] = value;
  }
  return wire;
}

function parse(input: unknown) {
  return parseImageList(input, { source: SOURCE, now: NOW });
}

describe('parseImageList on the cloudkeeper samples', () => {
  const { list, problems, expiry } = parse(LIST_TEXT);

  it('reads the list-level fields and the endorser DN and CA', () => {
    expect(problems).toEqual([]);
    expect(expiry).toBe('current');
    expect(list.id).toBe('76fdee70-8119-5d33-aaaa-3c57e1c60df1');
    expect(list.title).toBe('Dummy image list number 1.');
    expect(list.vo).toBe('some1.vo.net');
    expect(list.version).toBe('20150618211400');
    expect(list.uri).toBe('https://appdb.somewhere.net/store/vo/some1.vo.net/image.list');
    expect(list.createdAt).toEqual(new Date('2015-06-18T21:14:00Z'));
    expect(list.expiresAt).toEqual(new Date('2499-12-31T22:00:00Z'));
    expect(list.endorser).toEqual({
      dn: '/DC=XXX/DC=YYY/C=ZZZ/O=Hosts/O=AA.net/CN=some.unknown.source',
      ca: '/DC=XXX/DC=YYY/CN=SOME TEST CA',
      creator: 'Applications Database',
      email: 'dontwriteme@please.net',
    });
  });

  it('reads both images with ids, hashes, sizes, formats and OS', () => {
    expect(list.images.map((i) => i.id)).toEqual([
      'c0482bc2-bf41-5d49-aaaa-a750174a186b',
      '662b0e71-3e21-bbbb-b6a1-cc2f51319fa7',
    ]);
    const [cernvm, centos] = list.images;
    expect(cernvm!.hash).toEqual({
      algorithm: 'sha512',
      value:
        '5c548a09467df6ff6ee77659a8cfe15115ef366b94baa30c47e079b711119652a17c8f947ab437e70c799480b4b5dc3d68a3b22581b3318db35dd3364e83dab0',
    });
    expect(cernvm!.sizeBytes).toBe(121243136);
    expect(centos!.sizeBytes).toBe(581816320);
    expect(cernvm!.format).toBe('ova');
    expect(cernvm!.minRamMb).toBe(512);
    expect(cernvm!.minCores).toBe(1);
    expect(cernvm!.recommendedCores).toBe(4);
    expect(centos!.minRamMb).toBeUndefined();
    expect(cernvm!.os).toEqual({
      family: 'Linux',
      distro: 'Scientific Linux',
      version: '6.0',
      arch: 'x86_64',
    });
    expect(cernvm!.location).toEqual({
      kind: 'url',
      url: 'https://appdb.somewhere.net/images/base/CERNVM/3.3.0/CERNVM-3.3.0-40GB.ova',
    });
    expect(cernvm!.marketplaceUri).toBe(
      'https://appdb.somewhere.net/store/vo/image/c0482bc2-bf41-5d49-aaaa-a750174a186b:484/',
    );
    expect(cernvm!.vo).toBe('some1.vo.net');
    expect(cernvm!.attributes['ad:user:fullname']).toBe('Bruce Wayne');
    expect(cernvm!.attributes['hv:size']).toBe('121243136');
  });

  it('reads ad:base_mpuri and ad:appid of the single image entry', () => {
    const wire = wireList();
    wire['hv:imagelist']['hv:images'] = [ENTRY];
    const image = parse(wire).list.images[0]!;
    expect(image.baseMarketplaceUri).toBe(
      'https://appdb.somewhere.net/store/vm/image/2a5451eb-91f3-aaaa-95a7-9cff7362d553:6450:1469784811/',
    );
    expect(image.appdbAppId).toBe('993');
    expect(image.expiresAt).toEqual(new Date('2016-10-25T15:57:45Z'));
  });

  it('round-trips the sample list to an equal model and the same JSON value', () => {
    const text = serializeImageList(list);
    expect(parse(text).list).toEqual(list);
    expect(JSON.parse(text)).toEqual(JSON.parse(LIST_TEXT));
  });

  it('round-trips the single image entry with its AppDB extensions', () => {
    const wire = wireList();
    wire['hv:imagelist']['hv:images'] = [ENTRY];
    const once = parse(wire).list;
    expect(parse(serializeImageList(once)).list).toEqual(once);
  });

  it('writes the model fields over the attributes they stand for', () => {
    const changed: ImageList = {
      ...list,
      images: [{ ...list.images[0]!, title: 'New title', sizeBytes: 7 }],
    };
    const image = (JSON.parse(serializeImageList(changed)) as Wire)['hv:imagelist']['hv:images'][0]![
      'hv:image'
    ];
    expect(image['dc:title']).toBe('New title');
    expect(image['hv:size']).toBe('7');
  });
});

describe('parseImageList leniencies', () => {
  it('reads counts given as JSON numbers (AppDB writes them as strings)', () => {
    const image = parse(withImage({ 'hv:size': 121243136, 'hv:ram_minimum': 512 })).list.images[0]!;
    expect(image.sizeBytes).toBe(121243136);
    expect(image.minRamMb).toBe(512);
  });

  it('reads a count with surrounding blanks as int() does', () => {
    expect(parse(withImage({ 'hv:size': ' 42 ' })).list.images[0]!.sizeBytes).toBe(42);
  });

  it('reads an empty count as not given, like the empty text AppDB leaves', () => {
    expect(parse(withImage({ 'hv:ram_minimum': '' })).list.images[0]!.minRamMb).toBeUndefined();
  });

  it('reads a version given as a JSON number as its text', () => {
    expect(parse(withImage({ 'hv:version': 20141029 })).list.images[0]!.version).toBe('20141029');
  });

  it('lower-cases and trims the free-text hv:format, and keeps the spelling on write', () => {
    const { list } = parse(withImage({ 'hv:format': ' QCOW2' }));
    expect(list.images[0]!.format).toBe('qcow2');
    const written = JSON.parse(serializeImageList(list)) as Wire;
    expect(written['hv:imagelist']['hv:images'][0]!['hv:image']['hv:format']).toBe(' QCOW2');
  });

  it('reads an empty hv:format as not given', () => {
    expect(parse(withImage({ 'hv:format': '' })).list.images[0]!.format).toBeUndefined();
  });

  it('lower-cases an upper-case sha512 digest', () => {
    const value = 'AB'.repeat(64);
    expect(parse(withImage({ 'sl:checksum:sha512': value })).list.images[0]!.hash.value).toBe(
      'ab'.repeat(64),
    );
  });

  it('reads dates with a fraction, a zone offset or no zone, as dateutil does for atrope', () => {
    const { list } = parse(withImage({ 'dc:date:expires': '2030-01-01T01:00:00.5+01:00' }));
    expect(list.images[0]!.expiresAt).toEqual(new Date('2030-01-01T00:00:00.500Z'));
    expect(parse(withList({ 'dc:date:created': '2015-06-18T21:14:00' })).list.createdAt).toEqual(
      new Date('2015-06-18T21:14:00Z'),
    );
  });

  it('reads an image without any AppDB field (a pure HEPiX image), which atrope would refuse', () => {
    const image = parse({
      'hv:imagelist': {
        'dc:identifier': 'list-1',
        'dc:date:expires': '2499-12-31T22:00:00Z',
        'hv:images': [
          {
            'hv:image': {
              'dc:identifier': 'img-1',
              'hv:uri': 'https://x.example/a.img',
              'sl:checksum:sha512': 'a'.repeat(128),
            },
          },
        ],
      },
    });
    expect(image.problems).toEqual([]);
    expect(image.list.images[0]!.os).toEqual({});
    expect(image.list.endorser).toBeUndefined();
  });

  it('keeps unknown keys of images and of the list in attributes, and writes them back', () => {
    const wire = withImage({ 'x:custom': { nested: [1, 2] } });
    wire['hv:imagelist']['ad:num_of_images'] = '2';
    const { list } = parse(wire);
    expect(list.images[0]!.attributes['x:custom']).toEqual({ nested: [1, 2] });
    expect(list.attributes['ad:num_of_images']).toBe('2');
    expect(parse(serializeImageList(list)).list).toEqual(list);
  });

  it('takes a docker:// URI as an OCI reference', () => {
    const uri = 'docker://registry.egi.eu/egi_vm_images/ubuntu:22.04';
    const { list } = parse(withImage({ 'hv:uri': uri }));
    expect(list.images[0]!.location).toEqual({
      kind: 'oci',
      scheme: 'docker',
      reference: 'registry.egi.eu/egi_vm_images/ubuntu:22.04',
    });
    expect(parse(serializeImageList(list)).list).toEqual(list);
  });

  it('lets an image carry its own ad:vo over the list one', () => {
    const { list } = parse(withImage({ 'ad:vo': 'other.vo' }));
    expect(list.images.map((i) => i.vo)).toEqual(['other.vo', 'some1.vo.net']);
    expect(parse(serializeImageList(list)).list).toEqual(list);
  });
});

describe('parseImageList errors', () => {
  it.each([
    ['dc:identifier', { 'dc:identifier': undefined }, 'a value (the field is required)'],
    ['hv:uri', { 'hv:uri': undefined }, 'a value (the field is required)'],
    ['hv:uri', { 'hv:uri': 'not a uri' }, 'an http(s), ftp or file URL, or a docker:// or oci:// reference'],
    ['sl:checksum:sha512', { 'sl:checksum:sha512': 'abc' }, 'a sha512 digest of 128 hex digits'],
    ['sl:checksum:sha512', { 'sl:checksum:sha512': undefined }, 'a value (the field is required)'],
    ['hv:size', { 'hv:size': '12 MB' }, 'a non-negative integer (or its decimal text)'],
    ['hv:size', { 'hv:size': -1 }, 'a non-negative integer (or its decimal text)'],
    [
      'dc:date:expires',
      { 'dc:date:expires': 'tomorrow' },
      'an ISO 8601 date-time such as 2015-06-18T21:14:00Z',
    ],
    ['dc:title', { 'dc:title': ['x'] }, 'a string'],
  ])(
    'reports a bad %s naming the list, the image index and the field, and keeps the other image',
    (field, changes, expected) => {
      const { list, problems } = parse(withImage(changes, 1));
      expect(list.images.map((i) => i.id)).toEqual(['c0482bc2-bf41-5d49-aaaa-a750174a186b']);
      expect(problems).toHaveLength(1);
      const [problem] = problems;
      expect(problem!.code).toBe('IMAGE_INVALID');
      expect(problem!.file).toBe(SOURCE);
      expect(problem!.recordIndex).toBe(1);
      expect(problem!.field).toBe(field);
      expect(problem!.expected).toBe(expected);
      expect(problem!.message).toContain(`${SOURCE}, record 1, field ${field}: expected`);
    },
  );

  it('reports an entry that is not {"hv:image": {...}}', () => {
    const wire = wireList();
    (wire['hv:imagelist']['hv:images'] as unknown[]).push('junk');
    const { problems, list } = parse(wire);
    expect(list.images).toHaveLength(2);
    expect(problems.map((p) => [p.recordIndex, p.field])).toEqual([[2, 'hv:image']]);
  });

  it('reports a second image with the same id', () => {
    const { problems, list } = parse(
      withImage({ 'dc:identifier': 'c0482bc2-bf41-5d49-aaaa-a750174a186b' }, 1),
    );
    expect(list.images).toHaveLength(1);
    expect(problems.map((p) => [p.recordIndex, p.field])).toEqual([[1, 'dc:identifier']]);
  });

  it.each([
    ['dc:identifier', withList({ 'dc:identifier': undefined })],
    ['dc:date:expires', withList({ 'dc:date:expires': undefined })],
    ['dc:date:expires', withList({ 'dc:date:expires': 'never' })],
    ['hv:images', withList({ 'hv:images': {} })],
    ['hv:endorser', withList({ 'hv:endorser': { 'hv:dn': '/CN=x' } })],
    ['hv:endorser.hv:x509.hv:dn', withList({ 'hv:endorser': { 'hv:x509': { 'hv:ca': '/CN=ca' } } })],
    ['hv:imagelist', { images: [] }],
  ])('throws on a list-level fault in %s, naming the list and the field', (field, input) => {
    const error = thrownBy(() => parse(input), FormatError);
    expect(error.code).toBe('IMAGE_LIST_INVALID');
    expect(error.file).toBe(SOURCE);
    expect(error.recordIndex).toBeUndefined();
    expect(error.field).toBe(field);
  });

  it('throws on text that is not JSON, naming the source', () => {
    const error = thrownBy(() => parse('{"hv:imagelist": '), FormatError);
    expect(error.message).toMatch(/^imagelist01\.json: expected a JSON document/);
  });
});

describe('parseImageList expiry', () => {
  it('flags a list whose dc:date:expires lies before now', () => {
    const wire = withList({ 'dc:date:expires': '2024-05-31T23:59:59Z' });
    expect(parseImageList(wire, { source: SOURCE, now: NOW }).expiry).toBe('expired');
    expect(parseImageList(wire, { source: SOURCE, now: new Date('2024-05-31T23:59:58Z') }).expiry).toBe(
      'current',
    );
  });

  it('names the images whose own expiry has passed', () => {
    const wire = withImage({ 'dc:date:expires': '2016-10-25T15:57:45Z' });
    expect(parse(wire).expiredImageIds).toEqual(['c0482bc2-bf41-5d49-aaaa-a750174a186b']);
  });

  it('says the expiry was not checked when no now is given', () => {
    const result = parseImageList(LIST_TEXT, { source: SOURCE });
    expect(result.expiry).toBe('unchecked');
    expect(result.expiredImageIds).toEqual([]);
  });
});

describe('serializeImageList refuses what a subscriber refuses', () => {
  const { list } = parse(LIST_TEXT);
  const image = list.images[0]!;

  it.each([
    ['dc:identifier', { id: '' }],
    ['sl:checksum:sha512', { hash: { algorithm: 'sha256' as const, value: 'a'.repeat(64) } }],
    ['sl:checksum:sha512', { hash: { algorithm: 'sha512' as const, value: 'A'.repeat(128) } }],
    ['hv:uri', { location: { kind: 'url' as const, url: 'ftp://x.example/a.img' } }],
    ['hv:size', { sizeBytes: 1.5 }],
    ['hv:format', { format: 'QCOW2' }],
    ['dc:date:expires', { expiresAt: new Date('2030-01-01T00:00:00.250Z') }],
    ['ad:mpuri', { marketplaceUri: undefined }],
  ])('an image with a bad %s, naming the image index and the field', (field, changes) => {
    const bad: ImageList = { ...list, images: [list.images[1]!, { ...image, ...changes }] };
    const error = thrownBy(() => serializeImageList(bad), FormatError);
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.recordIndex).toBe(1);
    expect(error.field).toBe(field);
  });

  it('a list without ad:vo for the appdb profile, but not for the hepix one', () => {
    const { vo: _vo, ...rest } = list;
    const noVo: ImageList = { ...rest, attributes: { ...list.attributes, 'ad:vo': undefined } };
    expect(thrownBy(() => serializeImageList(noVo), FormatError).field).toBe('ad:vo');
    expect(() => serializeImageList(noVo, { profile: 'hepix' })).not.toThrow();
  });

  it('an endorser without an email for the appdb profile', () => {
    const bad: ImageList = { ...list, endorser: { ...list.endorser!, email: undefined } };
    expect(thrownBy(() => serializeImageList(bad), FormatError).field).toBe('hv:endorser.hv:x509.hv:email');
  });

  it('two images with the same id', () => {
    const bad: ImageList = { ...list, images: [image, image] };
    expect(thrownBy(() => serializeImageList(bad), FormatError).recordIndex).toBe(1);
  });

  it('an attribute that is not plain JSON', () => {
    const bad: ImageList = {
      ...list,
      images: [{ ...image, attributes: { ...image.attributes, when: new Date() } }],
    };
    expect(thrownBy(() => serializeImageList(bad), FormatError).field).toBe('when');
  });
});
