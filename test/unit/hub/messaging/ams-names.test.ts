import { describe, expect, it } from 'vitest';
import {
  checkAmsName,
  formatAckId,
  parseAckId,
  parseTopicReference,
  splitTarget,
} from '../../../../src/hub/messaging/ams-names.js';
import { decodedLength, isBase64 } from '../../../../src/hub/messaging/ams-values.js';

describe('AMS names', () => {
  it('accepts letters, digits, "_" and "-" and refuses other names with AMS 400', () => {
    expect(checkAmsName('eu-egi-cloud-accounting', 'Topic')).toBe('eu-egi-cloud-accounting');
    expect(() => checkAmsName('a.b', 'Topic')).toThrow(
      expect.objectContaining({ httpStatus: 400, message: 'Invalid Topic name' }),
    );
    expect(() => checkAmsName('', 'Subscription')).toThrow(/Invalid Subscription name/);
  });

  it('reads a topic reference with or without the leading slash', () => {
    expect(parseTopicReference('projects/acc/topics/t1')).toEqual({ project: 'acc', topic: 't1' });
    expect(parseTopicReference('/projects/acc/topics/t1')).toEqual({ project: 'acc', topic: 't1' });
    expect(parseTopicReference('topics/t1')).toBeUndefined();
  });

  it('round-trips ack ids and refuses ids of another subscription', () => {
    const id = formatAckId('acc', 's1', 42);
    expect(id).toBe('projects/acc/subscriptions/s1:42');
    expect(parseAckId(id, 'acc', 's1')).toBe(42);
    expect(parseAckId(id, 'acc', 's2')).toBeUndefined();
    expect(parseAckId('projects/acc/subscriptions/s1:x', 'acc', 's1')).toBeUndefined();
  });

  it('splits a path segment into name and action at the first colon', () => {
    expect(splitTarget('t1:publish')).toEqual({ name: 't1', action: 'publish' });
    expect(splitTarget('t1')).toEqual({ name: 't1', action: undefined });
  });

  it('accepts canonical padded base64 only', () => {
    expect(isBase64(Buffer.from('hello').toString('base64'))).toBe(true);
    expect(isBase64('')).toBe(true);
    expect(isBase64('aGVsbG8')).toBe(false);
    expect(isBase64('not base64!')).toBe(false);
    expect(isBase64('aGVs-G8=')).toBe(false);
  });

  it('computes the decoded size of base64 data from its length and padding', () => {
    for (const n of [0, 1, 2, 3, 1000, 1001]) {
      expect(decodedLength(Buffer.alloc(n).toString('base64'))).toBe(n);
    }
  });
});
