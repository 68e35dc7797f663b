// Sends a site's GLUE document, or a failed-run report, to the hub's information system.
import { FedstackError, describeError } from '../../errors.js';
import { HubClient, HubClientError } from '../../hub-client/index.js';
import { redactUrlsInText } from '../../redact-url.js';

/** Where and as whom to publish. */
export interface HubTarget {
  /** Base URL of the hub, e.g. `https://hub.example.org`. */
  readonly url: string;
  /** A publisher token of the site (or an admin token). Never logged. */
  readonly token: string;
  /** Time limit of one request, ms; default 30 000. */
  readonly timeoutMs?: number;
}

/** The origin of the hub, for messages (no path, no credentials). */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(not a URL)';
  }
}

/** Why a call failed: the hub's status and error code, or why no answer came. */
function detailOf(error: unknown): string {
  if (!(error instanceof HubClientError)) return redactUrlsInText(describeError(error));
  if (error.kind !== 'status') return error.summary;
  let detail = `HTTP ${error.status}`;
  if (error.hubMessage) detail += ` ${error.hubCode ?? ''}: ${error.hubMessage}`;
  return detail;
}

/** Runs one call of the hub client; any failure becomes `DISCOVERY_PUBLISH_FAILED` naming the hub. */
async function send(target: HubTarget, what: string, call: (hub: HubClient) => Promise<unknown>) {
  try {
    await call(
      new HubClient({ url: target.url, token: target.token, timeoutMs: target.timeoutMs ?? 30_000 }),
    );
  } catch (error) {
    throw new FedstackError(
      'DISCOVERY_PUBLISH_FAILED',
      `${what} to ${originOf(target.url)}: ${detailOf(error)}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * PUTs a GLUE 2.1 JSON document to `/v1/site/{site}/glue` of the hub (idempotent: a failed attempt
 * is sent again).
 * @throws FedstackError `DISCOVERY_PUBLISH_FAILED` with the hub's status and error code.
 */
export function publishGlueDocument(target: HubTarget, site: string, documentJson: string): Promise<void> {
  return send(target, `publishing ${site}`, (hub) => hub.infosys.publishGlue(site, documentJson));
}

/**
 * PUTs a run report to `/v1/site/{site}/discovery`, so the hub shows a failing site as failed.
 * @throws FedstackError `DISCOVERY_PUBLISH_FAILED` with the hub's status and error code.
 */
export function publishRunReport(
  target: HubTarget,
  site: string,
  report: { state: 'ok' | 'failed'; error?: string },
): Promise<void> {
  return send(target, `reporting ${site}`, (hub) =>
    hub.infosys.reportRun(site, { state: report.state, error: report.error?.slice(0, 4000) }),
  );
}
