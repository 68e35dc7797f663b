// HEPiX image lists (`hv:imagelist`, with the AppDB `ad:` extensions) to and from the ImageList model.
import { FormatError } from '../../errors.js';
import {
  checkWriteDate,
  checkWriteText,
  IMAGE_LIST_INVALID,
  isWireObject,
  readDate,
  readText,
  show,
  valueError,
  type ValuePlace,
  type WireObject,
} from './hepix-value.js';
import {
  checkJsonValue,
  parseSourceImage,
  serializeSourceImage,
  type ImageListProfile,
} from './source-image.js';
import type { ImageList, ImageListEndorser, SourceImage } from './types.js';

/** Options of {@link parseImageList}. */
export interface ParseImageListOptions {
  /** Name of the list in errors: its URL or file name. */
  readonly source: string;
  /** The time expiry is checked against; without it nothing is checked (`expiry: 'unchecked'`). */
  readonly now?: Date;
}

/** Outcome of {@link parseImageList}. */
export interface ImageListParseResult {
  /** The list, with every image that could be read. */
  readonly list: ImageList;
  /** One error per image that could not be read, naming the list, the image index and the field. */
  readonly problems: readonly FormatError[];
  /** `expired` when the list's `dc:date:expires` lies before `now`: it must not be trusted. */
  readonly expiry: 'current' | 'expired' | 'unchecked';
  /** Ids of the images whose own `dc:date:expires` lies before `now` (subscribers skip them). */
  readonly expiredImageIds: readonly string[];
}

/** Options of {@link serializeImageList}. */
export interface SerializeImageListOptions {
  /**
   * `appdb` (default): refuse a list that any of vmcatcher, cloudkeeper and atrope would refuse;
   * `hepix`: only what vmcatcher requires (no AppDB `ad:` fields).
   */
  readonly profile?: ImageListProfile;
}

const IMAGES_KEY = 'hv:images';
const IMAGE_KEY = 'hv:image';

/** List keys atrope requires (it refuses the list without any of them), plus cloudkeeper's `ad:vo`. */
const APPDB_LIST_KEYS = [
  'dc:date:created',
  'dc:date:expires',
  'hv:endorser',
  'dc:identifier',
  'dc:description',
  'dc:title',
  'dc:source',
  'hv:version',
  'hv:uri',
  'ad:vo',
] as const;

/**
 * Reads a HEPiX image list, version 1 as AppDB publishes it (the JSON payload, after any S/MIME
 * envelope was removed): from its text or from the already parsed JSON value. List-level faults
 * throw, since every subscriber refuses such a list; a faulty image is reported in `problems` and
 * the other images are kept.
 * @example
 * const { list, problems, expiry } = parseImageList(text, { source: url, now: new Date() });
 * @throws FormatError `IMAGE_LIST_INVALID` when the text is not
 *   JSON, has no `hv:imagelist` object, or a list field (`dc:identifier`, `dc:date:expires`,
 *   `hv:images`, the endorser, …) is missing or malformed; the error names the source and field
 */
export function parseImageList(input: unknown, options: ParseImageListOptions): ImageListParseResult {
  const place: ValuePlace = { file: options.source };
  const wire = readListObject(input, place);
  const fields = readListFields(wire, place);
  const entries = wire[IMAGES_KEY];
  if (!Array.isArray(entries))
    throw valueError(place, IMAGES_KEY, 'an array of {"hv:image": {...}}', entries);
  const images: SourceImage[] = [];
  const problems: FormatError[] = [];
  const seen = new Set<string>();
  entries.forEach((entry: unknown, index) => {
    const at: ValuePlace = { file: options.source, recordIndex: index };
    try {
      if (!isWireObject(entry) || !isWireObject(entry[IMAGE_KEY])) {
        throw valueError(at, IMAGE_KEY, 'an object {"hv:image": {...}}', entry);
      }
      const image = parseSourceImage(entry[IMAGE_KEY], at, fields.vo);
      // subscribers key images by dc:identifier: a second image with the same id would replace the first
      if (seen.has(image.id)) throw valueError(at, 'dc:identifier', 'an id no earlier image has', image.id);
      seen.add(image.id);
      images.push(image);
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      problems.push(error);
    }
  });
  const list: ImageList = { ...fields, images };
  return { list, problems, ...expiryOf(list, options.now) };
}

function readListObject(input: unknown, place: ValuePlace): WireObject {
  let document = input;
  if (typeof input === 'string') {
    try {
      document = JSON.parse(input);
    } catch (error) {
      const reason = error instanceof Error ? error.message : undefined;
      throw new FormatError(IMAGE_LIST_INVALID, place, 'a JSON document', reason);
    }
  }
  if (!isWireObject(document) || !isWireObject(document['hv:imagelist'])) {
    throw valueError(place, 'hv:imagelist', 'a JSON object {"hv:imagelist": {...}}', document);
  }
  return document['hv:imagelist'];
}

function readListFields(wire: WireObject, place: ValuePlace): Omit<ImageList, 'images'> {
  const { [IMAGES_KEY]: _images, ...attributes } = wire;
  return {
    id: readText(wire, 'dc:identifier', place, true)!,
    title: readText(wire, 'dc:title', place),
    description: readText(wire, 'dc:description', place),
    source: readText(wire, 'dc:source', place),
    endorser: readEndorser(wire, place),
    createdAt: readDate(wire, 'dc:date:created', place),
    expiresAt: readDate(wire, 'dc:date:expires', place, true)!,
    version: readText(wire, 'hv:version', place),
    uri: readText(wire, 'hv:uri', place),
    vo: readText(wire, 'ad:vo', place),
    attributes,
  };
}

function readEndorser(wire: WireObject, place: ValuePlace): ImageListEndorser | undefined {
  const endorser = wire['hv:endorser'];
  // cloudkeeper does not read the endorser at all, so a list without one is read (not trusted)
  if (endorser === undefined) return undefined;
  const x509 = isWireObject(endorser) ? endorser['hv:x509'] : undefined;
  if (!isWireObject(x509)) throw valueError(place, 'hv:endorser', 'an object {"hv:x509": {...}}', endorser);
  const at = (key: string) => `hv:endorser.hv:x509.${key}`;
  const text = (key: string, isRequired = false) => {
    const value = x509[key];
    if (value === undefined && !isRequired) return undefined;
    return checkReadText(value, place, at(key), isRequired);
  };
  return {
    dn: text('hv:dn', true)!,
    ca: text('hv:ca', true)!,
    creator: text('dc:creator'),
    email: text('hv:email'),
  };
}

function checkReadText(value: unknown, place: ValuePlace, field: string, isRequired: boolean): string {
  if (value === undefined) throw valueError(place, field, 'a value (the field is required)');
  if (typeof value !== 'string') throw valueError(place, field, 'a string', value);
  if (isRequired && value.trim() === '') throw valueError(place, field, 'a non-empty string', value);
  return value;
}

function expiryOf(
  list: ImageList,
  now: Date | undefined,
): Pick<ImageListParseResult, 'expiry' | 'expiredImageIds'> {
  if (now === undefined) return { expiry: 'unchecked', expiredImageIds: [] };
  const nowMs = now.getTime();
  const expiredImageIds = list.images
    .filter((image) => image.expiresAt !== undefined && image.expiresAt.getTime() < nowMs)
    .map((image) => image.id);
  return { expiry: list.expiresAt.getTime() < nowMs ? 'expired' : 'current', expiredImageIds };
}

/**
 * Writes an image list as the JSON a vmcatcher, cloudkeeper or atrope subscriber reads (the
 * payload to sign), three-space indented as AppDB's lists are. List and images keep their
 * `attributes` in order, with the model's fields written over the keys they stand for.
 * @throws FormatError `IMAGE_LIST_INVALID` naming a list field, or `IMAGE_INVALID` naming the
 *   image index and field, that a subscriber would refuse (missing, malformed, or for the default
 *   `appdb` profile an AppDB field atrope or cloudkeeper require)
 */
export function serializeImageList(list: ImageList, options: SerializeImageListOptions = {}): string {
  const profile = options.profile ?? 'appdb';
  const place: ValuePlace = { file: `image list ${show(list.id)}` };
  const known = knownListValues(list, place, profile);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(list.attributes ?? {})) {
    if (key === IMAGES_KEY) continue;
    if (!known.has(key)) out[key] = checkJsonValue(value, place, key);
    else if (known.get(key) !== undefined) out[key] = known.get(key);
  }
  for (const [key, value] of known) if (value !== undefined && !(key in out)) out[key] = value;
  const required = profile === 'appdb' ? APPDB_LIST_KEYS : (['dc:date:created', 'hv:endorser'] as const);
  for (const key of required) {
    if (!(key in out)) throw valueError(place, key, 'a value (subscribers refuse a list without it)');
  }
  if (!Array.isArray(list.images)) throw valueError(place, IMAGES_KEY, 'an array of images');
  const seen = new Set<string>();
  out[IMAGES_KEY] = list.images.map((image, index) => {
    const at = { file: place.file, recordIndex: index };
    if (seen.has(image.id)) throw valueError(at, 'dc:identifier', 'an id no earlier image has', image.id);
    seen.add(image.id);
    return { [IMAGE_KEY]: serializeSourceImage(image, at, list.vo, profile) };
  });
  return `${JSON.stringify({ 'hv:imagelist': out }, null, 3)}\n`;
}

function knownListValues(
  list: ImageList,
  place: ValuePlace,
  profile: ImageListProfile,
): Map<string, unknown> {
  const known = new Map<string, unknown>();
  const text = (value: unknown, key: string) =>
    value === undefined ? undefined : checkWriteText(value, place, key);
  known.set('dc:identifier', checkWriteText(list.id, place, 'dc:identifier', true));
  known.set('dc:title', text(list.title, 'dc:title'));
  known.set('dc:description', text(list.description, 'dc:description'));
  known.set('dc:source', text(list.source, 'dc:source'));
  known.set('hv:endorser', list.endorser === undefined ? undefined : writeEndorser(list, place, profile));
  known.set(
    'dc:date:created',
    list.createdAt === undefined ? undefined : checkWriteDate(list.createdAt, place, 'dc:date:created'),
  );
  if (list.expiresAt === undefined)
    throw valueError(place, 'dc:date:expires', 'a value (the field is required)');
  known.set('dc:date:expires', checkWriteDate(list.expiresAt, place, 'dc:date:expires'));
  known.set('hv:version', text(list.version, 'hv:version'));
  known.set('hv:uri', text(list.uri, 'hv:uri'));
  known.set('ad:vo', list.vo === undefined ? undefined : checkWriteText(list.vo, place, 'ad:vo', true));
  return known;
}

function writeEndorser(
  list: ImageList,
  place: ValuePlace,
  profile: ImageListProfile,
): Record<string, unknown> {
  const endorser = list.endorser!;
  const at = (key: string) => `hv:endorser.hv:x509.${key}`;
  const previous = list.attributes?.['hv:endorser'];
  const previousX509 = isWireObject(previous) && isWireObject(previous['hv:x509']) ? previous['hv:x509'] : {};
  const x509: Record<string, unknown> = { ...previousX509 };
  const set = (key: string, value: string | undefined, isRequired: boolean) => {
    if (value === undefined && !isRequired) delete x509[key];
    else x509[key] = checkWriteText(value, place, at(key), isRequired);
  };
  // atrope requires all four endorser fields; vmcatcher only the DN and CA it checks the signer by
  const isAppdb = profile === 'appdb';
  set('dc:creator', endorser.creator, isAppdb);
  set('hv:ca', endorser.ca, true);
  set('hv:dn', endorser.dn, true);
  set('hv:email', endorser.email, isAppdb);
  for (const [key, value] of Object.entries(x509)) checkJsonValue(value, place, at(key));
  return { 'hv:x509': x509 };
}
