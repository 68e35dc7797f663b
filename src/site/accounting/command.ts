// `fedstack site accounting extract|send`: the cASO and ssmsend successors.
import path from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { parseApiTime } from '../../openstack/index.js';
import { SITE_EXIT } from '../exit-status.js';
import { logLevelOption } from '../log-level-option.js';
import { loadSiteConfig, readSecret, type SiteConfig } from '../site-config.js';
import { sendOutbox } from './ams-sender.js';
import { extractAccounting, type MessageSink } from './extract.js';
import { DirqOutbox } from './outbox.js';
import { acquireRunLock } from './run-lock.js';
import { WatermarkStore } from './watermarks.js';

const DAY_SECONDS = 86_400;

/** Parses `--extract-from/--extract-to`: ISO 8601 (no zone = UTC) or epoch seconds. */
export function parseTimeOption(value: string, option: string): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  // a date alone means its midnight; a time without a zone is UTC (as in OpenStack's answers)
  const ms = parseApiTime(/^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T00:00:00` : text);
  if (Number.isNaN(ms))
    throw new ConfigError(`expected an ISO 8601 time or epoch seconds, found "${value}"`, { path: option });
  return Math.floor(ms / 1000);
}

/** State and outbox directories of a site (relative paths are relative to the config file). */
export function accountingDirs(config: SiteConfig): { stateDir: string; outboxDir: string } {
  const base = path.dirname(path.resolve(config.file));
  const site = config.accounting.site_name ?? config.gocdb;
  const stateDir = path.resolve(
    base,
    config.accounting.state_dir ?? path.join('.fedstack', 'accounting', site),
  );
  const outboxDir = path.resolve(base, config.accounting.outbox_dir ?? path.join(stateDir, 'outgoing'));
  return { stateDir, outboxDir };
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
        const logger = createLogger({ level: opts.logLevel });
        const config = loadSiteConfig(opts.config);
        const extractFrom =
          opts.extractFrom === undefined ? undefined : parseTimeOption(opts.extractFrom, '--extract-from');
        const extractTo =
          opts.extractTo === undefined ? undefined : parseTimeOption(opts.extractTo, '--extract-to');
        const defaultFrom = config.accounting.default_extract_from
          ? parseTimeOption(config.accounting.default_extract_from, 'accounting.default_extract_from')
          : Math.floor(Date.now() / 1000) - 30 * DAY_SECONDS;
        const { stateDir, outboxDir } = accountingDirs(config);
        const dryRunSink: MessageSink = { add: async (body) => void process.stdout.write(`${body}\n\n`) };
        const release = opts.dryRun ? undefined : await acquireRunLock(path.join(stateDir, 'extract.lock'));
        try {
          const outcomes = await extractAccounting(config, {
            extractFrom,
            extractTo,
            defaultFrom,
            sink: opts.dryRun ? dryRunSink : new DirqOutbox(outboxDir),
            watermarks: opts.dryRun ? undefined : new WatermarkStore(path.join(stateDir, 'watermarks')),
            logger,
          });
          const out = opts.dryRun ? process.stderr : process.stdout;
          if (opts.json)
            out.write(
              JSON.stringify(
                { site: config.gocdb, outbox: opts.dryRun ? null : outboxDir, projects: outcomes },
                null,
                2,
              ) + '\n',
            );
          else
            for (const o of outcomes)
              out.write(
                o.ok
                  ? `${o.projectId} ${o.vo}: ${
                      Object.entries(o.records)
                        .map(([t, n]) => `${n} ${t}`)
                        .join(', ') || 'nothing new'
                    }; ${o.messages} messages\n`
                  : `${o.projectId}: FAILED: ${o.error}\n`,
              );
          process.exitCode = outcomes.every((o) => o.ok) ? SITE_EXIT.ok : SITE_EXIT.failed;
        } finally {
          await release?.();
        }
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
      const logger = createLogger({ level: opts.logLevel });
      const config = loadSiteConfig(opts.config);
      const ams = config.accounting.ams;
      if (!ams)
        throw new ConfigError('is required to send (url, project, topic, token_env or token_file)', {
          file: config.file,
          path: 'accounting.ams',
        });
      const token = readSecret(ams, 'token', { file: config.file, path: 'accounting.ams' });
      const result = await sendOutbox(
        new DirqOutbox(accountingDirs(config).outboxDir),
        { url: ams.url, project: ams.project, topic: ams.topic, token },
        logger,
      );
      process.stdout.write(
        `sent ${result.sent} messages${result.error ? `; stopped: ${result.error}` : ''}\n`,
      );
      process.exitCode = result.failed ? SITE_EXIT.failed : SITE_EXIT.ok;
    });
}

/** The `site accounting` command group. */
export function createAccountingCommand(): Command {
  return new Command('accounting')
    .description('site accounting: extract APEL records into the outbox, send the outbox to AMS')
    .addCommand(createExtractCommand())
    .addCommand(createSendCommand());
}
