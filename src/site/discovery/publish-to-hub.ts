// Sends a site's GLUE document, or a failed-run report, to the hub's information system.
import { FedstackError, describeError } from '../../errors.js';
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

async function send(target: HubTarget, path: string, body: string, what: string): Promise<void> {
  const url = new URL(path, target.url.replace(/\/*$/, '/'));
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-api-key': target.token },
      body,
      signal: AbortSignal.timeout(target.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new FedstackError(
      'DISCOVERY_PUBLISH_FAILED',
      `${what} to ${url.origin}: ${redactUrlsInText(describeError(error))}`,
      {
        cause: error,
      },
    );
  }
  if (res.ok) return;
  let detail = `HTTP ${res.status}`;
  try {
    const answer = (await res.json()) as { error?: { code?: string; message?: string } };
    if (answer.error?.message) detail += ` ${answer.error.code ?? ''}: ${answer.error.message}`;
  } catch {
    // not a Fedstack error body; the status says enough
  }
  throw new FedstackError('DISCOVERY_PUBLISH_FAILED', `${what} to ${url.origin}: ${detail}`);
}

/**
 * PUTs a GLUE 2.1 JSON document to `/v1/site/{site}/glue` of the hub.
 * @throws FedstackError `DISCOVERY_PUBLISH_FAILED` with the hub's status and error code.
 */
export function publishGlueDocument(target: HubTarget, site: string, documentJson: string): Promise<void> {
  return send(target, `v1/site/${encodeURIComponent(site)}/glue`, documentJson, `publishing ${site}`);
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
  const body = JSON.stringify({ state: report.state, error: report.error?.slice(0, 4000) });
  return send(target, `v1/site/${encodeURIComponent(site)}/discovery`, body, `reporting ${site}`);
}
