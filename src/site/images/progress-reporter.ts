// Download progress for people: a one-line bar redrawn on a terminal, or a log line every ~10 s otherwise.
import { silentLogger, type Logger } from '../../log.js';
import type { DownloadProgress } from './download-cache.js';

/** Options of {@link createProgressReporter}. */
export interface ProgressReporterOptions {
  /** What is being downloaded, e.g. the image title. */
  readonly label: string;
  /** Where the bar is drawn; default stderr. */
  readonly stream?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Draw a bar (true) or log lines (false); default: whether `stream` is a terminal. */
  readonly isTty?: boolean;
  readonly logger?: Logger;
  /** Time between log lines when not on a terminal, ms; default 10 000. */
  readonly logIntervalMs?: number;
  /** Clock, ms; default `Date.now`. */
  readonly now?: () => number;
}

/** Receives progress and shows it; `done()` ends the bar's line. */
export interface ProgressReporter {
  readonly onProgress: (progress: DownloadProgress) => void;
  done(): void;
}

const BAR_CHARS = 24;
const REDRAW_MS = 200;

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/**
 * One line of progress: `label [#####-----]  52% 1.3 GiB/2.5 GiB 110.0 MiB/s` (no bar and no
 * percentage when the total is unknown).
 */
export function formatProgressLine(
  label: string,
  progress: DownloadProgress,
  bytesPerSecond: number,
): string {
  const { doneBytes, totalBytes } = progress;
  const rate = `${formatBytes(bytesPerSecond)}/s`;
  if (!totalBytes) return `${label} ${formatBytes(doneBytes)} ${rate}`;
  const fraction = Math.min(1, doneBytes / totalBytes);
  const filled = Math.round(fraction * BAR_CHARS);
  const bar = '#'.repeat(filled) + '-'.repeat(BAR_CHARS - filled);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${label} [${bar}] ${percent} ${formatBytes(doneBytes)}/${formatBytes(totalBytes)} ${rate}`;
}

/**
 * A progress display for one download: on a terminal, a bar redrawn at most five times a second on
 * one line; elsewhere (cron, systemd) an info log line every `logIntervalMs`.
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const isTty = options.isTty ?? stream.isTTY === true;
  const logger = options.logger ?? silentLogger;
  const intervalMs = isTty ? REDRAW_MS : (options.logIntervalMs ?? 10_000);
  const now = options.now ?? Date.now;
  const startedAt = now();
  let shownAt = startedAt;
  let last: DownloadProgress | undefined;
  let firstBytes: number | undefined;
  const rateOf = (progress: DownloadProgress): number => {
    const seconds = (now() - startedAt) / 1000;
    return seconds > 0 ? (progress.doneBytes - (firstBytes ?? 0)) / seconds : 0;
  };
  const show = (progress: DownloadProgress): void => {
    if (isTty) stream.write(`\r\x1b[K${formatProgressLine(options.label, progress, rateOf(progress))}`);
    else
      logger.info(
        {
          label: options.label,
          doneBytes: progress.doneBytes,
          totalBytes: progress.totalBytes,
          bytesPerSecond: Math.round(rateOf(progress)),
        },
        'download progress',
      );
  };
  return {
    onProgress(progress) {
      // a resumed download starts with the part's bytes: the rate counts only what arrives now
      firstBytes ??= progress.doneBytes;
      last = progress;
      if (now() - shownAt < intervalMs) return;
      shownAt = now();
      show(progress);
    },
    done() {
      if (isTty && last) stream.write(`\r\x1b[K${formatProgressLine(options.label, last, rateOf(last))}\n`);
    },
  };
}
