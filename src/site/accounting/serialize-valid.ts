// Serialises a project's records into messages, leaving out (and reporting) the ones the codec refuses.
import { FormatError } from '../../errors.js';
import { chunkRecords } from '../../formats/apel/index.js';
import type { Logger } from '../../log.js';

/** Messages of the records the codec accepts, and how many it refused. */
export interface SerializedRecords {
  readonly bodies: string[];
  readonly skipped: number;
}

/**
 * Chunks and serialises `records`; a record the codec refuses (a value outside the APEL ranges,
 * as an OpenStack API could report for one server) is logged with the field and left out, so one
 * bad server never keeps a project's watermark, and every later run, stuck. Any other failure is
 * thrown as before.
 */
export function serializeValidRecords<T>(
  records: readonly T[],
  serialize: (batch: readonly T[]) => string,
  describe: (record: T) => Record<string, unknown>,
  logger: Logger,
): SerializedRecords {
  let kept = [...records];
  let skipped = 0;
  for (;;) {
    try {
      return { bodies: chunkRecords(kept, serialize), skipped };
    } catch (error) {
      if (!(error instanceof FormatError) || error.code !== 'APEL_FIELD_INVALID') throw error;
      const index = error.recordIndex;
      if (index === undefined || kept[index] === undefined) throw error;
      logger.warn(
        { ...describe(kept[index]), field: error.field, reason: error.message },
        'accounting record left out: a value is outside what APEL accepts',
      );
      kept = kept.filter((_, i) => i !== index);
      skipped++;
    }
  }
}
