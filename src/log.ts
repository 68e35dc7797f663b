/**
 * The one logger of Fedstack (pino). Token headers, passwords and secrets are
 * redacted by key wherever they appear in a logged object; {@link REDACTED_KEYS}
 * is the single list of such keys.
 * @module
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Object keys whose values never reach a log line, at any depth we log. */
export const REDACTED_KEYS: readonly string[] = [
  'password',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'refresh_token',
  'refreshToken',
  'client_secret',
  'clientSecret',
  'applicationCredentialSecret',
  'application_credential_secret',
  'authorization',
  'Authorization',
  'x-auth-token',
  'X-Auth-Token',
  'x-subject-token',
  'X-Subject-Token',
  'x-api-key',
  'apiKey',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of REDACTED_KEYS) {
    const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    const sep = k.startsWith('[') ? '' : '.';
    paths.push(k, `*${sep}${k}`, `*.*${sep}${k}`, `*.*.*${sep}${k}`);
  }
  return paths;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level; default `info`, or `FEDSTACK_LOG_LEVEL`. */
  level?: string;
  /** Where lines go; default stderr. */
  destination?: DestinationStream;
}

/** Creates a logger that writes JSON lines to stderr (or `destination`), secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.FEDSTACK_LOG_LEVEL ?? 'info';
  return pino(
    { level, redact: { paths: redactPaths(), censor: '[redacted]' }, base: undefined },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that drops everything; the default for library calls. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** URL redaction (userinfo and secret query values) for anything that prints or logs a URL. */
export { redactUrl, redactUrlsInText, isSecretParamName } from './redact-url.js';
