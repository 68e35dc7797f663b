// Keeps cloud_summaries in step with cloud_records: rebuilds them when ingest changed the records.
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import { readState, writeState } from '../store/accounting-queries.js';
import type { HubStore } from '../store/hub-store.js';
import { tuneForAggregation } from '../store/postgres-session.js';
import { rebuildCloudSummaries } from '../store/summary-queries.js';

/** hub_state key ingest bumps whenever it changes cloud records. */
export const CLOUD_RECORDS_VERSION = 'cloud_records_version';
/** hub_state key holding the records version the summaries were built from. */
export const CLOUD_SUMMARIES_VERSION = 'cloud_summaries_version';

/** What one refresh did. */
export interface SummariseOutcome {
  readonly isRebuilt: boolean;
  readonly rows: number;
  /** Stored cloud records left out because no sum or date can hold their values. */
  readonly skipped: number;
  readonly durationMs: number;
}

/**
 * Rebuilds the monthly cloud summaries when the records changed since the last build (like APEL's
 * summariser, but on demand: the summary API calls {@link Summariser.refresh} before reading).
 * One rebuild runs at a time per process; callers arriving meanwhile share it.
 */
export class Summariser {
  private readonly store: HubStore;
  private readonly logger: Logger;
  private running: Promise<SummariseOutcome> | undefined;

  constructor(store: HubStore, logger: Logger = silentLogger) {
    this.store = store;
    this.logger = logger;
  }

  /** Rebuilds if the records changed (or `force`); resolves when the summaries are current. */
  async refresh(force = false): Promise<SummariseOutcome> {
    while (this.running) await this.running.catch(() => undefined);
    const run = this.rebuildIfStale(force);
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = undefined;
    }
  }

  private async rebuildIfStale(force: boolean): Promise<SummariseOutcome> {
    const started = performance.now();
    const outcome = await this.store.db.transaction().execute(async (tx) => {
      const version = await readState(tx, CLOUD_RECORDS_VERSION);
      if (!force && version === (await readState(tx, CLOUD_SUMMARIES_VERSION)))
        return { isRebuilt: false, rows: 0, skipped: 0 };
      if (this.store.dialect === 'postgres') await tuneForAggregation(tx);
      const { rows, skipped } = await rebuildCloudSummaries(tx);
      await writeState(tx, CLOUD_SUMMARIES_VERSION, version);
      return { isRebuilt: true, rows, skipped };
    });
    const durationMs = Math.round(performance.now() - started);
    if (outcome.isRebuilt) this.logger.info({ rows: outcome.rows, durationMs }, 'cloud summaries rebuilt');
    if (outcome.skipped > 0) {
      this.logger.warn(
        { skipped: outcome.skipped },
        'cloud records with values outside the summable range were left out of the summaries',
      );
    }
    return { ...outcome, durationMs };
  }
}
