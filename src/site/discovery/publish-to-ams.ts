// Publishes a site's GLUE document to AMS the way cloud-info-provider 0.x did (one legacy topic per endpoint).
import { gzipSync } from 'node:zlib';
import { FedstackError } from '../../errors.js';
import type { GlueDocument } from '../../formats/glue/index.js';
import { publishToAms } from '../ams-publisher.js';

/** AMS service, project and token of the legacy information-system topics. */
export interface AmsInfoTarget {
  readonly url: string;
  /** Default `egi_cloud_info` (cloud-info-provider's default). */
  readonly project: string;
  readonly token: string;
  /** Compress before base64, as the central catch-all wrapper did to fit the size limit. */
  readonly gzip: boolean;
}

/**
 * The legacy topic of an endpoint: `SITE_<site, "." as "-">_ENDPOINT_<GOCDB service id>`,
 * e.g. `SITE_IFCA-LCG2_ENDPOINT_7513G0`.
 */
export function legacyAmsTopic(site: string, gocdbId: string): string {
  return `SITE_${site.replace(/\./g, '-')}_ENDPOINT_${gocdbId}`;
}

/**
 * Publishes the rendered document (JSON or LDIF, optionally gzipped) to the
 * site's legacy topic; resolves with the message id.
 * @throws FedstackError `DISCOVERY_PUBLISH_FAILED` without a GOCDB service id, `AMS_ERROR` when AMS refuses.
 */
export async function publishDocumentToAms(
  target: AmsInfoTarget,
  site: string,
  document: GlueDocument,
  rendered: string,
): Promise<string> {
  const gocdbId = document.CloudComputingService[0]?.OtherInfo?.gocdb_id;
  if (typeof gocdbId !== 'string' || !gocdbId)
    throw new FedstackError(
      'DISCOVERY_PUBLISH_FAILED',
      `${site}: the AMS topic needs the endpoint's GOCDB service id (set gocdb_id in the site config or let GOCDB be queried)`,
    );
  const data = target.gzip ? gzipSync(rendered) : Buffer.from(rendered);
  const [id] = await publishToAms(
    { url: target.url, project: target.project, topic: legacyAmsTopic(site, gocdbId), token: target.token },
    [{ data }],
  );
  return id!;
}
