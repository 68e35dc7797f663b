// A response body kept ready to send: UTF-8 bytes, a gzip copy for large bodies, and an ETag.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** Bodies at least this large also get a gzip copy (smaller ones gain nothing). */
export const GZIP_MIN_BYTES = 1024;

/** A serialized answer of the read index. */
export interface CachedResponse {
  readonly body: Buffer;
  /** The gzip-compressed body, for clients that accept it; undefined for small bodies. */
  readonly gzip: Buffer | undefined;
  /** Strong entity tag of the body, for `If-None-Match`. */
  readonly etag: string;
}

/**
 * Encodes a body once so that every later request only writes bytes. Compressing here, once per
 * index build, is what lets the 150 KB flavor list of 50 sites be served thousands of times a
 * second (bench/infosys.js); Python `requests` clients send `Accept-Encoding: gzip` by default.
 */
export function toCachedResponse(text: string): CachedResponse {
  const body = Buffer.from(text, 'utf8');
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  return { body, gzip: body.length >= GZIP_MIN_BYTES ? gzipSync(body) : undefined, etag };
}
