// Reads one entry of a VO's image list as a vo-manager sends it: an `hv:image` object checked by the codec's rules.
import { FedstackError } from '../../errors.js';
import { imagelist } from '../../formats/index.js';

type SourceImage = imagelist.SourceImage;
type ImageList = imagelist.ImageList;

/** An entry that passed {@link readCatalogueEntry}: the wire object to store and the image it reads as. */
export interface CatalogueEntry {
  /** The `hv:image` object, with `dc:identifier` set to the entry's id. */
  readonly wire: Readonly<Record<string, unknown>>;
  readonly image: SourceImage;
}

/** Any expiry the probe list of a check may carry: the latest a four-digit year can name. */
const PROBE_EXPIRY = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): FedstackError {
  return new FedstackError('HUB_REQUEST_INVALID', message);
}

/**
 * A one-image list of `vo` around `wire`, with every list field a subscriber requires, so the
 * writer's `appdb` profile judges only the image.
 */
function probeList(vo: string, image: SourceImage): ImageList {
  return {
    // the writer names the list by its id in errors
    id: `${vo} (the entry sent)`,
    title: 'probe',
    description: 'probe',
    source: 'probe',
    endorser: { dn: '/CN=probe', ca: '/CN=probe', creator: 'probe', email: 'probe' },
    createdAt: PROBE_EXPIRY,
    expiresAt: PROBE_EXPIRY,
    version: '1',
    uri: 'probe',
    vo,
    images: [image],
    attributes: {},
  };
}

/**
 * Reads the images of stored or sent `hv:image` objects with the codec's reader, naming `source`.
 * @throws FormatError `IMAGE_INVALID` naming the first image and field the reader refuses
 */
export function readSourceImages(
  vo: string,
  wires: readonly Readonly<Record<string, unknown>>[],
  source: string,
): SourceImage[] {
  const document = {
    'hv:imagelist': {
      'dc:identifier': 'probe',
      'dc:date:expires': '9999-12-31T23:59:59Z',
      'ad:vo': vo,
      'hv:images': wires.map((wire) => ({ 'hv:image': wire })),
    },
  };
  const { list, problems } = imagelist.parseImageList(document, { source });
  if (problems[0]) throw problems[0];
  return [...list.images];
}

/**
 * Reads the body of `PUT /v1/images/vo/{vo}/entries/{id}`: an `hv:image` object, bare or as
 * `{"hv:image": {...}}`. Its `dc:identifier` may be left out (the path names it) and its `ad:vo`
 * (the list's VO is inherited); given, they must match the path. The image must pass the codec's
 * reader and its `appdb` writer profile, which holds every field atrope and cloudkeeper require:
 * atrope refuses a whole list when one image lacks any of them, so one entry cannot break the list.
 * @throws FedstackError `HUB_REQUEST_INVALID` for a body that is not such an object or names another
 *   image or VO, FormatError `IMAGE_INVALID` naming the field the codec refuses
 */
export function readCatalogueEntry(vo: string, id: string, body: unknown): CatalogueEntry {
  const object = isObject(body) && isObject(body['hv:image']) ? body['hv:image'] : body;
  if (!isObject(object)) throw invalid('body: expected a JSON object, an hv:image of the list');
  const givenId = object['dc:identifier'];
  if (givenId !== undefined && givenId !== id)
    throw invalid(`body parameter dc:identifier: expected the image id of the path (${id})`);
  const givenVo = object['ad:vo'];
  if (givenVo !== undefined && givenVo !== vo)
    throw invalid(`body parameter ad:vo: expected the VO of the path (${vo})`);
  const wire = { ...object, 'dc:identifier': id };
  const source = `image ${id} of the ${vo} list`;
  const [image] = readSourceImages(vo, [wire], source);
  imagelist.serializeImageList(probeList(vo, image!));
  return { wire, image: image! };
}

/** JSON text of `value` with object keys sorted: equal for objects that differ only in key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
