// Unit tests of the accounting page's pure model: the URL's filters, the API query, the cells, the
// matrix, the chart's series and the CSV.
import { describe, expect, it } from 'vitest';
import {
  addMonths,
  apiQuery,
  cellsOf,
  matrixCsv,
  matrixOf,
  monthsOf,
  parseFilters,
  queryOf,
  seriesOf,
  type AccountingFilters,
  type Cell,
} from '../../../web/src/accounting-model.js';

/** 2026-03-15, the tests' "now": the default view is 2025-04 … 2026-03. */
const NOW = new Date(Date.UTC(2026, 2, 15, 12));

const parse = (query: string) => parseFilters(new URLSearchParams(query), NOW);

describe('addMonths and monthsOf', () => {
  it('steps across year boundaries both ways', () => {
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2025-12', 1)).toBe('2026-01');
    expect(addMonths('2026-03', -11)).toBe('2025-04');
    expect(addMonths('2026-03', 24)).toBe('2028-03');
  });

  it('lists the months from and to, inclusive, and none when from is after to', () => {
    expect(monthsOf('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsOf('2026-02', '2026-02')).toEqual(['2026-02']);
    expect(monthsOf('2026-03', '2026-02')).toEqual([]);
  });
});

describe('parseFilters', () => {
  it('gives the 12 months up to now, wall-clock hours stacked by VO, without a query', () => {
    expect(parse('')).toEqual({
      filters: { from: '2025-04', to: '2026-03', sites: [], vos: [], metric: 'wall', by: 'vo' },
      problems: [],
    });
  });

  it('reads every filter of a complete query', () => {
    const { filters, problems } = parse('from=2024-01&to=2024-06&site=A,B&vo=vo.x.eu&metric=cpu&by=site');
    expect(problems).toEqual([]);
    expect(filters).toEqual({
      from: '2024-01',
      to: '2024-06',
      sites: ['A', 'B'],
      vos: ['vo.x.eu'],
      metric: 'cpu',
      by: 'site',
    });
  });

  it('replaces a broken month by its default and names it', () => {
    const { filters, problems } = parse('to=2025-13&from=2025-1');
    expect(filters.to).toBe('2026-03');
    expect(filters.from).toBe('2025-04');
    expect(problems).toEqual([
      'to="2025-13" is not a month (expected YYYY-MM, such as 2026-03); ignored',
      'from="2025-1" is not a month (expected YYYY-MM, such as 2026-03); ignored',
    ]);
  });

  it('keeps a good to when from is broken, and counts the default from back from it', () => {
    const { filters, problems } = parse('to=2024-06&from=june');
    expect(filters).toMatchObject({ from: '2023-07', to: '2024-06' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('from="june"');
  });

  it('shows the 12 months up to to when from is after to', () => {
    const { filters, problems } = parse('from=2026-05&to=2026-02');
    expect(filters).toMatchObject({ from: '2025-03', to: '2026-02' });
    expect(problems).toEqual(['from=2026-05 is after to=2026-02; showing the 12 months up to 2026-02']);
  });

  it('limits the span to 10 years', () => {
    const { filters, problems } = parse('from=2000-01&to=2026-03');
    expect(filters.from).toBe('2016-04');
    expect(monthsOf(filters.from, filters.to)).toHaveLength(120);
    expect(problems).toEqual(['from=2000-01 to=2026-03 spans more than 10 years; showing the last 10 years']);
    expect(parse('from=2016-04&to=2026-03').problems).toEqual([]);
  });

  it('replaces a metric or stacking it does not know by the default and names it', () => {
    const metric = parse('metric=joules');
    expect(metric.filters.metric).toBe('wall');
    expect(metric.problems).toEqual([
      'metric="joules" is not one of wall, cpu, vms, gpu, storage; showing wall',
    ]);
    const by = parse('by=user');
    expect(by.filters.by).toBe('vo');
    expect(by.problems).toEqual(['by="user" is not one of vo, site; showing vo']);
  });

  it('drops the names that are not names, keeps the others trimmed, and says which', () => {
    const { filters, problems } = parse(
      `site=${encodeURIComponent(' GOOD-1 ,-bad,,ok.two ')}&vo=a%20b,vo.ok`,
    );
    expect(filters.sites).toEqual(['GOOD-1', 'ok.two']);
    expect(filters.vos).toEqual(['vo.ok']);
    expect(problems).toEqual(['site=: "-bad" is not a name; ignored', 'vo=: "a b" is not a name; ignored']);
  });

  it('refuses a name longer than 128 characters', () => {
    const { filters, problems } = parse(`site=${'a'.repeat(129)},${'b'.repeat(128)}`);
    expect(filters.sites).toEqual(['b'.repeat(128)]);
    expect(problems).toHaveLength(1);
  });

  it('stacks GPU hours by site, since the accelerator view has no VO', () => {
    expect(parse('metric=gpu').filters.by).toBe('site');
    const explicit = parse('metric=gpu&by=vo');
    expect(explicit.filters.by).toBe('site');
    expect(explicit.problems).toEqual([]);
    expect(parse('metric=storage&by=vo').filters.by).toBe('vo');
  });
});

describe('queryOf', () => {
  it('leaves the defaults out', () => {
    expect(queryOf(parse('').filters, NOW)).toBe('');
    expect(queryOf(parse('metric=gpu').filters, NOW)).toBe('metric=gpu');
  });

  it('gives back the filters parseFilters read (round trip)', () => {
    const views: AccountingFilters[] = [
      { from: '2024-01', to: '2024-06', sites: ['A', 'B'], vos: ['vo.x.eu'], metric: 'cpu', by: 'site' },
      { from: '2025-04', to: '2026-03', sites: [], vos: ['v1', 'v2'], metric: 'vms', by: 'vo' },
      { from: '2025-02', to: '2026-01', sites: ['S'], vos: [], metric: 'gpu', by: 'site' },
      { from: '2026-03', to: '2026-03', sites: [], vos: [], metric: 'storage', by: 'site' },
    ];
    for (const f of views) {
      const q = queryOf(f, NOW);
      expect(parseFilters(new URLSearchParams(q), NOW)).toEqual({ filters: f, problems: [] });
    }
  });

  it('names a to other than this month, and a from other than 11 months before to', () => {
    const f = parse('to=2025-06').filters;
    expect(queryOf(f, NOW)).toBe('to=2025-06');
    expect(queryOf({ ...f, from: '2025-01' }, NOW)).toBe('to=2025-06&from=2025-01');
  });
});

describe('apiQuery', () => {
  const base: AccountingFilters = {
    from: '2025-04',
    to: '2026-03',
    sites: [],
    vos: [],
    metric: 'wall',
    by: 'vo',
  };

  it('asks the summaries grouped by month, site and VO for wall, CPU and VMs', () => {
    for (const metric of ['wall', 'cpu', 'vms'] as const)
      expect(apiQuery({ ...base, metric })).toEqual({
        path: '/v1/accounting/summaries',
        params: { from: '2025-04', to: '2026-03', group_by: 'month,site,vo' },
      });
  });

  it('passes the sites and VOs as comma lists', () => {
    expect(apiQuery({ ...base, sites: ['A', 'B'], vos: ['v1', 'v2'] }).params).toEqual({
      from: '2025-04',
      to: '2026-03',
      site: 'A,B',
      vo: 'v1,v2',
      group_by: 'month,site,vo',
    });
  });

  it('asks the accelerator view for GPU hours and the storage view for storage, without group_by', () => {
    expect(apiQuery({ ...base, metric: 'gpu', by: 'site', sites: ['A'] })).toEqual({
      path: '/v1/accounting/accelerators',
      params: { from: '2025-04', to: '2026-03', site: 'A' },
    });
    expect(apiQuery({ ...base, metric: 'storage', vos: ['v1'] })).toEqual({
      path: '/v1/accounting/storage',
      params: { from: '2025-04', to: '2026-03', vo: 'v1' },
    });
  });
});

describe('cellsOf', () => {
  const summaries = [
    { site: 'A', vo: 'v1', year: 2026, month: 3, wallDuration: 7200, cpuDuration: 3600, numberOfVms: 2 },
    { site: 'A', vo: 'v1', year: 2026, month: 3, wallDuration: 1000, cpuDuration: 1000, numberOfVms: 1 },
    { site: 'B', vo: null, year: 2026, month: '02', wallDuration: 1000, cpuDuration: 10, numberOfVms: 5 },
    { site: 'B', vo: 'v2', month: '2026-01', wallDuration: 3600, cpuDuration: 0, numberOfVms: 1 },
  ];

  it('gives wall-clock hours per VO, site and month, summed, then rounded to 2 decimals', () => {
    expect(cellsOf('wall', summaries)).toEqual([
      // (7200 + 1000) / 3600 = 2.2777…
      { vo: 'v1', site: 'A', month: '2026-03', value: 2.28 },
      // 1000 / 3600 = 0.2777…; a row without VO counts as —
      { vo: '—', site: 'B', month: '2026-02', value: 0.28 },
      { vo: 'v2', site: 'B', month: '2026-01', value: 1 },
    ]);
  });

  it('gives CPU hours and VMs from the same rows', () => {
    expect(cellsOf('cpu', summaries).map((c) => c.value)).toEqual([1.28, 0, 0]);
    expect(cellsOf('vms', summaries).map((c) => c.value)).toEqual([3, 5, 1]);
  });

  it('rounds after summing, not each row', () => {
    const rows = [1, 2, 3].map(() => ({
      site: 'A',
      vo: 'v',
      year: 2026,
      month: 1,
      wallDuration: 12, // 0.0033 h each: each rounded alone would be 0; summed, 36 s is 0.01 h
      cpuDuration: 0,
      numberOfVms: 1,
    }));
    expect(cellsOf('wall', rows)).toEqual([{ vo: 'v', site: 'A', month: '2026-01', value: 0.01 }]);
  });

  it('gives storage in GB (capacityUsed / 1e9) per VO, site and month', () => {
    const storage = [
      { site: 'A', month: '2026-03', vo: 'v1', capacityUsed: 1.5e9, maxCapacityUsed: 2e9 },
      { site: 'A', month: '2026-03', vo: 'v1', capacityUsed: 123_456_789, maxCapacityUsed: 0 },
      { site: 'B', month: '2026-02', vo: null, capacityUsed: 5e12, maxCapacityUsed: 5e12 },
    ];
    expect(cellsOf('storage', storage)).toEqual([
      { vo: 'v1', site: 'A', month: '2026-03', value: 1.62 },
      { vo: '—', site: 'B', month: '2026-02', value: 5000 },
    ]);
  });

  it('gives GPU hours from acceleratorHours, per site and month, without VO', () => {
    const accelerators = [
      {
        site: 'A',
        month: '2026-03',
        type: 'GPU',
        count: 2,
        activeDuration: 3600,
        availableDuration: 7200,
        acceleratorHours: 2,
      },
      {
        site: 'A',
        month: '2026-03',
        type: 'FPGA',
        count: 1,
        activeDuration: 60,
        availableDuration: 60,
        acceleratorHours: 1 / 60,
      },
    ];
    expect(cellsOf('gpu', accelerators)).toEqual([{ vo: '—', site: 'A', month: '2026-03', value: 2.02 }]);
  });

  it('gives no cells for no rows', () => {
    expect(cellsOf('wall', [])).toEqual([]);
  });
});

describe('matrixOf', () => {
  const months = ['2026-01', '2026-02', '2026-03'];
  const cells: Cell[] = [
    { vo: 'v2', site: 'A', month: '2026-01', value: 1.25 },
    { vo: 'v1', site: 'B', month: '2026-02', value: 2 },
    { vo: 'v1', site: 'A', month: '2026-03', value: 0.1 },
    { vo: 'v1', site: 'A', month: '2026-01', value: 0.2 },
    { vo: 'v1', site: 'A', month: '2025-12', value: 100 }, // outside the months: left out
  ];

  it('has one row per VO and site, sorted, with a column per month and the row total', () => {
    const m = matrixOf(cells, months);
    expect(m.months).toEqual(months);
    expect(m.rows).toEqual([
      { vo: 'v1', site: 'A', values: [0.2, 0, 0.1], total: 0.3 },
      { vo: 'v1', site: 'B', values: [0, 2, 0], total: 2 },
      { vo: 'v2', site: 'A', values: [1.25, 0, 0], total: 1.25 },
    ]);
  });

  it('totals each month and the whole, rounded to 2 decimals (0.1 + 0.2 is 0.3)', () => {
    const m = matrixOf(cells, months);
    expect(m.totals).toEqual([1.45, 2, 0.1]);
    expect(m.total).toBe(3.55);
  });

  it('is empty without cells', () => {
    expect(matrixOf([], months)).toEqual({ months, rows: [], totals: [0, 0, 0], total: 0 });
  });
});

describe('seriesOf', () => {
  const months = ['2026-01', '2026-02'];
  const cells: Cell[] = [
    { vo: 'small', site: 'A', month: '2026-01', value: 1 },
    { vo: 'big', site: 'A', month: '2026-01', value: 10 },
    { vo: 'big', site: 'B', month: '2026-02', value: 5 },
    { vo: 'mid', site: 'B', month: '2026-02', value: 7 },
    { vo: 'tiny', site: 'C', month: '2026-02', value: 0.5 },
    { vo: 'mid', site: 'C', month: '2025-12', value: 99 }, // outside the months
  ];

  it('gives one series per VO with its value per month, biggest total first', () => {
    expect(seriesOf(cells, months, 'vo')).toEqual([
      { name: 'big', values: [10, 5] },
      { name: 'mid', values: [0, 7] },
      { name: 'small', values: [1, 0] },
      { name: 'tiny', values: [0, 0.5] },
    ]);
  });

  it('stacks by site when asked', () => {
    expect(seriesOf(cells, months, 'site')).toEqual([
      { name: 'B', values: [0, 12] },
      { name: 'A', values: [11, 0] },
      { name: 'C', values: [0, 0.5] },
    ]);
  });

  it('puts the series beyond max into one "N more" series, summed per month', () => {
    expect(seriesOf(cells, months, 'vo', 2)).toEqual([
      { name: 'big', values: [10, 5] },
      { name: 'mid', values: [0, 7] },
      { name: '2 more', values: [1, 0.5] },
    ]);
  });

  it('orders equal totals by name', () => {
    const even: Cell[] = [
      { vo: 'b', site: 'S', month: '2026-01', value: 1 },
      { vo: 'a', site: 'S', month: '2026-02', value: 1 },
    ];
    expect(seriesOf(even, months, 'vo').map((s) => s.name)).toEqual(['a', 'b']);
  });
});

describe('matrixCsv', () => {
  it('writes the header, a line per row, and the totals line, CRLF-terminated', () => {
    const m = matrixOf(
      [
        { vo: 'v1', site: 'A', month: '2026-01', value: 1.5 },
        { vo: 'v1', site: 'A', month: '2026-02', value: 2 },
        { vo: 'v2', site: 'B', month: '2026-02', value: 0.25 },
      ],
      ['2026-01', '2026-02'],
    );
    expect(matrixCsv(m, 'wall')).toBe(
      'vo,site,2026-01,2026-02,total\r\n' +
        'v1,A,1.5,2,3.5\r\n' +
        'v2,B,0,0.25,0.25\r\n' +
        'total (Wall-clock hours),,1.5,2.25,3.75\r\n',
    );
  });

  it('quotes the fields with a comma, a quote or a line break (RFC 4180)', () => {
    const m = matrixOf(
      [
        { vo: 'vo "x"', site: 'A,B', month: '2026-01', value: 1 },
        { vo: 'v', site: 'line\nbreak', month: '2026-01', value: 2 },
      ],
      ['2026-01'],
    );
    const lines = matrixCsv(m, 'storage').split('\r\n');
    expect(lines).toEqual([
      'vo,site,2026-01,total',
      'v,"line\nbreak",2,2',
      '"vo ""x""","A,B",1,1',
      'total (Storage used),,3,3',
      '',
    ]);
  });

  it('writes only the header and the totals line for an empty matrix', () => {
    expect(matrixCsv(matrixOf([], ['2026-01']), 'gpu')).toBe(
      'vo,site,2026-01,total\r\ntotal (GPU hours),,0,0\r\n',
    );
  });
});
