// One site: its registry entry, endpoints and downtimes, the checks of its services, monthly
// availability and reliability against the OLA, and the VOs, images and flavors it publishes.
import {
  ApiError,
  getJson,
  type ArRow,
  type Check,
  type Flavor,
  type InfoSite,
  type RegistrySiteDetail,
  type SiteImage,
} from '../api.js';
import { PercentLines } from '../chart.js';
import type { PageProps } from '../page.js';
import { OLA, arRange, periodMonth } from '../site-model.js';
import { Notice, Show, Status, ago, fmt, useLoad, useTitle, when, Table } from '../ui.js';
import { monthsOf } from '../accounting-model.js';

/** A part that may be missing (a site not in the registry, nothing published): its absence is said. */
type Part<T> = { value: T } | { missing: string };

async function part<T>(p: Promise<T>): Promise<Part<T>> {
  try {
    return { value: await p };
  } catch (e) {
    if (e instanceof ApiError && e.needsSignIn) throw e;
    return { missing: (e as Error).message };
  }
}

async function loadSite(name: string) {
  const enc = encodeURIComponent(name);
  const range = arRange(new Date());
  const [registry, info, images, flavors, checks, ar] = await Promise.all([
    part(getJson<RegistrySiteDetail>(`/v1/registry/sites/${enc}`)),
    part(getJson<InfoSite>(`/v1/site/${enc}`, { include_projects: true })),
    part(getJson<SiteImage[]>(`/v1/site/${enc}/images`, { only_egi_images: false })),
    part(getJson<Flavor[]>('/v1/flavors', { site: name })),
    part(getJson<{ checks: Check[] }>('/v1/monitoring/status', { site: name })),
    part(
      getJson<{ rows: ArRow[] }>('/v1/monitoring/ar', {
        ...range,
        granularity: 'monthly',
        level: 'site',
        site: name,
      }),
    ),
  ]);
  return { registry, info, images, flavors, checks, ar, range };
}

function Missing(props: { what: string; part: { missing: string } }) {
  return (
    <p class="sub">
      No {props.what}: {props.part.missing}
    </p>
  );
}

export default function SitePage(props: PageProps) {
  const name = props.params.name ?? '';
  useTitle(name);
  const [loaded, retry] = useLoad(() => loadSite(name), name);
  return (
    <>
      <p class="crumbs">
        <a href="/portal/sites">Sites</a> › {name}
      </p>
      <h1>{name}</h1>
      <Show loaded={loaded} what={`site ${name}`} retry={retry}>
        {(d) => {
          const months = monthsOf(d.range.from.slice(0, 7), d.range.to.slice(0, 7));
          const arRows = 'value' in d.ar ? d.ar.value.rows : [];
          const arOf = (m: string) => arRows.find((r) => periodMonth(r.period) === m);
          const reg = 'value' in d.registry ? d.registry.value : undefined;
          if (!reg && !('value' in d.info))
            return (
              <Notice kind="error">
                The hub knows no site named {name}: it is neither registered nor publishing discovery.
              </Notice>
            );
          return (
            <>
              <section aria-labelledby="h-about">
                <h2 id="h-about">About</h2>
                {reg ? (
                  <dl class="facts">
                    <dt>Name</dt>
                    <dd>{reg.site.officialName ?? reg.site.shortName}</dd>
                    <dt>Country</dt>
                    <dd>{reg.site.country ?? '–'}</dd>
                    <dt>Status</dt>
                    <dd>
                      {reg.site.certificationStatus}, {reg.site.productionStatus}
                    </dd>
                    <dt>Contact</dt>
                    <dd>
                      {reg.site.contactEmail ? (
                        <a href={`mailto:${reg.site.contactEmail}`}>{reg.site.contactEmail}</a>
                      ) : (
                        '–'
                      )}
                    </dd>
                    <dt>Last accounting</dt>
                    <dd>{ago(reg.freshness.accounting.lastReceivedAt)}</dd>
                    <dt>Last discovery</dt>
                    <dd>
                      {ago(reg.freshness.discovery.publishedAt)}{' '}
                      {reg.freshness.discovery.status ? (
                        <Status value={reg.freshness.discovery.status} />
                      ) : null}
                    </dd>
                  </dl>
                ) : (
                  <Missing what="registry entry" part={d.registry as { missing: string }} />
                )}
              </section>
              <section aria-labelledby="h-ar">
                <h2 id="h-ar">Availability and reliability</h2>
                {arRows.length ? (
                  <>
                    <PercentLines
                      months={months}
                      lines={[
                        { name: 'Availability', values: months.map((m) => arOf(m)?.availability ?? null) },
                        { name: 'Reliability', values: months.map((m) => arOf(m)?.reliability ?? null) },
                      ]}
                      thresholds={[
                        { name: `OLA A ${OLA.availability} %`, value: OLA.availability },
                        { name: `OLA R ${OLA.reliability} %`, value: OLA.reliability },
                      ]}
                      caption={`Monthly availability and reliability of ${name}, with the OLA thresholds (A ${OLA.availability} %, R ${OLA.reliability} %)`}
                    />
                    <Table
                      label="Monthly A/R"
                      head={['Month', 'Availability', 'Reliability', 'Unknown', 'OLA']}
                    >
                      {arRows.map((r) => (
                        <tr key={r.period}>
                          <th scope="row">{periodMonth(r.period)}</th>
                          <td class="num">{fmt(r.availability)} %</td>
                          <td class="num">{fmt(r.reliability)} %</td>
                          <td class="num">{fmt(r.unknown * 100)} %</td>
                          <td>{r.ola ? <Status value={r.ola.isMet ? 'MET' : 'NOT MET'} /> : '–'}</td>
                        </tr>
                      ))}
                    </Table>
                  </>
                ) : (
                  <p class="sub">No availability figures: the monitor has no results for this site yet.</p>
                )}
              </section>
              <section aria-labelledby="h-endpoints">
                <h2 id="h-endpoints">Endpoints and checks</h2>
                {reg && reg.endpoints.length ? (
                  <ul class="plain">
                    {reg.endpoints.map((e) => (
                      <li key={e.serviceType + e.hostname}>
                        <strong>{e.serviceType}</strong> {e.url ?? e.hostname}{' '}
                        {e.isMonitored ? '' : '(not monitored)'}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p class="sub">No registered endpoints.</p>
                )}
                {'value' in d.checks && d.checks.value.checks.length > 0 && (
                  <Table label="Checks" head={['Metric', 'Host', 'State', 'Last check', 'Summary']}>
                    {d.checks.value.checks.map((c) => (
                      <tr key={c.metric + c.hostname}>
                        <th scope="row">{c.metric}</th>
                        <td>{c.hostname}</td>
                        <td>
                          <Status value={c.status} />
                        </td>
                        <td>{when(c.lastCheck)}</td>
                        <td>{c.summary}</td>
                      </tr>
                    ))}
                  </Table>
                )}
              </section>
              <section aria-labelledby="h-downtimes">
                <h2 id="h-downtimes">Downtimes</h2>
                {reg && reg.downtimes.length ? (
                  <ul class="plain">
                    {reg.downtimes.map((t) => (
                      <li key={t.primaryKey}>
                        <Status value={t.severity} /> {when(t.start)} – {when(t.end)}: {t.description}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p class="sub">No downtimes declared.</p>
                )}
              </section>
              <section aria-labelledby="h-vos">
                <h2 id="h-vos">VOs</h2>
                {'value' in d.info && d.info.value.projects?.length ? (
                  <ul class="plain">
                    {d.info.value.projects.map((p) => (
                      <li key={p.id}>
                        {p.name} <span class="sub">(project {p.id})</span>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p class="sub">No VO shares published.</p>
                )}
              </section>
              <section aria-labelledby="h-images">
                <h2 id="h-images">Images</h2>
                {'value' in d.images && d.images.value.length ? (
                  <Table label="Images" head={['Image', 'Version', 'VO', 'Marketplace']}>
                    {d.images.value.map((i) => (
                      <tr key={i.id + i.vo}>
                        <th scope="row">{i.name}</th>
                        <td>{i.version}</td>
                        <td>{i.vo}</td>
                        <td>{i.mpuri ? <a href={i.mpuri}>{i.mpuri}</a> : '–'}</td>
                      </tr>
                    ))}
                  </Table>
                ) : (
                  <p class="sub">No images published.</p>
                )}
              </section>
              <section aria-labelledby="h-flavors">
                <h2 id="h-flavors">Flavors</h2>
                {'value' in d.flavors && d.flavors.value.length ? (
                  <ul class="plain columns">
                    {d.flavors.value.map((f) => (
                      <li key={f.id}>
                        <strong>{f.name}</strong>: {f.cpu} vCPU, {fmt(f.ram_mb / 1024)} GiB RAM, {f.disk_gb}{' '}
                        GB disk
                        {f.accelerator
                          ? `, ${f.accelerator.number} × ${f.accelerator.model ?? f.accelerator.type}`
                          : ''}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p class="sub">No flavors published.</p>
                )}
              </section>
            </>
          );
        }}
      </Show>
    </>
  );
}
