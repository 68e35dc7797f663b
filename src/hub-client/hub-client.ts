// The typed hub client: one object per hub, with the AMS, accounting and information-system calls.
import { AccountingApi } from './accounting-api.js';
import { AmsApi } from './ams-api.js';
import { InfosysApi } from './infosys-api.js';
import { HubTransport, type HubClientOptions } from './hub-transport.js';

/**
 * Typed calls of the hub's REST API over the project's outbound HTTP layer (per-attempt timeout,
 * deadline, abort signal, retries of idempotent calls, CA path). Results are typed by the hub's
 * own route schemas; every failure is a {@link HubClientError}. The token goes in `x-api-key`
 * and never into an error or a log line. The AMS calls also work against an ARGO AMS.
 * @example
 * const hub = new HubClient({ url: 'https://hub.example.org', token });
 * await hub.infosys.publishGlue('SITE-A', documentJson);
 * const { summaries } = await hub.accounting.summaries({ group_by: ['site', 'month'], from: '2024-01' });
 */
export class HubClient {
  /** The hub's base URL, without credentials. */
  readonly url: string;
  /** AMS under `/v1/projects`: topics, subscriptions, publish, pull, acknowledge, offsets. */
  readonly ams: AmsApi;
  /** Accounting reads under `/v1/accounting`. */
  readonly accounting: AccountingApi;
  /** The information system: GLUE documents, run reports, sites, images, flavors, health. */
  readonly infosys: InfosysApi;

  /** @throws FedstackError `CONFIG_INVALID` when `url` is not an http(s) URL. */
  constructor(options: HubClientOptions) {
    const transport = new HubTransport(options);
    this.url = transport.shownUrl;
    this.ams = new AmsApi(transport);
    this.accounting = new AccountingApi(transport);
    this.infosys = new InfosysApi(transport, { cloudInfoApiPaths: options.cloudInfoApiPaths === true });
  }
}
