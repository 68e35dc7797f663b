import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GZIP_MIN_BYTES, toCachedResponse } from '../../../src/hub/infosys/index.js';

describe('toCachedResponse', () => {
  it('keeps a gzip copy of large bodies that decompresses to the body', () => {
    const text = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, name: `flavor-${i}` })));
    const cached = toCachedResponse(text);
    expect(cached.body.toString('utf8')).toBe(text);
    expect(gunzipSync(cached.gzip!).toString('utf8')).toBe(text);
  });

  it('does not compress bodies below the threshold', () => {
    expect(toCachedResponse('x'.repeat(GZIP_MIN_BYTES - 1)).gzip).toBeUndefined();
  });

  it('gives equal bodies equal entity tags and different bodies different ones', () => {
    expect(toCachedResponse('[1]').etag).toBe(toCachedResponse('[1]').etag);
    expect(toCachedResponse('[1]').etag).not.toBe(toCachedResponse('[2]').etag);
  });
});
