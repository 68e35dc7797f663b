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
  // the parser checks the nesting depth first (of the text, before JSON.parse), so any body is safe
  const document = readGlueDocument(body);
  const view = readGlueSite(document);
  if (view.name !== site) {
    throw new FedstackError('HUB_REQUEST_INVALID', `the document describes site ${view.name}, not ${site}`);
  }
  const expiresAtMs = expiryOf(view);
  checkServable(document, view);
  return { text: typeof body === 'string' ? body : JSON.stringify(body), view, expiresAtMs };
}
