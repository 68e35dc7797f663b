// Reads the body of an AMS `:publish` request, naming the field of every refusal (`messages[2].data`).
import type { NewMessage } from '../store/messaging-queries.js';
import { AmsError, AMS_ERRORS } from './ams-error.js';
import { decodedLength, isBase64 } from './ams-values.js';

/** Most messages one publish request may carry (ssmsend sends one; argo-ams-library batches a few). */
export const MAX_PUBLISH_MESSAGES = 1000;
/** Most attributes of one message. */
export const MAX_ATTRIBUTES = 100;
/** Largest attributes of one message: keys and values together, in UTF-8 bytes. */
export const MAX_ATTRIBUTE_BYTES = 64 * 1024;

/** AMS's 400 for a publish, with the field and what is wrong after AMS's own wording. */
function invalid(field: string, problem: string): AmsError {
  return new AmsError(400, 'INVALID_ARGUMENT', `Invalid Message Arguments: ${field} ${problem}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A key as an error message may show it: printable, short, quoted. */
function shownKey(key: string): string {
  const printable = key.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > 64 ? `${printable.slice(0, 64)}…` : printable);
}

/**
 * Go's base64 decoder (AMS) skips line breaks, so data wrapped at 76 columns is accepted; it is
 * stored without them.
 */
export function unwrapBase64(data: string): string {
  return data.includes('\n') ? data.replace(/\r?\n/g, '') : data;
}

/**
 * Checks one message's `data`: a non-empty base64 string within the size limit. Returns it without
 * line breaks.
 * @throws AmsError 400 naming `field`, 413 over the limit.
 */
export function checkMessageData(value: unknown, field: string, maxMessageBytes: number): string {
  if (typeof value !== 'string') throw invalid(field, 'must be a base64 string');
  const data = unwrapBase64(value);
  if (data === '') throw invalid(field, 'must not be empty');
  if (!isBase64(data)) throw invalid(field, 'is not base64');
  if (decodedLength(data) > maxMessageBytes) throw AMS_ERRORS.tooLarge();
  return data;
}

function readAttributes(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw invalid(field, 'must be an object of strings');
  const entries = Object.entries(value);
  if (entries.length > MAX_ATTRIBUTES) throw invalid(field, `has more than ${MAX_ATTRIBUTES} attributes`);
  let bytes = 0;
  for (const [key, item] of entries) {
    if (typeof item !== 'string') throw invalid(`${field}[${shownKey(key)}]`, 'must be a string');
    bytes += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(item, 'utf8');
  }
  if (bytes > MAX_ATTRIBUTE_BYTES) throw invalid(field, `exceed ${MAX_ATTRIBUTE_BYTES} bytes`);
  // own properties only, so a key such as "__proto__" stays an ordinary attribute
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * Reads a parsed `:publish` body `{"messages":[{"data":"<base64>","attributes":{…}}]}`: its shape
 * and attributes; `data` only as a string ({@link checkMessageData}, which the messaging service
 * applies to every publish, does the rest). Other keys of a message (`messageId`, `publishTime`)
 * are ignored, as AMS does.
 * @throws AmsError 400 naming the field (`messages`, `messages[i]`, `messages[i].data`,
 *   `messages[i].attributes`).
 */
export function parsePublishBody(body: unknown): NewMessage[] {
  if (!isPlainObject(body)) throw invalid('body', 'must be an object with "messages"');
  const list = body.messages;
  if (list === undefined) throw invalid('messages', 'is missing');
  if (!Array.isArray(list)) throw invalid('messages', 'must be a list');
  if (list.length === 0) throw invalid('messages', 'must not be empty');
  if (list.length > MAX_PUBLISH_MESSAGES) {
    throw invalid(
      'messages',
      `has more than ${MAX_PUBLISH_MESSAGES} messages; publish them in several requests`,
    );
  }
  return list.map((m: unknown, i) => {
    if (!isPlainObject(m)) throw invalid(`messages[${i}]`, 'must be an object');
    if (typeof m.data !== 'string') throw invalid(`messages[${i}].data`, 'must be a base64 string');
    return { data: m.data, attributes: readAttributes(m.attributes, `messages[${i}].attributes`) };
  });
}
