// The accounting API as one fastify plugin at /v1/accounting: summaries, rejects, sites, IP and GPU views.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { FedstackError } from '../../errors.js';
import type { HubAuth } from '../auth/hub-auth.js';
import type { HubCaller } from '../auth/hub-token.js';
import { exportSummaryMessage } from '../accounting/summary-export.js';
import { APEL_SUMMARY_DIMENSIONS, summaryColumns, toSummaryView } from '../accounting/summary-view.js';
import type { Summariser } from '../accounting/summariser.js';
import {
  acceleratorMonthly,
  ipMonthly,
  listRejects,
  listSiteFreshness,
  storageMonthly,
} from '../store/accounting-reads.js';
import type { HubStore } from '../store/hub-store.js';
import { isoOrNull } from '../store/stored-ranges.js';
import { SUMMARY_DIMENSIONS, listCloudSummaries, readCloudSummaries } from '../store/summary-queries.js';
import type { SummaryDimension, SummaryFilter } from '../store/summary-queries.js';
import {
  ACCELERATORS_RESPONSE,
  ACCOUNTING_SITES_RESPONSE,
  APEL_SUMMARY_RESPONSE,
  ERROR_RESPONSES,
  IP_RESPONSE,
  NO_QUERY,
  REJECTS_QUERY,
  REJECTS_RESPONSE,
  SUMMARIES_QUERY,
  SUMMARIES_RESPONSE,
  STORAGE_RESPONSE,
  VIEW_QUERY,
  jsonOrCsv,
  monthNumber,
  splitList,
} from './accounting-schemas.js';
import { toCsv, wantsCsv } from './csv.js';
import { ANY_ROLE, callerOf, installAuth, markPortalReads } from './route-auth.js';
import { installRouteSchemas } from './route-schema.js';

/** Options of {@link accountingPlugin}. */
export interface AccountingPluginOptions {
  readonly store: HubStore;
  readonly auth: HubAuth;
  readonly summariser: Summariser;
  /** Clock in epoch milliseconds (for freshness lags); default `Date.now`. */
  readonly clock?: () => number;
}

type Options = AccountingPluginOptions & { readonly clock: () => number };

const TAGS = ['accounting'];

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

function groupByOf(caller: HubCaller, value: string | undefined): SummaryDimension[] {
  const asked = splitList(value);
  if (caller.isAnonymous && (!asked || asked.includes('user')))
    throw new FedstackError(
      'HUB_FORBIDDEN',
      'without a token the summaries cannot be grouped by user: give group_by without user, or a hub token',
    );
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

/** Sends `rows` as CSV, their columns those of the first row. */
function sendCsv(reply: FastifyReply, rows: readonly Record<string, unknown>[]) {
  const columns = rows[0] ? Object.keys(rows[0]) : [];
  return reply.type('text/csv; charset=utf-8').send(toCsv(columns, rows));
}

/** One row of the JSON summaries answer. */
type SummaryViewRow = z.output<typeof SUMMARIES_RESPONSE>['summaries'][number];

/** `GET /summaries`: monthly cloud summaries as JSON, CSV or an APEL summary message. */
function registerSummaries(app: FastifyInstance, { store, summariser }: Options): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/summaries',
    {
      schema: {
        tags: TAGS,
        summary:
          'Monthly cloud summaries (APEL grouping and deltas), rolled up by group_by; JSON, CSV or APEL v0.4',
        querystring: SUMMARIES_QUERY,
        response: {
          200: {
            description:
              'JSON (default), CSV (format=csv or Accept: text/csv) or an APEL message (format=apel)',
            content: { ...jsonOrCsv(SUMMARIES_RESPONSE), 'text/plain': { schema: APEL_SUMMARY_RESPONSE } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filter = filterOf(callerOf(request), q);
      await summariser.refresh();
      if (q.format === 'apel') {
        if (callerOf(request).isAnonymous)
          throw new FedstackError('HUB_FORBIDDEN', 'the APEL export names users: it needs a hub token');
        const text = exportSummaryMessage(await listCloudSummaries(store.db, filter));
        return reply.type('text/plain; charset=utf-8').send(text);
      }
      const groupBy = groupByOf(callerOf(request), q.group_by);
      const rows = (await readCloudSummaries(store.db, groupBy, filter)).map((r) =>
        toSummaryView(r, groupBy),
      );
      if (wantsCsv(request, q.format))
        return reply.type('text/csv; charset=utf-8').send(toCsv(summaryColumns(groupBy), rows));
      // toSummaryView builds each row field by field from group_by, so its type is only a record;
      // SUMMARIES_RESPONSE is the shape it builds (the tests hold both to it)
      return { groupBy, summaries: rows as SummaryViewRow[] };
    },
  );
}

/** `GET /rejects`: refused records and messages, newest first, paged. */
function registerRejects(app: FastifyInstance, { store }: Options): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/rejects',
    {
      schema: {
        tags: TAGS,
        summary: 'Rejected records and messages with reason, message id and record index',
        querystring: REJECTS_QUERY,
        response: { 200: REJECTS_RESPONSE, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const q = request.query;
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
    },
  );
}

/** `GET /sites`: accounting freshness per site. */
function registerSites(app: FastifyInstance, { store, summariser, clock }: Options): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/sites',
    {
      schema: {
        tags: TAGS,
        summary: 'Accounting freshness per site',
        querystring: NO_QUERY,
        response: { 200: ACCOUNTING_SITES_RESPONSE, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const caller = callerOf(request);
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
    },
  );
}

/** `YYYY-MM` of a stored year and month. */
function yearMonth(year: number, month: number): string {
  return `${year}-${String(month).padStart(2, '0')}`;
}

/** The JSON answers of the monthly views. */
type MonthlyViewResponse = typeof IP_RESPONSE | typeof ACCELERATORS_RESPONSE | typeof STORAGE_RESPONSE;

/** A monthly view at `path`: stored rows of the caller's filter, answered as JSON (`answer`) or CSV. */
interface MonthlyView<R, Row extends Record<string, unknown>, S extends MonthlyViewResponse> {
  readonly path: string;
  readonly summary: string;
  /** The JSON answer's schema. */
  readonly response: S;
  readonly read: (db: HubStore['db'], filter: SummaryFilter) => Promise<R[]>;
  readonly toRow: (row: R) => Row;
  /** The JSON answer of the rows, e.g. `{ ip: rows }`. */
  readonly answer: (rows: Row[]) => z.output<S>;
}

function registerMonthlyView<R, Row extends Record<string, unknown>, S extends MonthlyViewResponse>(
  app: FastifyInstance,
  store: HubStore,
  view: MonthlyView<R, Row, S>,
): void {
  const json: MonthlyViewResponse = view.response;
  app.withTypeProvider<ZodTypeProvider>().get(
    view.path,
    {
      schema: {
        tags: TAGS,
        summary: view.summary,
        querystring: VIEW_QUERY,
        response: {
          200: {
            description: 'JSON (default) or CSV (format=csv or Accept: text/csv)',
            content: jsonOrCsv(json),
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const rows = (await view.read(store.db, filterOf(callerOf(request), q))).map(view.toRow);
      if (wantsCsv(request, q.format)) return sendCsv(reply, rows);
      const answer: z.output<MonthlyViewResponse> = view.answer(rows);
      return answer;
    },
  );
}

/** `GET /ip`, `GET /storage` and `GET /accelerators`: the monthly views of public IPs, storage and accelerators. */
function registerViews(app: FastifyInstance, { store }: Options): void {
  registerMonthlyView(app, store, {
    path: '/ip',
    summary: 'Public IP usage per site, month, VO and IP version',
    response: IP_RESPONSE,
    read: ipMonthly,
    toRow: (r) => ({
      site: r.site_name,
      month: yearMonth(r.measurement_year, r.measurement_month),
      vo: r.vo,
      ipVersion: r.ip_version,
      ipCount: Number(r.ip_count),
      users: r.users,
      lastMeasurementTime: isoOrNull(r.last_measurement_time),
    }),
    answer: (ip) => ({ ip }),
  });
  registerMonthlyView(app, store, {
    path: '/storage',
    summary: 'Storage usage (StAR records) per site, month and VO',
    response: STORAGE_RESPONSE,
    read: storageMonthly,
    toRow: (r) => ({
      site: r.site_name,
      month: r.month,
      vo: r.vo,
      capacityUsed: r.capacity_used,
      maxCapacityUsed: r.max_capacity_used,
      records: r.records,
    }),
    answer: (storage) => ({ storage }),
  });
  registerMonthlyView(app, store, {
    path: '/accelerators',
    summary: 'Accelerator usage per site, month, record type and type',
    response: ACCELERATORS_RESPONSE,
    read: acceleratorMonthly,
    toRow: (r) => ({
      site: r.site_name,
      month: yearMonth(r.measurement_year, r.measurement_month),
      associatedRecordType: r.associated_record_type,
      type: r.type,
      count: r.count,
      availableDuration: Number(r.available_duration),
      activeDuration: Number(r.active_duration),
      acceleratorHours: Number(r.accelerator_seconds) / 3600,
      records: r.records,
    }),
    answer: (accelerators) => ({ accelerators }),
  });
}

/**
 * Accounting read API (any valid token; a publisher token is limited to its site). Summaries are
 * rebuilt first when ingest changed the records since the last build.
 */
export const accountingPlugin: FastifyPluginAsync<AccountingPluginOptions> = async (app, options) => {
  const { store, auth, summariser } = options;
  if (!store || !auth || !summariser) throw new Error('accountingPlugin needs store, auth and summariser');
  const resolved: Options = { ...options, clock: options.clock ?? Date.now };
  installRouteSchemas(app);
  installAuth(app, auth, ANY_ROLE);
  // the portal's accounting pages read all but the rejects (which show the records themselves)
  markPortalReads(app, (url) => !url.endsWith('/rejects'));
  registerSummaries(app, resolved);
  registerRejects(app, resolved);
  registerSites(app, resolved);
  registerViews(app, resolved);
};
