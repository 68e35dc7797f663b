// `fedstack site accounting extract|send`: the cASO and ssmsend successors.
import { Command } from 'commander';
import { createLogger } from '../../log.js';
import { SITE_EXIT } from '../exit-status.js';
import {
  isExtractComplete,
  runAccountingExtract,
  runAccountingSend,
  type AccountingExtractOutcome,
  type JobContext,
  type ProjectOutcome,
} from '../jobs/index.js';
import { logLevelOption } from '../log-level-option.js';
import { loadSiteConfig } from '../site-config.js';
import type { MessageSink } from './extract.js';
import { parseTimeOption } from './parse-time-option.js';

/** The context of a command's run: the system clock, a signal that never aborts. */
function commandContext(config: string, logLevel: string): JobContext {
  return {
    config: loadSiteConfig(config),
    logger: createLogger({ level: logLevel }),
    signal: new AbortController().signal,
    clock: Date.now,
  };
}

/** A project's outcome as `--json` prints it (the watermark moves stay out). */
function printedProject(o: ProjectOutcome): Record<string, unknown> {
  return {
    projectId: o.projectId,
    vo: o.vo,
    ok: o.ok,
    error: o.error,
    records: o.records,
    messages: o.messages,
    window: o.window,
  };
}

function renderExtractOutcome(outcome: AccountingExtractOutcome, isJson: boolean): string {
  if (isJson)
    return (
      JSON.stringify(
        { site: outcome.site, outbox: outcome.outbox, projects: outcome.projects.map(printedProject) },
        null,
        2,
      ) + '\n'
    );
  return outcome.projects
    .map((o) =>
      o.ok
        ? `${o.projectId} ${o.vo}: ${
            Object.entries(o.records)
              .map(([t, n]) => `${n} ${t}`)
              .join(', ') || 'nothing new'
          }; ${o.messages} messages\n`
        : `${o.projectId}: FAILED: ${o.error}\n`,
    )
    .join('');
}

function createExtractCommand(): Command {
  return new Command('extract')
    .description(
      'extract usage of every VO project (and projects tagged for accounting) into APEL messages: cloud v0.4, ' +
        'public IP v0.2, accelerator v0.1, StAR storage; queue them in the outbox (an SSM dirq queue) and move the ' +
        'watermarks only after the messages are on disk',
    )
    .requiredOption('-c, --config <file>', 'site YAML (see docs/site-config.md)')
    .option(
      '--extract-from <time>',
      'window start for every project (ISO 8601, no zone = UTC, or epoch seconds); default: each watermark',
    )
    .option('--extract-to <time>', 'window end (default now; later times are clamped to now)')
    .option('--dry-run', 'print the messages to stdout; write no outbox element and move no watermark')
    .option('--json', 'print the per-project outcome as JSON')
    .addOption(logLevelOption())
    .addHelpText(
      'after',
      '\nWithout a watermark the window starts at accounting.default_extract_from (default: 30 days ago).\n' +
        'Exit status: 0 when every project was extracted; 1 when a project failed (its watermarks stay), also\n' +
        'when Keystone is unreachable or refuses the credentials; 2 for a bad config or option, or a secret\n' +
        'reference (*_env, *_file) that cannot be read, found before the site is contacted.\n' +
        '\nExample:\n  fedstack site accounting extract --config site.yaml --extract-from 2026-11-01',
    )
    .action(
      async (opts: {
        config: string;
        extractFrom?: string;
        extractTo?: string;
        dryRun?: boolean;
        json?: boolean;
        logLevel: string;
      }) => {
        const ctx = commandContext(opts.config, opts.logLevel);
        const extractFrom =
          opts.extractFrom === undefined ? undefined : parseTimeOption(opts.extractFrom, '--extract-from');
        const extractTo =
          opts.extractTo === undefined ? undefined : parseTimeOption(opts.extractTo, '--extract-to');
        const dryRunSink: MessageSink = { add: async (body) => void process.stdout.write(`${body}\n\n`) };
        const outcome = await runAccountingExtract(ctx, {
          extractFrom,
          extractTo,
          dryRunSink: opts.dryRun ? dryRunSink : undefined,
        });
        if (outcome.failure) {
          process.stderr.write(`fedstack: ${outcome.failure.message}\n`);
          process.exitCode = SITE_EXIT.failed;
          return;
        }
        const text = renderExtractOutcome(outcome, opts.json === true);
        if (text) (opts.dryRun ? process.stderr : process.stdout).write(text);
        process.exitCode = isExtractComplete(outcome) ? SITE_EXIT.ok : SITE_EXIT.failed;
      },
    );
}

function createSendCommand(): Command {
  return new Command('send')
    .description(
      'publish the outbox to the AMS topic of `accounting.ams` (x-api-key); an element is removed only after AMS acknowledged it',
    )
    .requiredOption(
      '-c, --config <file>',
      'site YAML with accounting.ams {url, project, topic, token_env|token_file}',
    )
    .addOption(logLevelOption())
    .addHelpText(
      'after',
      '\nAn existing ssmsend can send the same outbox instead (path_type: dirq).\n' +
        'Exit status: 0 when all sent; 1 when a publish failed (AMS unreachable or refusing the token); 2 for a\n' +
        'bad config, or a token reference that cannot be read.',
    )
    .action(async (opts: { config: string; logLevel: string }) => {
      const outcome = await runAccountingSend(commandContext(opts.config, opts.logLevel));
      if (outcome.failure) {
        process.stderr.write(`fedstack: ${outcome.failure.message}\n`);
        process.exitCode = SITE_EXIT.failed;
        return;
      }
      process.stdout.write(
        `sent ${outcome.sent} messages${outcome.error ? `; stopped: ${outcome.error}` : ''}\n`,
      );
      process.exitCode = outcome.failed ? SITE_EXIT.failed : SITE_EXIT.ok;
    });
}

/** The `site accounting` command group. */
export function createAccountingCommand(): Command {
  return new Command('accounting')
    .description('site accounting: extract APEL records into the outbox, send the outbox to AMS')
    .addCommand(createExtractCommand())
    .addCommand(createSendCommand());
}
