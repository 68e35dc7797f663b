// One `hv:image` of a HEPiX image list to and from the SourceImage model.
import {
  checkWriteCount,
  checkWriteDate,
  checkWriteText,
  readCount,
  readDate,
  readText,
  valueError,
  type ValuePlace,
  type WireObject,
} from './hepix-value.js';
import { formatImageLocation, parseImageLocation } from './image-location.js';
import type { SourceImage } from './types.js';

/** Which subscribers a written list must satisfy: all of vmcatcher, cloudkeeper and atrope, or vmcatcher. */
export type ImageListProfile = 'appdb' | 'hepix';

const SHA512_KEY = 'sl:checksum:sha512';

// Text fields of the model and their wire keys.
const TEXT_FIELDS = [
  ['title', 'dc:title'],
  ['description', 'dc:description'],
  ['hypervisor', 'hv:hypervisor'],
  ['version', 'hv:version'],
  ['marketplaceUri', 'ad:mpuri'],
  ['baseMarketplaceUri', 'ad:base_mpuri'],
  ['appdbAppId', 'ad:appid'],
] as const;

const OS_FIELDS = [
  ['family', 'sl:os'],
  ['distro', 'sl:osname'],
  ['version', 'sl:osversion'],
  ['arch', 'sl:arch'],
] as const;

const COUNT_FIELDS = [
  ['sizeBytes', 'hv:size'],
  ['minRamMb', 'hv:ram_minimum'],
  ['minCores', 'hv:core_minimum'],
  ['recommendedRamMb', 'ad:ram_recommended'],
  ['recommendedCores', 'ad:core_recommended'],
] as const;

/**
 * Keys atrope requires on every image (it refuses the whole list without them) plus cloudkeeper's
 * per-image expiry; the `appdb` profile of the writer insists on them.
 */
export const APPDB_IMAGE_KEYS = [
  'ad:group',
  'ad:mpuri',
  'ad:user:fullname',
  'ad:user:guid',
  'ad:user:uri',
  'dc:date:expires',
  'dc:description',
  'dc:identifier',
  'dc:title',
  'hv:format',
  'hv:hypervisor',
  'hv:size',
  'hv:uri',
  'hv:version',
  'sl:arch',
  'sl:checksum:sha512',
  'sl:comments',
  'sl:os',
  'sl:osname',
  'sl:osversion',
] as const;

/**
 * Reads one `hv:image` object. Only `dc:identifier`, `hv:uri` and `sl:checksum:sha512` are
 * required: cloudkeeper's per-image minimum. atrope refuses a whole list whose images lack any
 * AppDB field; we read pure HEPiX lists too, and keep every other field optional.
 * @param listVo the list's `ad:vo`, inherited by an image without its own
 * @throws FormatError `IMAGE_INVALID` naming `place` and the first bad field
 */
export function parseSourceImage(wire: WireObject, place: ValuePlace, listVo?: string): SourceImage {
  const id = readText(wire, 'dc:identifier', place, true)!;
  const uri = readText(wire, 'hv:uri', place, true)!;
  const location = parseImageLocation(uri.trim());
  if (!location) {
    throw valueError(place, 'hv:uri', 'an http(s), ftp or file URL, or a docker:// or oci:// reference', uri);
  }
  const image: Record<string, unknown> = { id, location, hash: readSha512(wire, place) };
  for (const [key, wireKey] of TEXT_FIELDS) image[key] = readText(wire, wireKey, place);
  for (const [key, wireKey] of COUNT_FIELDS) image[key] = readCount(wire, wireKey, place);
  const os: Record<string, string | undefined> = {};
  for (const [key, wireKey] of OS_FIELDS) os[key] = readText(wire, wireKey, place);
  image.os = os;
  image.format = readFormat(wire, place);
  image.expiresAt = readDate(wire, 'dc:date:expires', place);
  image.vo = readText(wire, 'ad:vo', place) ?? listVo;
  image.attributes = { ...wire };
  return image as unknown as SourceImage;
}

function readSha512(wire: WireObject, place: ValuePlace): SourceImage['hash'] {
  const text = readText(wire, SHA512_KEY, place, true)!.trim();
  // Hex digits are case-free; upstream compares with Python's lower-case hexdigest(), so an
  // upper-case digest is read and lower-cased rather than left to fail verification later.
  if (!/^[0-9a-fA-F]{128}$/.test(text)) {
    throw valueError(place, SHA512_KEY, 'a sha512 digest of 128 hex digits', wire[SHA512_KEY]);
  }
  return { algorithm: 'sha512', value: text.toLowerCase() };
}

function readFormat(wire: WireObject, place: ValuePlace): string | undefined {
  // hv:format is free text ("OVA", "QCOW2", "qcow2", "standard"; atrope: "the image spec is
  // broken"), so it is kept as given but trimmed and lower-cased, and "" means not given.
  const text = readText(wire, 'hv:format', place)?.trim().toLowerCase();
  return text === '' ? undefined : text;
}

/**
 * Writes one image as an `hv:image` object: its `attributes` in their order, with the model's
 * fields written over the keys they stand for (a field left `undefined` removes its key), then the
 * model's fields the attributes lack. Counts are written as decimal text, as AppDB does.
 * @param listVo the list's `ad:vo`: an image of that VO gets no `ad:vo` of its own unless its
 *   attributes had one
 * @throws FormatError `IMAGE_INVALID` naming `place` and the field a subscriber would refuse
 */
export function serializeSourceImage(
  image: SourceImage,
  place: ValuePlace,
  listVo: string | undefined,
  profile: ImageListProfile,
): Record<string, unknown> {
  const known = knownValues(image, place, listVo);
  const out: Record<string, unknown> = {};
  const attributes = image.attributes ?? {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!known.has(key)) out[key] = checkJsonValue(value, place, key);
    else if (known.get(key) !== undefined) out[key] = known.get(key);
    // an empty hv:format or count reads as not given: written back as it was
    else if (value === '') out[key] = value;
  }
  for (const [key, value] of known) if (value !== undefined && !(key in out)) out[key] = value;
  if (profile === 'appdb') {
    for (const key of APPDB_IMAGE_KEYS) {
      if (!(key in out)) throw valueError(place, key, 'a value (atrope and cloudkeeper require it)');
    }
  }
  return out;
}

function knownValues(
  image: SourceImage,
  place: ValuePlace,
  listVo: string | undefined,
): Map<string, string | undefined> {
  const known = new Map<string, string | undefined>();
  known.set('dc:identifier', checkWriteText(image.id, place, 'dc:identifier', true));
  const uri = image.location === undefined ? undefined : formatImageLocation(image.location);
  if (uri === undefined)
    throw valueError(place, 'hv:uri', 'an http(s) URL or a docker:// or oci:// reference');
  known.set('hv:uri', uri);
  const hash = image.hash;
  if (hash?.algorithm !== 'sha512' || !/^[0-9a-f]{128}$/.test(hash.value)) {
    throw valueError(place, SHA512_KEY, 'a sha512 hash of 128 lower-case hex digits');
  }
  known.set(SHA512_KEY, hash.value);
  const fields = image as unknown as Record<string, unknown>;
  const text = (value: unknown, key: string) =>
    value === undefined ? undefined : checkWriteText(value, place, key);
  for (const [key, wireKey] of TEXT_FIELDS) known.set(wireKey, text(fields[key], wireKey));
  for (const [key, wireKey] of OS_FIELDS) known.set(wireKey, text(image.os?.[key], wireKey));
  for (const [key, wireKey] of COUNT_FIELDS) {
    const value = fields[key];
    known.set(wireKey, value === undefined ? undefined : checkWriteCount(value, place, wireKey));
  }
  known.set('hv:format', writeFormat(image, place));
  known.set(
    'dc:date:expires',
    image.expiresAt === undefined ? undefined : checkWriteDate(image.expiresAt, place, 'dc:date:expires'),
  );
  const hasOwnVo = image.vo !== undefined && (image.vo !== listVo || 'ad:vo' in (image.attributes ?? {}));
  known.set('ad:vo', hasOwnVo ? checkWriteText(image.vo, place, 'ad:vo', true) : undefined);
  return known;
}

function writeFormat(image: SourceImage, place: ValuePlace): string | undefined {
  if (image.format === undefined) return undefined;
  const format = checkWriteText(image.format, place, 'hv:format', true);
  if (format !== format.trim().toLowerCase()) {
    throw valueError(place, 'hv:format', 'a trimmed lower-case format such as qcow2', format);
  }
  // keep the list's own spelling ("OVA") when it names the same format
  const raw = image.attributes?.['hv:format'];
  return typeof raw === 'string' && raw.trim().toLowerCase() === format ? raw : format;
}

const MAX_JSON_DEPTH = 32;

/**
 * Checks that an attribute the model does not know is plain JSON (so it is written as given).
 * @throws FormatError naming the attribute otherwise
 */
export function checkJsonValue(value: unknown, place: ValuePlace, key: string, depth = 0): unknown {
  const isScalar =
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value));
  if (isScalar) return value;
  if (depth < MAX_JSON_DEPTH && Array.isArray(value)) {
    for (const item of value) checkJsonValue(item, place, key, depth + 1);
    return value;
  }
  if (depth < MAX_JSON_DEPTH && isPlainObject(value)) {
    for (const item of Object.values(value as object)) checkJsonValue(item, place, key, depth + 1);
    return value;
  }
  throw valueError(place, key, `a JSON value (nested at most ${MAX_JSON_DEPTH} deep)`, typeof value);
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
