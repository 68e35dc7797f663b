// A record the APEL codec refuses is left out and logged; the project's other records are still sent.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  parseCloudMessage,
  serializeCloudMessage,
  type CloudRecord,
} from '../../../../src/formats/apel/index.js';
import { createLogger } from '../../../../src/log.js';
import { serializeValidRecords } from '../../../../src/site/accounting/serialize-valid.js';

const START = Date.UTC(2024, 1, 1) / 1000;

function record(i: number, extra: Partial<CloudRecord> = {}): CloudRecord {
  return { vmUuid: `vm-${i}`, siteName: 'SITE-A', startTime: START, wallDuration: 3600, ...extra };
}

function captureLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'warn', destination }), lines };
}

describe('serializeValidRecords', () => {
  it('leaves out a record with a value outside the APEL ranges, logs it by field, and keeps the others', () => {
    const { logger, lines } = captureLogger();
    const records = [
      record(0),
      record(1, { wallDuration: 9007199254740991 }),
      record(2),
      record(3, { memory: -1 }),
    ];
    const out = serializeValidRecords(records, serializeCloudMessage, (r) => ({ vmUuid: r.vmUuid }), logger);
    expect(out.skipped).toBe(2);
    const sent = out.bodies.flatMap((b) => parseCloudMessage(b).records.map((r) => r.vmUuid));
    expect(sent).toEqual(['vm-0', 'vm-2']);
    const logged = lines.map((l) => JSON.parse(l) as { vmUuid: string; field: string });
    expect(logged.map((l) => [l.vmUuid, l.field])).toEqual([
      ['vm-1', 'WallDuration'],
      ['vm-3', 'Memory'],
    ]);
  });

  it('sends everything when every record is valid', () => {
    const { logger } = captureLogger();
    const out = serializeValidRecords([record(0), record(1)], serializeCloudMessage, () => ({}), logger);
    expect(out).toEqual({ bodies: [expect.stringContaining('VMUUID: vm-1')], skipped: 0 });
  });
});
