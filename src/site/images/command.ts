// `fedstack site images sync`: the atrope and cloudkeeper successor, as a thin adapter over runImageSync.
import { Command } from 'commander';
import { createLogger } from '../../log.js';
import { SITE_EXIT } from '../exit-status.js';
import { hasOneConfigSource, positiveInteger } from '../../cli-args.js';
import {
  DEFAULT_IMAGE_CACHE_DIR,
  isImageSyncComplete,
  runImageSyncForDirectory,
  runSiteImageSync,
  type ImageSyncOutcome,
  type SiteImageSyncResult,
} from '../jobs/index.js';
import { logLevelOption } from '../log-level-option.js';
import { loadSiteConfig } from '../site-config.js';
import { createProgressReporter } from './progress-reporter.js';
import { formatPlan } from './sync-plan.js';

function renderText(outcome: ImageSyncOutcome): string {
  const lines: string[] = [];
  if (outcome.plan && outcome.isDryRun) lines.push(formatPlan(outcome.plan).trimEnd());
  if (!outcome.isDryRun)
    for (const s of outcome.sources)
      lines.push(
        `source ${s.sourceId}: ${s.status}${s.reasons.length > 0 ? ` (${s.reasons.join('; ')})` : ''}`,
      );
  if (outcome.applied) {
    const a = outcome.applied;
    lines.push(
      `${a.downloads} downloads, ${a.conversions} conversions, ${a.uploads} uploads, ${a.patches} patches, ` +
        `${a.shares} shares, ${a.unshares} unshares, ${a.deletions} deletions, ${a.deactivations} deactivations ` +
        `in ${(outcome.durationMs / 1000).toFixed(1)} s`,
    );
  }
  for (const e of outcome.errors) lines.push(`FAILED ${e.kind} "${e.name}": ${e.message}`);
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

function printedOutcome(outcome: ImageSyncOutcome): Record<string, unknown> {
  return {
    site: outcome.site,
    dryRun: outcome.isDryRun,
    ok: isImageSyncComplete(outcome),
    sources: outcome.sources,
    projects: outcome.projects,
    applied: outcome.applied,
    errors: outcome.errors,
    durationMs: outcome.durationMs,
    ...(outcome.plan
      ? {
          plan: {
            tag: outcome.plan.tag,
            notes: outcome.plan.notes,
            // the parsed source image stays out: the list already holds it
            steps: outcome.plan.steps.map((s) => (s.kind === 'upload' ? { ...s, image: undefined } : s)),
          },
        }
      : {}),
    ...(outcome.failure ? { failure: outcome.failure } : {}),
  };
}

interface SyncOptions {
  config?: string;
  configDir?: string;
  dryRun?: boolean;
  json?: boolean;
  cacheDir?: string;
  statusDir?: string;
  concurrency: number;
  siteTimeout: number;
  logLevel: string;
}

/** One line per site of a central run. */
function renderSiteLine(result: SiteImageSyncResult): string {
  if (result.kind === 'skipped') return `${result.site}: skipped, ${result.reason}`;
  if (result.kind === 'invalid') return `${result.site}: FAILED ${result.file}: ${result.error.message}`;
  const { outcome } = result;
  const state = isImageSyncComplete(outcome) ? 'ok' : 'FAILED';
  const held = outcome.sources.filter((s) => s.status === 'held').map((s) => s.sourceId);
  const parts = [
    outcome.applied
      ? `${outcome.applied.uploads} uploads, ${outcome.applied.deletions} deletions, ${outcome.errors.length} failed steps`
      : undefined,
    held.length > 0 ? `held: ${held.join(', ')}` : undefined,
    outcome.failure ? outcome.failure.message : undefined,
    result.statusError,
  ].filter((p) => p !== undefined);
  return `${result.site}: ${state}${parts.length > 0 ? `, ${parts.join('; ')}` : ''} in ${(outcome.durationMs / 1000).toFixed(1)} s`;
}

function printedResult(result: SiteImageSyncResult): Record<string, unknown> {
  if (result.kind !== 'ran') return { ...result };
  return {
    file: result.file,
    ...printedOutcome(result.outcome),
    ...(result.statusFile ? { statusFile: result.statusFile } : {}),
    ...(result.statusError ? { statusError: result.statusError } : {}),
  };
}

async function runSync(opts: SyncOptions): Promise<void> {
  if (!hasOneConfigSource(opts, 'site images sync')) return;
  const logger = createLogger({ level: opts.logLevel });
  const isCentral = opts.configDir !== undefined;
  const options = {
    logger,
    clock: Date.now,
    dryRun: opts.dryRun === true,
    siteTimeoutMs: opts.siteTimeout * 1000,
    ...(opts.statusDir !== undefined ? { statusDir: opts.statusDir } : {}),
    // central mode shares one cache among its sites
    ...(opts.cacheDir !== undefined || isCentral
      ? { cacheDir: opts.cacheDir ?? DEFAULT_IMAGE_CACHE_DIR }
      : {}),
    // several sites at once would draw over each other's bars: log lines instead
    progressFor: (label: string) =>
      createProgressReporter({
        label,
        logger,
        ...(isCentral && opts.concurrency > 1 ? { isTty: false } : {}),
      }),
  };
  if (opts.config) {
    const result = await runSiteImageSync(loadSiteConfig(opts.config), options);
    const { outcome } = result;
    if (outcome.failure) process.stderr.write(`fedstack: ${outcome.failure.message}\n`);
    process.stdout.write(
      opts.json ? JSON.stringify(printedResult(result), null, 2) + '\n' : renderText(outcome),
    );
    process.exitCode = isImageSyncComplete(outcome) ? SITE_EXIT.ok : SITE_EXIT.failed;
    return;
  }
  const results = await runImageSyncForDirectory(opts.configDir!, {
    ...options,
    concurrency: opts.concurrency,
  });
  process.stdout.write(
    opts.json
      ? JSON.stringify({ sites: results.map(printedResult) }, null, 2) + '\n'
      : results.map(renderSiteLine).join('\n') + (results.length > 0 ? '\n' : ''),
  );
  const isBad = (r: SiteImageSyncResult) =>
    r.kind === 'invalid' ||
    (r.kind === 'ran' && (!isImageSyncComplete(r.outcome) || r.statusError !== undefined));
  process.exitCode = results.some(isBad) ? SITE_EXIT.failed : SITE_EXIT.ok;
}

function createSyncCommand(): Command {
  return new Command('sync')
    .description(
      'sync the images of the configured sources (HEPiX image lists, signed S/MIME, or a registry) into ' +
        'Glance: download into the cache, convert to an accepted format, upload, share with the VO projects, ' +
        'retire old versions once their successor is active, prune what a trusted list dropped; a source that ' +
        'cannot be fetched or verified keeps all its images',
    )
    .option(
      '-c, --config <file>',
      'site YAML with an images: section (sync: true, sources; see docs/images.md), e.g. --config /etc/fedstack/site.yaml',
    )
    .option(
      '--config-dir <dir>',
      'central mode: sync every site YAML (*.yaml, *.yml) of this directory that sets images.sync: true, ' +
        'sharing one download cache, e.g. --config-dir /etc/fedstack/sites',
    )
    .option(
      '--dry-run',
      'fetch the lists and read Glance, print the plan (upload/patch/share/unshare/keep/retire/prune) and change nothing, e.g. --dry-run',
    )
    .option('--json', 'print the outcome (sources, projects, plan, counts, errors) as JSON, e.g. --json')
    .option(
      '--cache-dir <dir>',
      `download cache over images.cache_dir; central mode always uses one cache for all sites (default ${DEFAULT_IMAGE_CACHE_DIR}), e.g. --cache-dir /srv/image-cache`,
    )
    .option(
      '--status-dir <dir>',
      "where each site's status file <site>.image-sync.json goes (last run, last success, images in step, " +
        'held sources, errors); default <cache dir>/status, e.g. --status-dir /var/lib/fedstack/status',
    )
    .option(
      '--concurrency <n>',
      'central mode: sites synced at the same time, e.g. --concurrency 4',
      positiveInteger,
      2,
    )
    .option(
      '--site-timeout <seconds>',
      "time limit of one site's run; a site past it is reported as failed and the others go on, e.g. --site-timeout 7200",
      positiveInteger,
      21_600,
    )
    .addOption(logLevelOption())
    .addHelpText(
      'after',
      `\nThe download cache is --cache-dir, else images.cache_dir, else ${DEFAULT_IMAGE_CACHE_DIR}; a download\n` +
        'shows a bar on a terminal and an info log line every 10 s otherwise (--log-level info).\n' +
        'Exit status: 0 when every source of every site was synced and every step done; 1 when a source was\n' +
        'held (not fetched, not trusted), a step failed, a site ran past --site-timeout, Keystone or Glance was\n' +
        'unreachable or refused the credentials, or (central mode) a site file could not be used; 2 for a bad\n' +
        'single config (images.sync not true, no VO, an unknown key) or a secret reference (*_env, *_file) that\n' +
        'cannot be read, found before the site is contacted.\n' +
        '\nExamples:\n' +
        '  fedstack site images sync --config site.yaml --dry-run\n' +
        '  fedstack site images sync --config site.yaml --json\n' +
        '  fedstack site images sync --config-dir /etc/fedstack/sites --cache-dir /srv/image-cache --concurrency 4',
    )
    .action(runSync);
}

/** The `site images` command group. */
export function createImagesCommand(): Command {
  return new Command('images')
    .description('image sync: bring the images of the configured lists into the site Glance')
    .addCommand(createSyncCommand());
}
