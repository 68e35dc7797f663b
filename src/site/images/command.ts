// `fedstack site images sync`: the atrope and cloudkeeper successor, as a thin adapter over runImageSync.
import { Command } from 'commander';
import { createLogger } from '../../log.js';
import { SITE_EXIT } from '../exit-status.js';
import {
  DEFAULT_IMAGE_CACHE_DIR,
  isImageSyncComplete,
  runImageSync,
  type ImageSyncOutcome,
} from '../jobs/index.js';
import { logLevelOption } from '../log-level-option.js';
import { loadSiteConfig } from '../site-config.js';
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

function createSyncCommand(): Command {
  return new Command('sync')
    .description(
      'sync the images of the configured sources (HEPiX image lists, signed S/MIME) into Glance: download into ' +
        'the cache, convert to an accepted format, upload, share with the VO projects, retire old versions once ' +
        'their successor is active, prune what a trusted list dropped; a source that cannot be fetched or ' +
        'verified keeps all its images',
    )
    .requiredOption(
      '-c, --config <file>',
      'site YAML with an images: section (sync: true, sources; see docs/images.md), e.g. --config /etc/fedstack/site.yaml',
    )
    .option(
      '--dry-run',
      'fetch the lists and read Glance, print the plan (upload/patch/share/unshare/keep/retire/prune) and change nothing, e.g. --dry-run',
    )
    .option('--json', 'print the outcome (sources, projects, plan, counts, errors) as JSON, e.g. --json')
    .addOption(logLevelOption())
    .addHelpText(
      'after',
      `\nThe download cache is images.cache_dir (default ${DEFAULT_IMAGE_CACHE_DIR}).\n` +
        'Exit status: 0 when every source was synced and every step done; 1 when a source was held (not\n' +
        'fetched, not trusted), a step failed, or Keystone or Glance was unreachable or refused the credentials;\n' +
        '2 for a bad config (images.sync not true, no VO, an unknown key) or a secret reference (*_env, *_file)\n' +
        'that cannot be read, found before the site is contacted.\n' +
        '\nExamples:\n' +
        '  fedstack site images sync --config site.yaml --dry-run\n' +
        '  fedstack site images sync --config site.yaml --json',
    )
    .action(async (opts: { config: string; dryRun?: boolean; json?: boolean; logLevel: string }) => {
      const ctx = {
        config: loadSiteConfig(opts.config),
        logger: createLogger({ level: opts.logLevel }),
        signal: new AbortController().signal,
        clock: Date.now,
      };
      const outcome = await runImageSync(ctx, { dryRun: opts.dryRun === true });
      if (outcome.failure) process.stderr.write(`fedstack: ${outcome.failure.message}\n`);
      process.stdout.write(
        opts.json ? JSON.stringify(printedOutcome(outcome), null, 2) + '\n' : renderText(outcome),
      );
      process.exitCode = isImageSyncComplete(outcome) ? SITE_EXIT.ok : SITE_EXIT.failed;
    });
}

/** The `site images` command group. */
export function createImagesCommand(): Command {
  return new Command('images')
    .description('image sync: bring the images of the configured lists into the site Glance')
    .addCommand(createSyncCommand());
}
