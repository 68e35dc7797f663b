// The accounting API as one fastify plugin at /v1/accounting: summaries, rejects, sites, IP and GPU views.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FedstackError } from '../../errors.js';
import type { HubAuth } from '../auth/hub-auth.js';
import type { HubCaller } from '../auth/hub-token.js';
import { exportSummaryMessage } from '../accounting/summary-export.js';
import { APEL_SUMMARY_DIMENSIONS, summaryColumns, toSummaryView } from '../accounting/summary-view.js';
import type { Summariser } from '../accounting/summariser.js';
import { acceleratorMonthly, ipMonthly, listRejects, listSiteFreshness } from '../store/accounting-reads.js';
import type { HubStore } from '../store/hub-store.js';
import { isoOrNull } from '../store/stored-ranges.js';
import { SUMMARY_DIMENSIONS, listCloudSummaries, readCloudSummaries } from '../store/summary-queries.js';
import type { SummaryDimension, SummaryFilter } from '../store/summary-queries.js';
import { REJECTS_QUERY, SUMMARIES_QUERY, VIEW_QUERY, monthNumber, splitList } from './accounting-schemas.js';
import { parseRequest } from './parse-request.js';
import { toCsv } from './csv.js';
import { installRestAuth, restCaller } from './rest-auth.js';

/** Options of {@link accountingPlugin}. */
export interface AccountingPluginOptions {
  readonly store: HubStore;
  readonly auth: HubAuth;
  readonly summariser: Summariser;
  /** Clock in epoch milliseconds (for freshness lags); default `Date.now`. */
  readonly clock?: () => number;
}

const READERS = ['admin', 'consumer', 'publisher'] as const;

/** Applies the caller's scope: a publisher token sees only its own site. */
function scopedSites(caller: HubCaller, asked: string[] | undefined): string[] | undefined {
  if (caller.role !== 'publisher') return asked;
  const own = caller.site ?? '';
  if (asked && asked.some((s) => s !== own)) {
    throw new FedstackError('HUB_FORBIDDEN', `a publisher token of site ${own} may read only that site`);
  }
  return [own];
}

function filterOf(
  caller: HubCaller,
  q: { site?: string; vo?: string; from?: string; to?: string },
): SummaryFilter {
  const fromMonth = monthNumber(q.from);
  const toMonth = monthNumber(q.to);
  if (fromMonth !== undefined && toMonth !== undefined && fromMonth > toMonth) {
    throw new FedstackError('HUB_REQUEST_INVALID', `query parameter from: ${q.from} is after to (${q.to})`);
  }
  const sites = scopedSites(caller, splitList(q.site));
  const vos = splitList(q.vo);
  return { ...(sites ? { sites } : {}), ...(vos ? { vos } : {}), fromMonth, toMonth };
}

function groupByOf(value: string | undefined): SummaryDimension[] {
  const asked = splitList(value);
  if (!asked) return [...APEL_SUMMARY_DIMENSIONS];
  for (const d of asked) {
    if (!Object.hasOwn(SUMMARY_DIMENSIONS, d)) {
      const known = Object.keys(SUMMARY_DIMENSIONS).join(', ');
      throw new FedstackError(
        'HUB_REQUEST_INVALID',
        `query parameter group_by: unknown dimension "${d}" (one of ${known})`,
      );
    }
  }
  return [...new Set(asked)] as SummaryDimension[];
}

function wantsCsv(request: FastifyRequest, format: string | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  return /\btext\/csv\b/.test(request.headers.accept ?? '');
}

function sendRows(reply: FastifyReply, isCsv: boolean, key: string, rows: Record<string, unknown>[]) {
  if (!isCsv) return { [key]: rows };
  const columns = rows[0] ? Object.keys(rows[0]) : [];
  return reply.type('text/csv; charset=utf-8').send(toCsv(columns, rows));
}

/**
 * Accounting read API (any valid token; a publisher token is limited to its site). Summaries are
 * rebuilt first when ingest changed the records since the last build.
 */
export const accountingPlugin: FastifyPluginAsync<AccountingPluginOptions> = async (app, options) => {
  const { store, auth, summariser } = options;
  if (!store || !auth || !summariser) throw new Error('accountingPlugin needs store, auth and summariser');
  const clock = options.clock ?? Date.now;
  installRestAuth(app, auth);

  app.get('/summaries', async (request, reply) => {
    const caller = restCaller(request, READERS);
    const q = parseRequest(SUMMARIES_QUERY, request.query);
    const filter = filterOf(caller, q);
    await summariser.refresh();
    if (q.format === 'apel') {
      const text = exportSummaryMessage(await listCloudSummaries(store.db, filter));
      return reply.type('text/plain; charset=utf-8').send(text);
    }
    const groupBy = groupByOf(q.group_by);
    const rows = (await readCloudSummaries(store.db, groupBy, filter)).map((r) => toSummaryView(r, groupBy));
    if (wantsCsv(request, q.format))
      return reply.type('text/csv; charset=utf-8').send(toCsv(summaryColumns(groupBy), rows));
    return { groupBy, summaries: rows };
  });

  app.get('/rejects', async (request) => {
    const caller = restCaller(request, READERS);
    const q = parseRequest(REJECTS_QUERY, request.query);
    const site = scopedSites(caller, q.site === undefined ? undefined : [q.site])?.[0];
    // a publisher sees the rejects of what its site published, not others' messages naming its site
    const isPublisher = caller.role === 'publisher';
    const rows = await listRejects(store.db, {
      ...(site === undefined ? {} : isPublisher ? { publisherSite: site } : { site }),
      ...(q.message_id === undefined ? {} : { messageId: q.message_id }),
      ...(q.before === undefined ? {} : { beforeId: q.before }),
      limit: q.limit,
    });
    const rejects = rows.map((r) => ({
      id: Number(r.id),
      rejectedAt: isoOrNull(r.rejected_at),
      project: r.project,
      topic: r.topic,
      messageId: r.message_id,
      recordIndex: r.record_index,
      recordKind: r.record_kind,
      field: r.field,
      code: r.code,
      reason: r.reason,
      publisherSite: r.publisher_site,
      recordSite: r.record_site,
    }));
    const last = rejects.at(-1);
    return { rejects, nextBefore: rejects.length === q.limit && last ? last.id : null };
  });

  app.get('/sites', async (request) => {
    const caller = restCaller(request, READERS);
    await summariser.refresh();
    const now = Math.floor(clock() / 1000);
    const own = caller.role === 'publisher' ? caller.site : undefined;
    const sites = (await listSiteFreshness(store.db))
      .filter((s) => own === undefined || s.site_name === own)
      .map((s) => ({
        site: s.site_name,
        cloudRecords: s.cloud_records,
        recordsReceived: Number(s.records_received),
        recordsRejected: Number(s.records_rejected),
        lastReceivedAt: isoOrNull(s.last_received_at),
        lastMeasurementTime: isoOrNull(s.last_measurement_time),
        measurementLagSeconds:
          s.last_measurement_time === null ? null : now - Number(s.last_measurement_time),
      }));
    return { sites };
  });

  app.get('/ip', async (request, reply) => {
    const caller = restCaller(request, READERS);
    const q = parseRequest(VIEW_QUERY, request.query);
    const rows = (await ipMonthly(store.db, filterOf(caller, q))).map((r) => ({
      site: r.site_name,
      month: `${r.measurement_year}-${String(r.measurement_month).padStart(2, '0')}`,
      vo: r.vo,
      ipVersion: r.ip_version,
      ipCount: Number(r.ip_count),
      users: r.users,
      lastMeasurementTime: isoOrNull(r.last_measurement_time),
    }));
    return sendRows(reply, wantsCsv(request, q.format), 'ip', rows);
  });

  app.get('/accelerators', async (request, reply) => {
    const caller = restCaller(request, READERS);
    const q = parseRequest(VIEW_QUERY, request.query);
    const rows = (await acceleratorMonthly(store.db, filterOf(caller, q))).map((r) => ({
      site: r.site_name,
      month: `${r.measurement_year}-${String(r.measurement_month).padStart(2, '0')}`,
      associatedRecordType: r.associated_record_type,
      type: r.type,
      count: r.count,
      availableDuration: Number(r.available_duration),
      activeDuration: Number(r.active_duration),
      records: r.records,
    }));
    return sendRows(reply, wantsCsv(request, q.format), 'accelerators', rows);
  });
};
