// Publishes messages to an ARGO Messaging Service (AMS) topic: the one AMS client of the site agent.
import { FedstackError } from '../errors.js';
import { HubClient, HubClientError, type AmsMessage } from '../hub-client/index.js';
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
export type { AmsMessage };

/** AMS_ERROR of a failed publish, naming the publish URL (without credentials) and AMS's own message. */
function amsError(shown: string, error: unknown): FedstackError {
  if (!(error instanceof HubClientError)) {
    // a URL that is not http(s)
    const reason = error instanceof FedstackError ? error.message : String(error);
    return new FedstackError('AMS_ERROR', `AMS ${shown}: ${redactUrlsInText(reason)}`, { cause: error });
  }
  if (error.kind === 'network' || error.kind === 'timeout')
    return new FedstackError('AMS_ERROR', `AMS ${shown} unreachable: ${error.summary}`, { cause: error });
  if (error.kind !== 'status')
    return new FedstackError('AMS_ERROR', `AMS ${shown} ${error.summary}`, { cause: error });
  const message = error.hubMessage ?? (error.bodyText ?? '').slice(0, 300);
  return new FedstackError('AMS_ERROR', `AMS ${shown} answered ${error.status}: ${message}`, {
    cause: error,
  });
}

/**
 * `POST /v1/projects/{p}/topics/{t}:publish`, sent once (AMS does not deduplicate, so a publish is
 * never repeated on its own); resolves with the message ids AMS assigned (only then has the broker
 * taken the messages).
 * @throws FedstackError `AMS_ERROR` naming the URL and AMS's own message.
 */
export async function publishToAms(dest: AmsDestination, messages: readonly AmsMessage[]): Promise<string[]> {
  const url = `${dest.url.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(dest.project)}/topics/${encodeURIComponent(dest.topic)}:publish`;
  // errors name the URL without credentials (a `user:password@` of the configured base URL)
  const shown = redactUrl(url);
  try {
    const ams = new HubClient({ url: dest.url, token: dest.token, timeoutMs: dest.timeoutMs ?? 10_000 });
    return await ams.ams.publish(dest.project, dest.topic, messages, { isRetrySafe: false });
  } catch (error) {
    throw amsError(shown, error);
  }
}
