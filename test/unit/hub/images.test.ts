// Unit tests of the image catalogue's parts: entry reading, key-order-free comparison, site matching, Basic tokens, signer checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { requestToken } from '../../../src/hub/http/request-token.js';
import {
  canonicalJson,
  checkListSigner,
  createListSigner,
  isSameImage,
  readCatalogueEntry,
} from '../../../src/hub/images/index.js';
import type { ImageResponse } from '../../../src/hub/infosys/index.js';
import { createTestPki, type TestPki } from '../../helpers/openssl-ca.js';

const ENTRY = {
  'dc:title': 'Image',
  'dc:description': 'An image',
  'hv:uri': 'docker://registry.egi.eu/egi_vm_images/ubuntu:22.04',
  'sl:checksum:sha512': 'a'.repeat(128),
  'hv:size': '10',
  'hv:format': 'QCOW2',
  'hv:hypervisor': 'KVM',
  'hv:version': '1',
  'dc:date:expires': '2030-01-01T00:00:00Z',
  'sl:os': 'Linux',
  'sl:osname': 'Ubuntu',
  'sl:osversion': '22.04',
  'sl:arch': 'x86_64',
  'sl:comments': '',
  'ad:mpuri': 'https://appdb.example.org/store/vo/image/x:1/',
  'ad:group': 'General group',
  'ad:user:fullname': 'A B',
  'ad:user:guid': 'guid',
  'ad:user:uri': 'https://appdb.example.org/store/person/a.b',
};

function found(overrides: Partial<ImageResponse>): ImageResponse {
  return {
    egi_id: '',
    id: 'glance-id',
    endpoint: 'https://e',
    mpuri: '',
    name: 'n',
    version: '',
    vo: 'vo',
    ...overrides,
  };
}

function request(headers: Record<string, string>): FastifyRequest {
  return { headers, query: {} } as unknown as FastifyRequest;
}

describe('readCatalogueEntry', () => {
  it('sets the path id and inherits the VO when the body leaves them out', () => {
    const entry = readCatalogueEntry('vo.example.org', 'img-1', ENTRY);
    expect(entry.wire['dc:identifier']).toBe('img-1');
    expect(entry.image.vo).toBe('vo.example.org');
  });

  it('refuses a body naming another VO, by field', () => {
    expect(() => readCatalogueEntry('vo.example.org', 'img-1', { ...ENTRY, 'ad:vo': 'other' })).toThrow(
      /ad:vo: expected the VO of the path/,
    );
  });

  it('refuses an image without a field atrope requires, naming it', () => {
    const { 'ad:group': _group, ...entry } = ENTRY;
    expect(() => readCatalogueEntry('vo', 'img-1', entry)).toThrow(/ad:group/);
  });
});

describe('canonicalJson', () => {
  it('gives the same text for objects that differ only in key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3] } })).toBe(canonicalJson({ a: { c: [3], d: 2 }, b: 1 }));
  });
});

describe('isSameImage', () => {
  const image = readCatalogueEntry('vo', 'img-1', ENTRY).image;

  it('matches a site image by marketplace URI, ignoring a trailing slash', () => {
    expect(isSameImage(image, found({ mpuri: 'https://appdb.example.org/store/vo/image/x:1' }))).toBe(true);
  });

  it('matches a registry.egi.eu image by its repository and tag', () => {
    expect(isSameImage(image, found({ egi_id: 'egi_vm_images/ubuntu:22.04' }))).toBe(true);
    expect(isSameImage(image, found({ egi_id: 'egi_vm_images/ubuntu:24.04' }))).toBe(false);
  });

  it('matches by the AppDB id reported as EGI id', () => {
    expect(isSameImage(image, found({ egi_id: 'img-1' }))).toBe(true);
  });
});

describe('requestToken', () => {
  it('reads AppDB’s Basic form, the token as user name and x-oauth-basic as password', () => {
    const value = Buffer.from('fsh_abc:x-oauth-basic').toString('base64');
    expect(requestToken(request({ authorization: `Basic ${value}` }))).toBe('fsh_abc');
  });

  it('ignores Basic credentials with another password', () => {
    const value = Buffer.from('fsh_abc:hunter2').toString('base64');
    expect(requestToken(request({ authorization: `Basic ${value}` }))).toBeUndefined();
  });
});

describe('checkListSigner', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki.remove());

  it('refuses a key that is not the certificate’s, naming the option and not the key', async () => {
    const hub = pki.issue('hub', '/CN=hub.example.org');
    const signer = createListSigner({ certificatePem: hub.certificate, privateKeyPem: pki.ca.privateKey });
    const error = (await checkListSigner(signer, new Date()).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^--image-list-key: cannot sign image lists/);
    expect(error.message).not.toContain('PRIVATE KEY');
  });
});
