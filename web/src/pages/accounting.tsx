// Accounting: usage per month stacked by VO or site (wall and CPU hours, VMs, GPU hours,
// storage), the VO × site × month matrix, filters kept in the URL, and the matrix as CSV.
import { useMemo } from 'preact/hooks';
import { getJson, type AccountingSite } from '../api.js';
import {
  METRICS,
  apiQuery,
  cellsOf,
  matrixCsv,
  matrixOf,
  monthsOf,
  parseFilters,
  queryOf,
  seriesOf,
  type AccountingFilters,
  type Metric,
  type StackBy,
} from '../accounting-model.js';
import { StackedBars } from '../chart.js';
import type { PageProps } from '../page.js';
import { navigate } from '../router.js';
import { Notice, Show, fmt, useLoad, useTitle } from '../ui.js';

/** A comma-separated list of names, offering the known ones. */
function NamesInput(props: {
  label: string;
  name: string;
  value: readonly string[];
  known: readonly string[];
}) {
  return (
    <>
      <label>
        {props.label}{' '}
        <input
          name={props.name}
          list={`${props.name}-names`}
          value={props.value.join(',')}
          placeholder="all"
          size={18}
        />
      </label>
      <datalist id={`${props.name}-names`}>
        {props.known.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
    </>
  );
}

function Filters(props: { filters: AccountingFilters; sites: string[]; vos: string[] }) {
  const f = props.filters;
  const go = (next: Partial<AccountingFilters>) => {
    const q = queryOf({ ...f, ...next }, new Date());
    navigate(`/portal/accounting${q ? `?${q}` : ''}`);
  };
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const list = (k: string) =>
      String(form.get(k) ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    const q = new URLSearchParams(queryOf(f, new Date()));
    for (const [k, v] of [
      ['from', String(form.get('from') ?? '')],
      ['to', String(form.get('to') ?? '')],
      ['site', list('site').join(',')],
      ['vo', list('vo').join(',')],
    ] as const)
      if (v) q.set(k, v);
      else q.delete(k);
    navigate(`/portal/accounting?${q.toString()}`);
  };
  return (
    <form class="filters" onSubmit={onSubmit} aria-label="Filters">
      <label>
        From <input type="month" name="from" value={f.from} required />
      </label>
      <label>
        To <input type="month" name="to" value={f.to} required />
      </label>
      <NamesInput label="Sites" name="site" value={f.sites} known={props.sites} />
      <NamesInput label="VOs" name="vo" value={f.vos} known={props.vos} />
      <button type="submit">Show</button>
      <label>
        Measure{' '}
        <select
          name="metric"
          value={f.metric}
          onChange={(e) => go({ metric: e.currentTarget.value as Metric })}
        >
          {Object.entries(METRICS).map(([k, m]) => (
            <option key={k} value={k}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Stack by{' '}
        <select name="by" value={f.by} onChange={(e) => go({ by: e.currentTarget.value as StackBy })}>
          <option value="vo" disabled={f.metric === 'gpu'}>
            VO
          </option>
          <option value="site">Site</option>
        </select>
      </label>
    </form>
  );
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function View(props: { filters: AccountingFilters; rows: unknown[] }) {
  const f = props.filters;
  const months = useMemo(() => monthsOf(f.from, f.to), [f.from, f.to]);
  const cells = useMemo(() => cellsOf(f.metric, props.rows), [props.rows, f.metric]);
  const matrix = useMemo(() => matrixOf(cells, months), [cells, months]);
  const series = useMemo(() => seriesOf(cells, months, f.by), [cells, months, f.by]);
  const m = METRICS[f.metric];
  if (matrix.rows.length === 0)
    return (
      <Notice kind="info">
        No {m.label.toLowerCase()} recorded from {f.from} to {f.to}
        {f.sites.length ? ` at ${f.sites.join(', ')}` : ''}
        {f.vos.length ? ` for ${f.vos.join(', ')}` : ''}.
      </Notice>
    );
  const csvName = `accounting-${f.metric}-${f.from}-${f.to}.csv`;
  return (
    <>
      <p class="total">
        <strong>
          {fmt(matrix.total)} {m.unit}
        </strong>{' '}
        of {m.label.toLowerCase()} from {f.from} to {f.to}
        {f.metric === 'storage' ? ' (sum of the monthly snapshots)' : ''}.
      </p>
      <StackedBars
        months={months}
        series={series}
        unit={m.unit}
        caption={`${m.label} per month, stacked by ${f.by === 'vo' ? 'VO' : 'site'}, ${f.from} to ${f.to}`}
      />
      <div class="actions">
        <button type="button" onClick={() => download(csvName, matrixCsv(matrix, f.metric))}>
          Download CSV
        </button>
        <span class="hint">the table below, as shown</span>
      </div>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="VO × site × month">
        <table class="matrix">
          <caption>
            {m.label} ({m.unit}) per VO, site and month
          </caption>
          <thead>
            <tr>
              <th scope="col">VO</th>
              <th scope="col">Site</th>
              {months.map((mo) => (
                <th scope="col" key={mo}>
                  {mo}
                </th>
              ))}
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {matrix.rows.map((r) => (
              <tr key={`${r.vo} ${r.site}`}>
                <th scope="row">{r.vo}</th>
                <td>
                  <a href={`/portal/sites/${encodeURIComponent(r.site)}`}>{r.site}</a>
                </td>
                {r.values.map((v, i) => (
                  <td key={months[i]} class="num">
                    {v ? fmt(v) : ''}
                  </td>
                ))}
                <td class="num">
                  <strong>{fmt(r.total)}</strong>
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={2}>
                Total
              </th>
              {matrix.totals.map((v, i) => (
                <td key={months[i]} class="num">
                  {fmt(v)}
                </td>
              ))}
              <td class="num">
                <strong>{fmt(matrix.total)}</strong>
              </td>
            </tr>
          </tfoot>
        </table>
      </div>
    </>
  );
}

export default function AccountingPage(props: PageProps) {
  useTitle('Accounting');
  const { filters, problems } = parseFilters(props.query, new Date());
  const { path, params } = apiQuery(filters);
  const key = `${path}?${new URLSearchParams(params).toString()}`;
  const [rows, retry] = useLoad(async () => {
    const answer = await getJson<Record<string, unknown[]>>(path, params);
    return answer.summaries ?? answer.storage ?? answer.accelerators ?? [];
  }, key);
  const [names] = useLoad(async () => {
    const [sites, vos] = await Promise.all([
      getJson<{ sites: AccountingSite[] }>('/v1/accounting/sites').catch(() => ({ sites: [] })),
      getJson<string[]>('/v1/vos').catch(() => []),
    ]);
    return { sites: sites.sites.map((s) => s.site), vos };
  }, 'names');
  const known = names.state === 'ok' ? names.value : { sites: [], vos: [] };
  return (
    <>
      <h1>Accounting</h1>
      <p class="lead">
        Usage reported by the sites’ accounting (APEL cloud, accelerator and storage records), per month.
        Share this view with its address.
      </p>
      {problems.length > 0 && (
        <Notice kind="warning">
          <p>Some filters in the address could not be used:</p>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Notice>
      )}
      <Filters filters={filters} sites={known.sites} vos={known.vos} />
      <Show loaded={rows} what="the accounting" retry={retry}>
        {(value) => <View filters={filters} rows={value} />}
      </Show>
    </>
  );
}
