// The hub's boundary check of a published GLUE document: everything the information system needs to serve it later.
import { FedstackError, FormatError, describeError } from '../../errors.js';
import {
  readGlueDocument,
  readGlueSite,
  renderLdif,
  type GlueDocument,
  type GlueSiteView,
} from '../../formats/glue/index.js';
import { toFlavorResponses, toImageResponses, toSiteResponse } from './infosys-responses.js';

/**
 * Deepest nesting of arrays and objects the hub accepts in a document. A cip 1.x document
 * nests 6 levels (`$.Share[0].OtherInfo.quotas.…`); walking a value thousands of levels deep
 * overflows the stack (schema validation, error rendering, LDIF), so deeper text is refused
 * before it is parsed.
 */
export const MAX_GLUE_DEPTH = 64;

/** Latest expiry the hub stores and shows: the last instant a four-digit ISO-8601 year can name. */
export const LATEST_EXPIRY_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A document that passed every check of {@link readInfosysDocument}. */
export interface InfosysDocument {
  /** The text to store and serve back: the body as published, or the JSON of a parsed body. */
  readonly text: string;
  readonly view: GlueSiteView;
  /** CreationTime + Validity of the service, epoch milliseconds, within {@link LATEST_EXPIRY_MS}. */
  readonly expiresAtMs: number;
}

/**
 * The deepest nesting of `[` and `{` in JSON text, counting only brackets outside strings;
 * stops counting once past `limit`. Linear and allocation-free, so it is safe on any input.
 */
export function jsonTextDepth(text: string, limit = MAX_GLUE_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let isInString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isInString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) isInString = false;
    } else if (c === 0x22) isInString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** The nesting depth of a parsed value, without recursion; stops once past `limit` (so cycles end too). */
function valueDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item.value === null || typeof item.value !== 'object') continue;
    const depth = item.depth + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Object.values(item.value)) stack.push({ value: child, depth });
  }
  return deepest;
}

function tooDeep(): FormatError {
  return new FormatError(
    'GLUE_INVALID',
    { field: '$' },
    `JSON nested at most ${MAX_GLUE_DEPTH} levels deep`,
    `more than ${MAX_GLUE_DEPTH} levels`,
  );
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') {
    if (valueDepth(body, MAX_GLUE_DEPTH) > MAX_GLUE_DEPTH) throw tooDeep();
    return body;
  }
  if (jsonTextDepth(body) > MAX_GLUE_DEPTH) throw tooDeep();
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw new FormatError('GLUE_INVALID', { field: '$' }, 'JSON text', describeError(error));
  }
}

function expiryOf(view: GlueSiteView): number {
  const created = view.createdAtMs;
  if (!Number.isFinite(created)) {
    throw new FormatError(
      'GLUE_INVALID',
      { field: '$.CloudComputingService[0].CreationTime' },
      'a valid ISO-8601 date-time',
    );
  }
  const validity = view.validitySeconds;
  const expiresAtMs = created + validity * 1000;
  if (!Number.isSafeInteger(validity) || validity < 0 || !(expiresAtMs <= LATEST_EXPIRY_MS)) {
    throw new FormatError(
      'GLUE_INVALID',
      { field: '$.CloudComputingService[0].Validity' },
      'a validity in seconds such that CreationTime + Validity is at most 9999-12-31T23:59:59Z',
      String(validity),
    );
  }
  return expiresAtMs;
}

/**
 * Builds every per-site answer once, so that a document which passes the schema but trips a
 * mapper (or the LDIF renderer) is refused here rather than failing reads later.
 */
function checkServable(document: GlueDocument, view: GlueSiteView): void {
  try {
    JSON.stringify(toSiteResponse(view, 'unknown', true));
    for (const share of view.shares) JSON.stringify(toImageResponses(view, share, false));
    // an empty vendor filter reads every accelerator's vendor, as a `gpu_vendor=` search does
    JSON.stringify(toFlavorResponses(view, { gpuVendor: '' }));
    renderLdif(document);
  } catch (error) {
    throw new FormatError(
      'GLUE_INVALID',
      { field: '$' },
      'a document the information system can serve',
      describeError(error),
    );
  }
}

/**
 * Reads a site's GLUE document the way the hub must before storing or serving it: nesting
 * depth (before parsing), JSON, the GLUE 2.1 schema and references, the site it describes,
 * a CreationTime and Validity that give a real expiry date, and a trial of every per-site answer.
 * The same checks run on publish and on every stored row when the read index is loaded.
 * @throws FormatError `GLUE_INVALID` naming the JSON path of the problem,
 *   FedstackError `HUB_REQUEST_INVALID` when the document describes another site than `site`.
 */
export function readInfosysDocument(site: string, body: unknown): InfosysDocument {
  const parsed = parseBody(body);
  const document = readGlueDocument(parsed);
  const view = readGlueSite(document);
  if (view.name !== site) {
    throw new FedstackError('HUB_REQUEST_INVALID', `the document describes site ${view.name}, not ${site}`);
  }
  const expiresAtMs = expiryOf(view);
  checkServable(document, view);
  return { text: typeof body === 'string' ? body : JSON.stringify(parsed), view, expiresAtMs };
}
