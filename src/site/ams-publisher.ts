// Publishes messages to an ARGO Messaging Service (AMS) topic: the one AMS client of the site agent.
import { FedstackError } from '../errors.js';
import { redactUrl, redactUrlsInText } from '../redact-url.js';

/** An AMS topic and the token to publish to it with. */
export interface AmsDestination {
  /** Base URL of the AMS service, e.g. `https://msg.argo.grnet.gr`. */
  readonly url: string;
  readonly project: string;
  readonly topic: string;
  /** The `x-api-key` token; never logged nor put in errors. */
  readonly token: string;
  /** Per-request time limit, ms; default 10 000 (as SSM). */
  readonly timeoutMs?: number;
}

/** One message: bytes (sent base64-encoded) and string attributes. */
export interface AmsMessage {
  readonly data: string | Uint8Array;
  readonly attributes?: Readonly<Record<string, string>>;
}

/**
 * `POST /v1/projects/{p}/topics/{t}:publish`; resolves with the message ids
 * AMS assigned (only then has the broker taken the messages).
 * @throws FedstackError `AMS_ERROR` naming the URL and AMS's own message.
 */
export async function publishToAms(dest: AmsDestination, messages: readonly AmsMessage[]): Promise<string[]> {
  const url = `${dest.url.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(dest.project)}/topics/${encodeURIComponent(dest.topic)}:publish`;
  // errors name the URL without credentials (a `user:password@` of the configured base URL)
  const shown = redactUrl(url);
  const body = JSON.stringify({
    messages: messages.map((m) => ({
      attributes: m.attributes ?? {},
      data: Buffer.from(m.data).toString('base64'),
    })),
  });
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'x-api-key': dest.token },
      body,
      signal: AbortSignal.timeout(dest.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new FedstackError('AMS_ERROR', `AMS ${shown} unreachable: ${redactUrlsInText(String(error))}`, {
      cause: error,
    });
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: keep the text
    }
    throw new FedstackError('AMS_ERROR', `AMS ${shown} answered ${res.status}: ${redactUrlsInText(message)}`);
  }
  const ids = (JSON.parse(text) as { messageIds?: unknown }).messageIds;
  if (!Array.isArray(ids) || ids.length !== messages.length)
    throw new FedstackError('AMS_ERROR', `AMS ${shown} did not return one message id per message`);
  return ids.map(String);
}
