// The accounting page's model, pure: its filters (kept in the URL), the API query they make, and
// the chart's series and the VO × site × month matrix built from the hub's rows. The CSV the page
// offers is the matrix, cell for cell.
import type { AcceleratorRow, StorageRow, SummaryRow } from './api.js';

/** What the page shows. */
export type Metric = 'wall' | 'cpu' | 'vms' | 'gpu' | 'storage';
/** What the chart stacks. */
export type StackBy = 'vo' | 'site';

export const METRICS: Record<Metric, { label: string; unit: string }> = {
  wall: { label: 'Wall-clock hours', unit: 'h' },
  cpu: { label: 'CPU hours', unit: 'h' },
  vms: { label: 'VMs', unit: 'VMs' },
  gpu: { label: 'GPU hours', unit: 'h' },
  storage: { label: 'Storage used', unit: 'GB' },
};

/** The page's filters. */
export interface AccountingFilters {
  /** YYYY-MM, inclusive. */
  readonly from: string;
  readonly to: string;
  readonly sites: readonly string[];
  readonly vos: readonly string[];
  readonly metric: Metric;
  readonly by: StackBy;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

/** `YYYY-MM` `n` months after `month` (before, for a negative `n`). */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const i = y * 12 + (m - 1) + n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** The months from `from` to `to`, inclusive. */
export function monthsOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = from; m <= to && out.length < 1200; m = addMonths(m, 1)) out.push(m);
  return out;
}

/** The month of `now`, UTC. */
export function monthOf(now: Date): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * Reads the filters from a URL's query. A value that cannot be used is replaced by its default
 * and named in `problems`, so the page says what it ignored instead of breaking.
 */
export function parseFilters(
  query: URLSearchParams,
  now: Date,
): { filters: AccountingFilters; problems: string[] } {
  const problems: string[] = [];
  const to0 = monthOf(now);
  const month = (key: string, fallback: string): string => {
    const v = query.get(key);
    if (v === null || v === '') return fallback;
    if (MONTH.test(v)) return v;
    problems.push(`${key}=${JSON.stringify(v)} is not a month (expected YYYY-MM, such as ${to0}); ignored`);
    return fallback;
  };
  const to = month('to', to0);
  let from = month('from', addMonths(to, -11));
  if (from > to) {
    problems.push(`from=${from} is after to=${to}; showing the 12 months up to ${to}`);
    from = addMonths(to, -11);
  }
  if (monthsOf(from, to).length > 120) {
    problems.push(`from=${from} to=${to} spans more than 10 years; showing the last 10 years`);
    from = addMonths(to, -119);
  }
  const list = (key: string): string[] => {
    const v = query.get(key);
    if (!v) return [];
    const names = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = names.filter((n) => !NAME.test(n));
    if (bad.length)
      problems.push(`${key}=: ${bad.map((b) => JSON.stringify(b)).join(', ')} is not a name; ignored`);
    return names.filter((n) => NAME.test(n));
  };
  const sites = list('site');
  const vos = list('vo');
  const choice = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = query.get(key);
    if (v === null || v === '') return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    problems.push(`${key}=${JSON.stringify(v)} is not one of ${allowed.join(', ')}; showing ${fallback}`);
    return fallback;
  };
  const metric = choice<Metric>('metric', Object.keys(METRICS) as Metric[], 'wall');
  let by = choice<StackBy>('by', ['vo', 'site'], 'vo');
  if (metric === 'gpu' && by === 'vo') by = 'site'; // the accelerator view has no VO
  return { filters: { from, to, sites, vos, metric, by }, problems };
}

/** The URL query of `filters` (defaults left out), for sharing the view. */
export function queryOf(f: AccountingFilters, now: Date): string {
  const q = new URLSearchParams();
  const to0 = monthOf(now);
  if (f.to !== to0) q.set('to', f.to);
  if (f.from !== addMonths(f.to, -11)) q.set('from', f.from);
  if (f.sites.length) q.set('site', f.sites.join(','));
  if (f.vos.length) q.set('vo', f.vos.join(','));
  if (f.metric !== 'wall') q.set('metric', f.metric);
  if (f.by !== (f.metric === 'gpu' ? 'site' : 'vo')) q.set('by', f.by);
  return q.toString();
}

/** The hub's API call of a view: its path and query. */
export function apiQuery(f: AccountingFilters): { path: string; params: Record<string, string> } {
  const params: Record<string, string> = { from: f.from, to: f.to };
  if (f.sites.length) params.site = f.sites.join(',');
  if (f.vos.length) params.vo = f.vos.join(',');
  if (f.metric === 'gpu') return { path: '/v1/accounting/accelerators', params };
  if (f.metric === 'storage') return { path: '/v1/accounting/storage', params };
  return { path: '/v1/accounting/summaries', params: { ...params, group_by: 'month,site,vo' } };
}

/** One value of the matrix: a VO (or `—` where the rows have none) at a site in a month. */
export interface Cell {
  readonly vo: string;
  readonly site: string;
  readonly month: string;
  readonly value: number;
}

const NO_VO = '—';

/** `YYYY-MM` of a summary row (its year and month). */
function summaryMonth(r: SummaryRow): string {
  const m = String(r.month ?? '');
  return MONTH.test(m) ? m : `${r.year}-${m.padStart(2, '0')}`;
}

/** Rounds to 2 decimals (what the page and the CSV show). */
export const round2 = (n: number): number => Math.round(n * 100) / 100;

/** The cells of a view from the API's rows, summed per (VO, site, month). */
export function cellsOf(metric: Metric, rows: readonly unknown[]): Cell[] {
  const sums = new Map<string, Cell & { value: number }>();
  const add = (vo: string | null | undefined, site: string, month: string, value: number) => {
    const key = `${vo ?? NO_VO}\u0000${site}\u0000${month}`;
    const cell = sums.get(key);
    if (cell) cell.value += value;
    else sums.set(key, { vo: vo ?? NO_VO, site, month, value });
  };
  // the rows are those of the metric's API call (apiQuery)
  for (const r of rows) {
    if (metric === 'gpu') {
      const a = r as AcceleratorRow;
      add(undefined, a.site, a.month, a.acceleratorHours);
    } else if (metric === 'storage') {
      const s = r as StorageRow;
      add(s.vo, s.site, s.month, s.capacityUsed / 1e9);
    } else {
      const s = r as SummaryRow;
      const value =
        metric === 'wall' ? s.wallDuration / 3600 : metric === 'cpu' ? s.cpuDuration / 3600 : s.numberOfVms;
      add(s.vo, s.site ?? '', summaryMonth(s), value);
    }
  }
  return [...sums.values()].map((c) => ({ ...c, value: round2(c.value) }));
}

/** The matrix: one row per (VO, site), a column per month, and the row's total. */
export interface Matrix {
  readonly months: readonly string[];
  readonly rows: readonly { vo: string; site: string; values: number[]; total: number }[];
  readonly totals: readonly number[];
  readonly total: number;
}

export function matrixOf(cells: readonly Cell[], months: readonly string[]): Matrix {
  const col = new Map(months.map((m, i) => [m, i]));
  const rows = new Map<string, { vo: string; site: string; values: number[]; total: number }>();
  for (const c of cells) {
    const i = col.get(c.month);
    if (i === undefined) continue;
    const key = `${c.vo}\u0000${c.site}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { vo: c.vo, site: c.site, values: months.map(() => 0), total: 0 }));
    row.values[i] = round2(row.values[i]! + c.value);
  }
  const sorted = [...rows.values()].sort((a, b) => a.vo.localeCompare(b.vo) || a.site.localeCompare(b.site));
  for (const r of sorted) r.total = round2(r.values.reduce((s, v) => s + v, 0));
  const totals = months.map((_, i) => round2(sorted.reduce((s, r) => s + r.values[i]!, 0)));
  return { months, rows: sorted, totals, total: round2(totals.reduce((s, v) => s + v, 0)) };
}

/** The chart's series: per stacked key (VO or site), its value per month; biggest first. */
export function seriesOf(
  cells: readonly Cell[],
  months: readonly string[],
  by: StackBy,
  max = 8,
): { name: string; values: number[] }[] {
  const col = new Map(months.map((m, i) => [m, i]));
  const byKey = new Map<string, number[]>();
  for (const c of cells) {
    const i = col.get(c.month);
    if (i === undefined) continue;
    const key = by === 'vo' ? c.vo : c.site;
    let values = byKey.get(key);
    if (!values) byKey.set(key, (values = months.map(() => 0)));
    values[i]! += c.value;
  }
  const all = [...byKey.entries()]
    .map(([name, values]) => ({ name, values, total: values.reduce((s, v) => s + v, 0) }))
    .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
  const shown = all.slice(0, max).map(({ name, values }) => ({ name, values }));
  const rest = all.slice(max);
  if (rest.length)
    shown.push({
      name: `${rest.length} more`,
      values: months.map((_, i) => rest.reduce((s, r) => s + r.values[i]!, 0)),
    });
  return shown;
}

/** One CSV field (RFC 4180 quoting). */
function field(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The matrix as CSV: vo, site, a column per month, total; then the totals line. */
export function matrixCsv(m: Matrix, metric: Metric): string {
  const head = ['vo', 'site', ...m.months, 'total'];
  const lines = [head, ...m.rows.map((r) => [r.vo, r.site, ...r.values, r.total])];
  lines.push([`total (${METRICS[metric].label})`, '', ...m.totals, m.total]);
  return lines.map((l) => l.map(field).join(',')).join('\r\n') + '\r\n';
}
