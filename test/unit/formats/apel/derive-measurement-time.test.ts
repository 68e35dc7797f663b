import { describe, expect, it } from 'vitest';
import { deriveMeasurementTime, type CloudRecord } from '../../../../src/formats/apel/index.js';

const base: CloudRecord = {
  vmUuid: 'a',
  siteName: 'S',
  startTime: 1000,
  wallDuration: 500,
  suspendDuration: 20,
};

describe('deriveMeasurementTime', () => {
  it('is EndTime for a completed record', () => {
    expect(
      deriveMeasurementTime({ ...base, status: 'completed', endTime: 1400, recordCreateTime: 9999 }),
    ).toBe(1400);
  });

  it('is RecordCreateTime for a record not completed that has one', () => {
    expect(deriveMeasurementTime({ ...base, status: 'started', endTime: 0, recordCreateTime: 1600 })).toBe(
      1600,
    );
  });

  it('is StartTime + SuspendDuration + WallDuration otherwise, absent values as 0', () => {
    expect(deriveMeasurementTime({ ...base, status: 'started', endTime: 0 })).toBe(1520);
    expect(deriveMeasurementTime({ vmUuid: 'a', siteName: 'S', startTime: 1000 })).toBe(1000);
  });

  it('falls through to the sum for a completed record without EndTime', () => {
    expect(deriveMeasurementTime({ ...base, status: 'completed' })).toBe(1520);
  });
});
