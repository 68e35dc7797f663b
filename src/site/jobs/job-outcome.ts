// The typed outcomes of the site jobs: what each run did, per project or per site.
import { describeError, FedstackError } from '../../errors.js';
import type { GlueDocument } from '../../formats/glue/index.js';
import type { ProjectOutcome } from '../accounting/extract.js';
import { SITE_EXIT, exitStatusOf } from '../exit-status.js';

export type { ProjectOutcome, WatermarkMove } from '../accounting/extract.js';

/**
 * A failure of the whole run after the config was accepted (the site or a remote service, the
 * lock of another run): the command reports it with exit status 1. Config problems are thrown.
 */
export interface JobFailure {
  readonly message: string;
  /** The Fedstack error code, when the error had one (`OPENSTACK_NETWORK`, `STATE_IO`, …). */
  readonly code?: string;
}

/** What `runAccountingExtract` did. */
export interface AccountingExtractOutcome {
  /** The site name of the config (`gocdb`). */
  readonly site: string;
  /** The outbox the messages went to; null in a dry run. */
  readonly outbox: string | null;
  /** One outcome per accounted project, sorted by project id; empty when `failure` is set. */
  readonly projects: readonly ProjectOutcome[];
  readonly failure?: JobFailure;
}

/** What `runAccountingSend` did. */
export interface AccountingSendOutcome {
  /** Messages AMS acknowledged (their outbox elements are gone). */
  readonly sent: number;
  /** 1 when a publish failed and the run stopped there, else 0. */
  readonly failed: number;
  /** Why the run stopped early. */
  readonly error?: string;
  readonly failure?: JobFailure;
}

/** How a site's discovery run ended. */
export type SiteRunStatus = 'ok' | 'warning' | 'critical' | 'unknown' | 'failed';

/** What `runDiscovery` did for one site, as printed per site (the document aside). */
export interface DiscoveryOutcome {
  /** GOCDB site name, or the file name when the config could not be read. */
  readonly site: string;
  readonly file: string;
  /** Endpoint health of the document, or `failed` when no document could be made. */
  readonly status: SiteRunStatus;
  readonly error?: string;
  /** Fedstack error code of `error`, when it has one (e.g. `CONFIG_INVALID`, `TIMEOUT`). */
  readonly errorCode?: string;
  readonly durationMs: number;
  readonly shares: readonly { readonly vo: string; readonly state: string; readonly info?: string }[];
  readonly document?: GlueDocument;
  /** What went to the hub: the document, or a failed-run report. */
  readonly published?: 'document' | 'report';
  /** Why publishing to the hub or to AMS failed. */
  readonly publishError?: string;
}

/** True when an extraction did everything it was asked. */
export function isExtractComplete(outcome: AccountingExtractOutcome): boolean {
  return !outcome.failure && outcome.projects.every((p) => p.ok);
}

/**
 * The failure of a run for an error that ended it; a config error (exit status 2) is thrown
 * again, since the caller must fix the config rather than retry.
 */
export function toJobFailure(error: unknown): JobFailure {
  if (exitStatusOf(error) === SITE_EXIT.badConfig) throw error;
  return {
    message: describeError(error),
    ...(error instanceof FedstackError ? { code: error.code } : {}),
  };
}
