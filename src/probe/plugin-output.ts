// The Nagios plugin contract the probes follow, so that ARGO, Nagios or Icinga run them unchanged:
// exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; the first line `STATUS: summary`, performance data
// after `|`; with --verbose, the steps after the first line. Pure.

/** A plugin status. */
export type PluginStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

/** The exit code of each status. */
export const EXIT_CODES: Readonly<Record<PluginStatus, number>> = {
  OK: 0,
  WARNING: 1,
  CRITICAL: 2,
  UNKNOWN: 3,
};

/** What a probe found. */
export interface ProbeResult {
  readonly status: PluginStatus;
  readonly summary: string;
  /** Performance data: label → seconds. */
  readonly perfdata?: Readonly<Record<string, number>>;
  /** Steps, one line each, for --verbose. */
  readonly steps?: readonly string[];
}

/**
 * A plugin's status for an age or a count against its -w and -c thresholds: CRITICAL past
 * `critical`, WARNING past `warning`, else OK; a threshold of 0 is off.
 */
export function thresholdStatus(value: number, warning: number, critical: number): PluginStatus {
  if (critical > 0 && value > critical) return 'CRITICAL';
  if (warning > 0 && value > warning) return 'WARNING';
  return 'OK';
}

/** Perfdata as plugins write it: `'label'=1.234s`, space-separated. */
export function perfdataOf(perf: Readonly<Record<string, number>>): string {
  return Object.entries(perf)
    .map(([label, seconds]) => `'${label.replace(/'/g, '')}'=${Math.round(seconds * 1000) / 1000}s`)
    .join(' ');
}

/**
 * The plugin's output text: the first line with the status, the summary (one line) and the
 * perfdata, then the steps when `verbose`.
 * @example pluginOutput({ status: 'OK', summary: 'scoped token in 0.4 s', perfdata: { login: 0.4 } }, false)
 * // "OK: scoped token in 0.4 s | 'login'=0.4s\n"
 */
export function pluginOutput(result: ProbeResult, verbose: boolean): string {
  const summary = result.summary.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '/');
  const perf =
    result.perfdata && Object.keys(result.perfdata).length > 0 ? ` | ${perfdataOf(result.perfdata)}` : '';
  const steps = verbose && result.steps?.length ? `${result.steps.join('\n')}\n` : '';
  return `${result.status}: ${summary}${perf}\n${steps}`;
}
