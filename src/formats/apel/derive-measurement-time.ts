// APEL's rule for the measurement time of a cloud record, which keys its monthly slot.
import type { CloudRecord } from './cloud-record.js';

/**
 * The MeasurementTime APEL derives for a cloud record (§3), in epoch seconds:
 * for a `completed` record its `endTime`; otherwise its `recordCreateTime`
 * when given; otherwise `startTime + suspendDuration + wallDuration`, absent
 * values counting as 0 (for cASO's records this is the end of the extraction
 * window). APEL keeps one record per VM and month of this time.
 *
 * A `completed` record without `endTime` has no MeasurementTime in APEL (it
 * stores NULL); we fall through to the other rules for it instead.
 *
 * @example
 * deriveMeasurementTime({ vmUuid: 'a', siteName: 'S', status: 'started', startTime: 100, wallDuration: 50 }); // 150
 */
export function deriveMeasurementTime(record: CloudRecord): number {
  if (record.status === 'completed' && record.endTime !== undefined) return record.endTime;
  if (record.recordCreateTime !== undefined) return record.recordCreateTime;
  return (record.startTime ?? 0) + (record.suspendDuration ?? 0) + (record.wallDuration ?? 0);
}
