// Property tests of the image list codec: generated valid lists round-trip, and no input makes the
// reader throw anything but the list-level format error.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/errors.js';
import {
  IMAGE_INVALID,
  IMAGE_LIST_INVALID,
  parseImageList,
  serializeImageList,
} from '../../../../src/formats/imagelist/index.js';
import { fc } from '../../../helpers/fuzz.js';
import { mutationOf, randomTextOf, readOrFormatError } from '../../../helpers/fuzz-inputs.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/imagelist');
const SAMPLE = readFileSync(path.join(FIXTURES, 'cloudkeeper-imagelist01.unsigned.json'), 'utf8');
const NOW = new Date('2024-06-01T00:00:00Z');

const hex128 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 128, maxLength: 128 });
const isoDate = fc
  .integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2500, 0, 1) / 1000 })
  .map((s) => `${new Date(s * 1000).toISOString().slice(0, 19)}Z`);
const count = fc.nat({ max: 2 ** 40 }).map(String);
const text = fc.string({ maxLength: 30 });
const uri = fc.oneof(
  fc.uuid().map((id) => `https://appdb.example.org/images/${id}.ova`),
  fc
    .tuple(
      fc.constantFrom('docker', 'oci'),
      fc.stringMatching(/^[a-z0-9]{1,8}$/),
      fc.stringMatching(/^[0-9.]{1,6}$/),
    )
    .map(([scheme, repo, tag]) => `${scheme}://registry.egi.eu/egi_vm_images/${repo}:v${tag}`),
);

const image = fc.record(
  {
    'dc:identifier': fc.uuid(),
    'dc:title': text,
    'dc:description': text,
    'hv:uri': uri,
    'sl:checksum:sha512': hex128,
    'hv:size': count,
    'hv:format': fc.constantFrom('OVA', 'QCOW2', 'qcow2', 'raw', 'VMDK', 'standard'),
    'hv:hypervisor': fc.constantFrom('KVM', 'Xen'),
    'hv:version': text,
    'hv:ram_minimum': count,
    'hv:core_minimum': count,
    'ad:ram_recommended': count,
    'ad:core_recommended': count,
    'dc:date:expires': isoDate,
    'sl:os': text,
    'sl:osname': text,
    'sl:osversion': text,
    'sl:arch': fc.constantFrom('x86_64', 'aarch64'),
    'sl:comments': text,
    'ad:mpuri': fc.uuid().map((id) => `https://appdb.example.org/store/vo/image/${id}:1/`),
    'ad:base_mpuri': fc.uuid().map((id) => `https://appdb.example.org/store/vm/image/${id}:1:2/`),
    'ad:appid': count,
    'ad:group': text,
    'ad:user:fullname': text,
    'ad:user:guid': fc.uuid(),
    'ad:user:uri': text,
    'ad:vo': fc.constantFrom('other.vo', 'some.vo'),
    'x:extra': fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['dc:identifier', 'hv:uri', 'sl:checksum:sha512', 'dc:date:expires'] },
);

const wireList = fc
  .record({
    id: fc.uuid(),
    images: fc.uniqueArray(image, { maxLength: 4, selector: (i) => i['dc:identifier'] }),
    created: isoDate,
    expires: isoDate,
    title: text,
    vo: fc.constantFrom('some.vo', 'another.vo'),
  })
  .map((l) => ({
    'hv:imagelist': {
      'dc:identifier': l.id,
      'dc:date:created': l.created,
      'dc:date:expires': l.expires,
      'dc:title': l.title,
      'dc:description': '',
      'dc:source': 'https://appdb.egi.eu/',
      'hv:version': '1.2.3',
      'hv:uri': 'https://vmcaster.appdb.egi.eu/store/vo/some.vo/image.list',
      'ad:vo': l.vo,
      'hv:endorser': {
        'hv:x509': {
          'dc:creator': 'Applications Database',
          'hv:ca': '/DC=ORG/DC=SEE-GRID/CN=SEE-GRID CA 2013',
          'hv:dn': '/DC=EU/DC=EGI/C=NL/O=Hosts/O=EGI.eu/CN=appdb.egi.eu',
          'hv:email': 'appdb@example.org',
        },
      },
      'hv:images': l.images.map((i) => ({ 'hv:image': i })),
    },
  }));

function parse(input: unknown) {
  return parseImageList(input, { source: 'generated', now: NOW });
}

describe('image list properties', () => {
  it('reads every generated valid list without problems and round-trips it to an equal model', () => {
    fc.assert(
      fc.property(wireList, (wire) => {
        const first = parse(wire);
        expect(first.problems).toEqual([]);
        const text = serializeImageList(first.list, { profile: 'hepix' });
        expect(parse(text).list).toEqual(first.list);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(wire)));
      }),
    );
  });

  it('never throws anything but the list-level format error on mutated or random text', () => {
    fc.assert(
      fc.property(fc.oneof(mutationOf([SAMPLE]), randomTextOf([SAMPLE])), (input) => {
        const result = readOrFormatError(() => parse(input), IMAGE_LIST_INVALID);
        if (!result) return;
        for (const problem of result.problems) {
          expect(problem).toBeInstanceOf(FormatError);
          expect(problem.code).toBe(IMAGE_INVALID);
        }
        // what was read is either written or refused with a format error, never a crash
        try {
          serializeImageList(result.list, { profile: 'hepix' });
        } catch (error) {
          expect(error).toBeInstanceOf(FormatError);
        }
      }),
    );
  });

  it('never throws anything but the format error on mutated JSON values', () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    const mutated = wireList.chain((wire) =>
      fc
        .tuple(fc.nat({ max: 3 }), fc.constantFrom(...Object.keys(wire['hv:imagelist'])), value)
        .map(([imageIndex, key, replacement]) => {
          const copy = JSON.parse(JSON.stringify(wire)) as typeof wire;
          const target = copy['hv:imagelist']['hv:images'][imageIndex]?.['hv:image'] as
            Record<string, unknown> | undefined;
          if (target) target[Object.keys(target)[imageIndex % Object.keys(target).length]!] = replacement;
          else (copy['hv:imagelist'] as Record<string, unknown>)[key] = replacement;
          return copy;
        }),
    );
    fc.assert(
      fc.property(mutated, (input) => {
        const result = readOrFormatError(() => parse(input), IMAGE_LIST_INVALID);
        for (const problem of result?.problems ?? []) expect(problem.code).toBe(IMAGE_INVALID);
      }),
    );
  });
});
