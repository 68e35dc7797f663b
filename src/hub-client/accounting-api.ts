// The accounting reads of the hub client (/v1/accounting): summaries, rejects, per-site freshness, IP and accelerator views.
import type {
  AcceleratorsResponse,
  AccountingSitesResponse,
  IpResponse,
  RejectsQuery,
  RejectsResponse,
  SummariesQuery,
  SummariesResponse,
  SummariesTextFormat,
  ViewQuery,
} from './hub-api.js';
import type { HubCallOptions, HubTransport, QueryValue } from './hub-transport.js';

const BASE = '/v1/accounting';

type Query = Readonly<Record<string, QueryValue>>;

/** The accounting part of a {@link HubClient}; every call needs a token (a publisher token sees its own site only). */
export class AccountingApi {
  readonly #t: HubTransport;

  constructor(transport: HubTransport) {
    this.#t = transport;
  }

  #get<T>(path: string, query: Query | undefined, options: HubCallOptions | undefined): Promise<T> {
    return this.#t.json<T>({ area: 'rest', method: 'GET', path: BASE + path, query, options });
  }

  /** `GET /v1/accounting/summaries`: monthly cloud summaries rolled up by `group_by` (default APEL's grouping). */
  summaries(query: SummariesQuery = {}, options?: HubCallOptions): Promise<SummariesResponse> {
    return this.#get('/summaries', { ...query, format: 'json' }, options);
  }

  /** `GET /v1/accounting/summaries?format=csv|apel`: the summaries as CSV or as an APEL summary message (v0.4). */
  async summariesText(
    format: SummariesTextFormat,
    query: SummariesQuery = {},
    options?: HubCallOptions,
  ): Promise<string> {
    const accept = format === 'csv' ? 'text/csv' : 'text/plain';
    const { text } = await this.#t.text({
      area: 'rest',
      method: 'GET',
      path: `${BASE}/summaries`,
      query: { ...query, format },
      accept,
      options,
    });
    return text;
  }

  /** `GET /v1/accounting/rejects`: refused records and messages, newest first; page on with `before: nextBefore`. */
  rejects(query: RejectsQuery = {}, options?: HubCallOptions): Promise<RejectsResponse> {
    return this.#get('/rejects', query, options);
  }

  /** `GET /v1/accounting/sites`: stored records, receive times and measurement lag per site. */
  sites(options?: HubCallOptions): Promise<AccountingSitesResponse> {
    return this.#get('/sites', undefined, options);
  }

  /** `GET /v1/accounting/ip`: public IPs per site, month, VO and IP version. */
  ip(query: ViewQuery = {}, options?: HubCallOptions): Promise<IpResponse> {
    return this.#get('/ip', { ...query, format: 'json' }, options);
  }

  /** `GET /v1/accounting/accelerators`: accelerator count and durations per site, month, record type and type. */
  accelerators(query: ViewQuery = {}, options?: HubCallOptions): Promise<AcceleratorsResponse> {
    return this.#get('/accelerators', { ...query, format: 'json' }, options);
  }

  /** `GET /v1/accounting/{ip,accelerators}?format=csv`: a monthly view as CSV. */
  async viewCsv(
    view: 'ip' | 'accelerators',
    query: ViewQuery = {},
    options?: HubCallOptions,
  ): Promise<string> {
    const { text } = await this.#t.text({
      area: 'rest',
      method: 'GET',
      path: `${BASE}/${view}`,
      query: { ...query, format: 'csv' },
      accept: 'text/csv',
      options,
    });
    return text;
  }
}
