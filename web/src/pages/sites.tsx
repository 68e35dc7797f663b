// Sites: every site with its monitoring state per service, when it last published accounting and
// discovery (stale ones flagged) and its latest month's availability and reliability.
import {
  getJson,
  type AccountingSite,
  type ArRow,
  type Check,
  type DiscoveryRow,
  type RegistrySite,
} from '../api.js';
import type { PageProps } from '../page.js';
import { OLA, arRange, siteRows, type SiteRow } from '../site-model.js';
import { Notice, Show, Status, ago, fmt, useLoad, useTitle, Table } from '../ui.js';

/** Each source is read on its own: one that fails is named, the others still show. */
async function loadSites() {
  const failed: string[] = [];
  const read = <T,>(what: string, p: Promise<T>, empty: T) =>
    p.catch((e: Error & { needsSignIn?: boolean }) => {
      if (e.needsSignIn) throw e;
      failed.push(`${what}: ${e.message}`);
      return empty;
    });
  const [registry, accounting, discovery, checks, ar] = await Promise.all([
    read('registry', getJson<{ sites: RegistrySite[] }>('/v1/registry/sites'), { sites: [] }),
    read('accounting', getJson<{ sites: AccountingSite[] }>('/v1/accounting/sites'), { sites: [] }),
    read('discovery', getJson<DiscoveryRow[]>('/v1/discovery'), []),
    read('monitoring', getJson<{ checks: Check[] }>('/v1/monitoring/status'), { checks: [] }),
    read(
      'availability',
      getJson<{ rows: ArRow[] }>('/v1/monitoring/ar', {
        ...arRange(new Date(), 0),
        granularity: 'monthly',
        level: 'site',
      }),
      { rows: [] },
    ),
  ]);
  const rows = siteRows(
    { registry: registry.sites, accounting: accounting.sites, discovery, checks: checks.checks, ar: ar.rows },
    Date.now(),
  );
  return { rows, failed };
}

function Row(props: { s: SiteRow }) {
  const { s } = props;
  return (
    <tr>
      <th scope="row">
        <a href={`/portal/sites/${encodeURIComponent(s.name)}`}>{s.name}</a>
        {s.registry ? (
          <div class="sub">
            {[s.registry.country, s.registry.certificationStatus, s.registry.productionStatus]
              .filter(Boolean)
              .join(' · ')}
          </div>
        ) : (
          <div class="sub">not in the registry</div>
        )}
      </th>
      <td>
        {s.services.length === 0 ? (
          <span class="sub">no checks</span>
        ) : (
          <ul class="plain">
            {s.services.map((v) => (
              <li key={v.serviceType}>
                <Status value={v.status} /> {v.serviceType}
              </li>
            ))}
          </ul>
        )}
      </td>
      <td>
        {s.isAccountingStale ? <Status value="STALE" /> : null} {ago(s.accountingAt)}
      </td>
      <td>
        {s.isDiscoveryStale ? (
          <Status
            value={
              s.discoveryState === null
                ? 'STALE'
                : s.discoveryState.toUpperCase() === 'OK'
                  ? 'EXPIRED'
                  : s.discoveryState
            }
          />
        ) : null}{' '}
        {ago(s.discoveryAt)}
      </td>
      <td class="num">
        {s.ar ? (
          <>
            {fmt(s.ar.availability)} % / {fmt(s.ar.reliability)} %{' '}
            {s.ar.ola ? <Status value={s.ar.ola.isMet ? 'MET' : 'NOT MET'} /> : null}
          </>
        ) : (
          '–'
        )}
      </td>
    </tr>
  );
}

export default function SitesPage(_props: PageProps) {
  useTitle('Sites');
  const [loaded, retry] = useLoad(loadSites, 'sites');
  return (
    <>
      <h1>Sites</h1>
      <p class="lead">
        Every site the hub knows: its checks’ state per service, its last accounting and discovery
        publication, and this month’s availability / reliability (the OLA asks for A ≥ {OLA.availability} %
        and R ≥ {OLA.reliability} %).
      </p>
      <Show loaded={loaded} what="the sites" retry={retry}>
        {({ rows, failed }) => (
          <>
            {failed.length > 0 && (
              <Notice kind="warning">
                <p>Some of the data could not be read:</p>
                <ul>
                  {failed.map((f) => (
                    <li key={f}>{f}</li>
                  ))}
                </ul>
              </Notice>
            )}
            {rows.length === 0 ? (
              <Notice kind="info">No site has registered, published discovery or sent accounting yet.</Notice>
            ) : (
              <Table
                label="Sites"
                head={['Site', 'Monitoring', 'Accounting', 'Discovery', 'A / R this month']}
                caption={
                  <>
                    {rows.length} sites;{' '}
                    {rows.filter((r) => r.isAccountingStale || r.isDiscoveryStale).length} with stale
                    publications
                  </>
                }
              >
                {rows.map((s) => (
                  <Row key={s.name} s={s} />
                ))}
              </Table>
            )}
          </>
        )}
      </Show>
    </>
  );
}
