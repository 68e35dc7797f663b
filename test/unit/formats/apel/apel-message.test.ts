import { describe, expect, it } from 'vitest';
import { parseApelMessage } from '../../../../src/formats/apel/index.js';
import { readApelFixture } from '../../../helpers/apel-fixtures.js';

describe('parseApelMessage', () => {
  it.each([
    ['caso-cloud-message-v0.4.txt', 'cloud', 2],
    ['apel-cloud-message-v0.4_openstack.txt', 'cloud', 1],
    ['apel-cloud-summary-message-v0.4.txt', 'cloud-summary', 1],
    ['caso-public-ip-message-v0.2.json', 'ip', 2],
    ['caso-accelerator-message-v0.1.json', 'accelerator', 2],
    ['caso-storage-star-message.xml', 'storage', 2],
  ])('detects %s as a %s message', (file, kind, count) => {
    const message = parseApelMessage(readApelFixture(file));
    expect(message.kind).toBe(kind);
    expect(message.records).toHaveLength(count);
    expect(message.errors).toEqual([]);
  });

  it('detects past leading whitespace', () => {
    expect(parseApelMessage(`\n  ${readApelFixture('caso-public-ip-message-v0.2.json')}`).kind).toBe('ip');
  });

  it.each([
    ['caso-cloud-message-v0.4.txt', 'cloud'],
    ['apel-cloud-summary-message-v0.4.txt', 'cloud-summary'],
  ])('reads %s with blank lines and spaces before its header, as APEL strips the message', (file, kind) => {
    const message = parseApelMessage(`\n\r\n  \n\t${readApelFixture(file)}`);
    expect(message.kind).toBe(kind);
    expect(message.errors).toEqual([]);
    expect(message.records).toEqual(parseApelMessage(readApelFixture(file)).records);
  });

  it('throws APEL_MESSAGE_INVALID for an unknown header or JSON Type', () => {
    for (const text of [
      'APEL-summary-job-message: v0.3\nSite: x\n',
      '{"Type": "other", "Version": "1", "UsageRecords": []}',
      'hello',
    ]) {
      expect(() => parseApelMessage(text)).toThrow(expect.objectContaining({ code: 'APEL_MESSAGE_INVALID' }));
    }
  });
});
