// HEPiX image lists for the image sync tests: the JSON of a list, and that list signed by a test CA.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { signSmime } from '../../src/formats/smime/index.js';
import type { TestCredentials } from './openssl-ca.js';

/** One image of a test list; the checksum is the body's unless given. */
export interface ListedImage {
  readonly id: string;
  readonly title: string;
  readonly body: Buffer;
  /** `hv:uri`: where the image file is served. */
  readonly uri: string;
  readonly description?: string;
  readonly osVersion?: string;
  /** `sl:checksum:sha512` instead of the body's digest (a list that lies about its image). */
  readonly sha512?: string;
}

/** The list's own fields. */
export interface TestListOptions {
  readonly id: string;
  readonly version: string;
  /** `hv:uri` of the list. */
  readonly uri: string;
  readonly endorser: { readonly dn: string; readonly ca: string };
  readonly images: readonly ListedImage[];
  /** `dc:date:expires`; default far in the future. */
  readonly expires?: string;
}

/**
 * The cloudkeeper sample entry (every field atrope and cloudkeeper require), without its id (a
 * catalogue path names it), for PUTs to the hub's image catalogue.
 */
export function sampleCatalogueEntry(): Record<string, unknown> {
  const file = path.resolve(import.meta.dirname, '../fixtures/imagelist/cloudkeeper-image-entry01.json');
  const { 'dc:identifier': _id, ...image } = (
    JSON.parse(readFileSync(file, 'utf8')) as { 'hv:image': Record<string, unknown> }
  )['hv:image'];
  return image;
}

/** `sha512` hex of a buffer. */
export function sha512Of(body: Buffer): string {
  return createHash('sha512').update(body).digest('hex');
}

/** The HEPiX JSON of a list of raw x86_64 images, with AppDB marketplace URIs. */
export function hepixListJson(options: TestListOptions): string {
  return JSON.stringify({
    'hv:imagelist': {
      'dc:date:created': '2026-01-01T00:00:00Z',
      'dc:date:expires': options.expires ?? '2499-12-31T22:00:00Z',
      'dc:description': 'A list of the image sync tests',
      'dc:identifier': options.id,
      'dc:source': 'https://appdb.example.org/',
      'dc:title': 'Image sync test list',
      'hv:endorser': {
        'hv:x509': { 'dc:creator': 'Test', 'hv:ca': options.endorser.ca, 'hv:dn': options.endorser.dn },
      },
      'hv:uri': options.uri,
      'hv:version': options.version,
      'hv:images': options.images.map((image) => ({
        'hv:image': {
          'dc:identifier': image.id,
          'dc:title': image.title,
          'dc:description': image.description ?? `${image.title} for the test`,
          'ad:mpuri': `https://appdb.example.org/store/vm/image/${image.id}:1/`,
          'hv:format': 'raw',
          'hv:size': String(image.body.length),
          'hv:uri': image.uri,
          'hv:version': '1',
          'sl:arch': 'x86_64',
          'sl:checksum:sha512': image.sha512 ?? sha512Of(image.body),
          'sl:os': 'Linux',
          'sl:osname': 'TestOS',
          'sl:osversion': image.osVersion ?? '1.0',
        },
      })),
    },
  });
}

/** The list signed as AppDB serves it (`multipart/signed`, detached). */
export function signedTestList(options: TestListOptions, signer: TestCredentials): Promise<string> {
  return signSmime(hepixListJson(options), {
    certificate: signer.certificate,
    privateKey: signer.privateKey,
  });
}
