// Charts with uPlot: stacked bars of a measure per month, and lines with threshold lines (A/R).
// Each sits in a figure whose caption says what it shows; the page's table holds the same numbers.
import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Colours with at least 3:1 contrast on white, told apart by the legend's names too. */
const PALETTE = [
  '#1f5f99',
  '#c2410c',
  '#15803d',
  '#7e22ce',
  '#b91c1c',
  '#0e7490',
  '#a16207',
  '#be185d',
  '#4b5563',
];

/** Seconds at the middle of month `YYYY-MM` (uPlot's x is time in seconds). */
function monthX(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return Date.UTC(y, m - 1, 15) / 1000;
}

function useChart(make: (width: number) => uPlot.Options, data: uPlot.AlignedData, key: string) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(280, el.clientWidth);
    const plot = new uPlot(make(width()), data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: plot.height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [key]);
  return box;
}

/** The x range: the months, with half a month either side (one month is not stretched to years). */
const monthRange: uPlot.Scale.Range = (_u, min, max) => [min - 16 * 86_400, max + 16 * 86_400];

/** The x series: months, shown as YYYY-MM in the legend. */
const monthSeries: uPlot.Series = {
  label: 'Month',
  value: (_u, v) => (v === null ? '' : new Date(v * 1000).toISOString().slice(0, 7)),
};

const monthAxis: uPlot.Axis = {
  values: (_u, splits) => splits.map((s) => new Date(s * 1000).toISOString().slice(0, 7)),
};

/** The chart's box in a figure with its caption (also its accessible name). */
function ChartFigure(props: { box: RefObject<HTMLDivElement>; caption: string }) {
  return (
    <figure class="chart">
      <div ref={props.box} role="img" aria-label={props.caption} />
      <figcaption>{props.caption}</figcaption>
    </figure>
  );
}

/**
 * Stacked bars: per month, each series on top of the ones before it.
 * @param series biggest first; `unit` labels the y axis.
 */
export function StackedBars(props: {
  months: readonly string[];
  series: readonly { name: string; values: readonly number[] }[];
  unit: string;
  caption: string;
}) {
  const { months, series, unit } = props;
  // cumulative sums, drawn from the tallest down so each bar covers the part below it
  const cumulative: number[][] = [];
  series.forEach((s, i) => cumulative.push(s.values.map((v, j) => v + (i > 0 ? cumulative[i - 1]![j]! : 0))));
  const order = series.map((_, i) => series.length - 1 - i);
  const data = [months.map(monthX), ...order.map((i) => cumulative[i]!)] as uPlot.AlignedData;
  const bars = uPlot.paths.bars!({ size: [0.7, 60] });
  const key = JSON.stringify([months, series, unit]);
  const box = useChart(
    (width) => ({
      width,
      height: 320,
      scales: {
        x: { time: true, range: monthRange },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
      },
      axes: [monthAxis, { label: unit, size: 70 }],
      series: [
        monthSeries,
        ...order.map((i) => ({
          label: series[i]!.name,
          fill: PALETTE[i % PALETTE.length],
          stroke: PALETTE[i % PALETTE.length],
          paths: bars,
          points: { show: false },
          value: (_u: uPlot, _v: number | null, _s: number, idx: number | null) =>
            idx === null ? '' : `${Math.round(series[i]!.values[idx]! * 100) / 100} ${unit}`,
        })),
      ],
    }),
    data,
    key,
  );
  return <ChartFigure box={box} caption={props.caption} />;
}

/** Lines of percentages per month with dashed threshold lines (such as the OLA's). */
export function PercentLines(props: {
  months: readonly string[];
  lines: readonly { name: string; values: readonly (number | null)[] }[];
  thresholds: readonly { name: string; value: number }[];
  caption: string;
}) {
  const { months, lines, thresholds } = props;
  const data = [
    months.map(monthX),
    ...lines.map((l) => [...l.values]),
    ...thresholds.map((t) => months.map(() => t.value)),
  ] as uPlot.AlignedData;
  const key = JSON.stringify([months, lines, thresholds]);
  const box = useChart(
    (width) => ({
      width,
      height: 260,
      scales: { x: { time: true, range: monthRange }, y: { range: [0, 100] } },
      axes: [monthAxis, { label: '%', size: 50 }],
      series: [
        monthSeries,
        ...lines.map((l, i) => ({
          label: l.name,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          points: { size: 7 },
        })),
        ...thresholds.map((t) => ({
          label: t.name,
          stroke: '#6b7280',
          dash: [6, 4],
          points: { show: false },
        })),
      ],
    }),
    data,
    key,
  );
  return <ChartFigure box={box} caption={props.caption} />;
}
