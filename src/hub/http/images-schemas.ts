// Path, body and answer schemas of the image catalogue (zod): the routes validate with them and /openapi.json shows them.
import { z } from 'zod';
import { FedstackError } from '../../errors.js';
import { VO_NAME_PATTERN, VO_NAME_RULE } from '../auth/vo-name.js';
import { readBodyAs } from './route-schema.js';

export {
  ERROR_RESPONSES as IMAGES_ERROR_RESPONSES,
  NO_QUERY as IMAGES_NO_QUERY,
} from './accounting-schemas.js';

const VO = z.string().regex(VO_NAME_PATTERN, `expected ${VO_NAME_RULE}`).describe('VO name');
const IMAGE_ID = z
  .string()
  .regex(
    /^[A-Za-z0-9._:~-]{1,200}$/,
    'expected an image id (dc:identifier) of letters, digits, ".", "_", ":", "~" and "-", at most 200 characters',
  )
  .describe('the image’s dc:identifier');

/** Path of the routes of one VO's list. */
export const VO_PARAMS = z.object({ vo: VO });
/** Path of the routes of one entry. */
export const ENTRY_PARAMS = z.object({ vo: VO, id: IMAGE_ID });
/** Query of `GET /v1/images/catalogue`. */
export const CATALOGUE_QUERY = z.object({ vo: VO.optional().describe('only the entries of this VO') });

const HV_IMAGE = z
  .record(z.string(), z.unknown())
  .describe(
    'an hv:image object (bare or as {"hv:image": {...}}) with every field atrope and cloudkeeper require: ' +
      'hv:uri, sl:checksum:sha512, hv:size, hv:format, hv:hypervisor, hv:version, dc:title, dc:description, ' +
      'dc:date:expires, sl:os, sl:osname, sl:osversion, sl:arch, sl:comments, ad:mpuri, ad:group, ad:user:*',
  );

/**
 * Body of `PUT /v1/images/vo/{vo}/entries/{id}`: a JSON object, read by the catalogue with the image
 * list codec's rules (which need the path, so the schema only checks it is an object).
 */
export const ENTRY_BODY = readBodyAs(HV_IMAGE, {
  parse: (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new FedstackError('HUB_REQUEST_INVALID', 'body: expected a JSON object, an hv:image of the list');
    return value;
  },
});

// Answers, written with JSON.stringify (route-schema.ts); these schemas describe them.

/** Answer of `PUT` and `DELETE /v1/images/vo/{vo}/entries/{id}`. */
export const ENTRY_CHANGE_RESPONSE = z.object({
  vo: z.string(),
  id: z.string(),
  version: z.number().int().describe('hv:version of the list after the change'),
  changed: z.boolean().describe('false when the entry was sent unchanged: no new version'),
  created: z.boolean().describe('true when the entry is new'),
});

/** Answer of `GET /v1/images/vo/{vo}/entries`. */
export const ENTRIES_RESPONSE = z.object({
  vo: z.string(),
  version: z
    .number()
    .int()
    .nullable()
    .describe('hv:version of the current list; null before the first change'),
  entries: z.array(
    z.object({
      id: z.string(),
      image: HV_IMAGE,
      updated_at: z.string().describe('ISO 8601'),
    }),
  ),
});

/** `GET /store/vo/{vo}/image.list`: the S/MIME signed list. */
export const SIGNED_LIST_RESPONSE = z
  .string()
  .describe('S/MIME multipart/signed (detached, SHA-256) over the hv:imagelist JSON, as AppDB serves it');

/** `GET /store/vo/{vo}/image.list.json`: the unsigned list. */
export const LIST_JSON_RESPONSE = z
  .object({ 'hv:imagelist': z.record(z.string(), z.unknown()) })
  .describe('the HEPiX image list of the current version, unsigned');

/** One entry of `GET /v1/images/catalogue`, with the sites where it is present. */
export const CATALOGUE_IMAGE_RESPONSE = z.object({
  vo: z.string(),
  id: z.string().describe('dc:identifier'),
  title: z.string().nullable(),
  version: z.string().nullable().describe('hv:version of the image'),
  mpuri: z.string().nullable().describe('ad:mpuri'),
  location: z.string().describe('hv:uri'),
  sites: z.array(
    z.object({
      site: z.string(),
      endpoint: z.string(),
      image_id: z.string().describe('the image’s id at the site'),
    }),
  ),
});
