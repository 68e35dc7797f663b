// The ranges of the APEL numeric fields, and the window of epoch times a decoder accepts.
//
// Each per-record bound B is chosen so that real data never reaches it and, where real data
// allows, so that a sum over MAX_RECORDS_SUMMED records stays exact in a JavaScript number:
// 10^7 * B <= 2^53 - 1, i.e. B <= 900,719,925. CpuDuration and the network volumes are the
// exceptions (real values pass that); see docs/accounting.md for the table.

/** How many records a sum must be able to hold exactly (a month of a very large federation). */
export const MAX_RECORDS_SUMMED = 10_000_000;

/** Earliest epoch time accepted: 2000-01-01T00:00:00Z (no cloud, and no APEL cloud record, is older). */
export const EARLIEST_EPOCH_SECONDS = 946_684_800;

/**
 * Latest epoch time accepted when the caller gives no "now": 2100-01-01T00:00:00Z. Codecs have no
 * clock; this static bound still refuses absurd values such as 999999999999999.
 */
export const LATEST_STATIC_EPOCH_SECONDS = 4_102_444_800;

/** How far past the caller's "now" a time may be: one day, for clock skew between site and hub. */
export const FUTURE_SLACK_SECONDS = 86_400;

/** Earliest accepted year of a month field (summary Year, accelerator MeasurementYear). */
export const EARLIEST_YEAR = 2000;

/** Latest year a month field can hold: that of {@link LATEST_STATIC_EPOCH_SECONDS}. */
export const LATEST_STATIC_YEAR = 2100;

/**
 * Longest wall or suspend time of one VM: 25 Julian years in seconds. Clouds have existed since
 * 2006 (OpenStack since 2010), so no VM has run that long; 10^7 of them sum to 7.9e15 < 2^53.
 */
export const MAX_DURATION_SECONDS = 788_940_000;

/**
 * Longest accelerator duration of one record: 31 days. A record covers one calendar month (§1.5),
 * so AvailableDuration and ActiveDuration never pass it.
 */
export const MAX_MONTH_SECONDS = 2_678_400;

/**
 * Largest CpuDuration (core-seconds): 2^40, 25 years of a VM with 1,393 vCPUs. cASO sends
 * wall time x vCPUs, so real values pass 900,719,925 (a 64-vCPU VM after 163 days): sums of
 * this field are exact for up to 8,192 maximal records only, not 10^7.
 */
export const MAX_CPU_DURATION_SECONDS = 2 ** 40;

/**
 * Largest network volume of one record (NetworkInbound, NetworkOutbound): 2^40. The unit is the
 * sender's (EGI's table says GB; some senders may count bytes), so the bound stays well above a
 * terabyte even in bytes; like CpuDuration, sums are exact for up to 8,192 maximal records.
 */
export const MAX_NETWORK_VOLUME = 2 ** 40;

/** Most vCPUs of one VM: 65,536 (the largest VMs offered anywhere have under 1,000). */
export const MAX_CPU_COUNT = 65_536;

/** Most memory of one VM, MB: 2^29 (512 TiB; the largest VMs offered have 32 TiB). */
export const MAX_MEMORY_MB = 2 ** 29;

/** Most disk of one VM, GB: 2^29 (512 PiB). */
export const MAX_DISK_GB = 2 ** 29;

/** Most public IPs of one VM or one user: 65,536 (a whole IPv4 /16). */
export const MAX_IP_COUNT = 65_536;

/** Largest benchmark value: what APEL's DECIMAL(10,3) column holds. */
export const MAX_BENCHMARK = 9_999_999.999;

/** Most accelerators attached to one VM: 1,024 (real servers hold up to 16 GPUs). */
export const MAX_ACCELERATOR_COUNT = 1_024;

/** Most accelerator cores of one record: 2^24 (16 of today's largest GPUs have 270,336). */
export const MAX_ACCELERATOR_CORES = 2 ** 24;

/** Most VMs one summary row counts: {@link MAX_RECORDS_SUMMED}. */
export const MAX_SUMMARY_VMS = MAX_RECORDS_SUMMED;

/** Largest summed wall time of a summary row: 10^7 maximal records (7.9e15 < 2^53). */
export const MAX_SUMMARY_DURATION_SECONDS = MAX_RECORDS_SUMMED * MAX_DURATION_SECONDS;

/** Largest summed memory or disk of a summary row: 10^7 maximal records (5.4e15 < 2^53). */
export const MAX_SUMMARY_SIZE = MAX_RECORDS_SUMMED * MAX_MEMORY_MB;

/** Options of the APEL decoders. */
export interface ApelDecodeOptions {
  /**
   * The caller's current time, epoch seconds. Times after `nowSeconds` + one day are refused;
   * without it, times after 2100-01-01T00:00:00Z are.
   */
  readonly nowSeconds?: number;
}

/** The accepted window of epoch times (inclusive) and the latest accepted month. */
export interface TimeWindow {
  readonly earliestSeconds: number;
  readonly latestSeconds: number;
  /** year * 12 + (month - 1) of `latestSeconds`. */
  readonly latestMonthIndex: number;
}

/** The static window, used by writers and by decoders given no "now". */
export const STATIC_TIME_WINDOW: TimeWindow = timeWindowOf({});

/** The window of epoch times a decoder with `options` accepts. */
export function timeWindowOf(options: ApelDecodeOptions): TimeWindow {
  const now = options.nowSeconds;
  const latest =
    now === undefined || !Number.isFinite(now)
      ? LATEST_STATIC_EPOCH_SECONDS
      : Math.min(Math.floor(now) + FUTURE_SLACK_SECONDS, LATEST_STATIC_EPOCH_SECONDS);
  const date = new Date(Math.max(latest, EARLIEST_EPOCH_SECONDS) * 1000);
  return {
    earliestSeconds: EARLIEST_EPOCH_SECONDS,
    latestSeconds: latest,
    latestMonthIndex: date.getUTCFullYear() * 12 + date.getUTCMonth(),
  };
}

/** `YYYY-MM-DDTHH:MM:SSZ` of epoch seconds, for error messages. */
export function describeEpoch(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}

/** What a time field expects, in the words of an error message. */
export function describeTimeRange(window: TimeWindow, isZeroAllowed: boolean): string {
  const zero = isZeroAllowed ? '0 (not ended) or ' : '';
  return `${zero}epoch seconds from ${window.earliestSeconds} (${describeEpoch(window.earliestSeconds)}) to ${window.latestSeconds} (${describeEpoch(window.latestSeconds)})`;
}

/**
 * Checks that a month (year and month 1..12 already in range) is not after the window's latest
 * month.
 * @returns what was expected, or `undefined` when the month is accepted
 */
export function checkMonthInWindow(year: number, month: number, window: TimeWindow): string | undefined {
  if (year * 12 + (month - 1) <= window.latestMonthIndex) return undefined;
  const latest = window.latestMonthIndex;
  const latestText = `${Math.floor(latest / 12)}-${String((latest % 12) + 1).padStart(2, '0')}`;
  return `a month no later than ${latestText}`;
}
