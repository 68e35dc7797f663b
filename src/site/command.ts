// `fedstack site …`: the commands a site operator runs next to an OpenStack.
import { Command } from 'commander';
import { ConfigError, describeError } from '../errors.js';
import { createLogger } from '../log.js';
import { renderCheckTable, runSiteCheck } from './check/site-check.js';
import { loadSiteConfig } from './site-config.js';
import { logLevelOption } from './log-level-option.js';
import { createAccountingCommand } from './accounting/command.js';
import { createDiscoveryCommand } from './discovery/command.js';
import { createImagesCommand } from './images/command.js';
import { createImportConfigCommand } from './import-config/index.js';
import { createRunCommand, createStatusCommand } from './daemon/index.js';
import { SITE_EXIT } from './exit-status.js';

/** Exit codes of the site commands (see {@link SITE_EXIT}). */
export const EXIT = SITE_EXIT;

function createCheckCommand(): Command {
  return new Command('check')
    .description(
      'check that the site offers what the federation needs: Keystone, Nova, Glance, Neutron, Cinder (Swift optional), ' +
        'and that the configured account may do what discovery, accounting and image sync do in every VO project',
    )
    .requiredOption(
      '-c, --config <file>',
      'site YAML (EGI catch-all format plus `credentials`; see docs/site-config.md)',
    )
    .option('--json', 'print the results as JSON instead of a table')
    .addOption(logLevelOption())
    .addHelpText(
      'after',
      '\nExit status: 0 when every check passes; 1 when a check fails (Keystone or a service unreachable, or\n' +
        'refusing the credentials); 2 when the config is invalid or a secret it references (*_env, *_file)\n' +
        'cannot be read, found before the site is contacted.\n' +
        '\nExample:\n  FEDSTACK_OS_PASSWORD=… fedstack site check --config site.yaml',
    )
    .action(async (opts: { config: string; json?: boolean; logLevel: string }) => {
      const logger = createLogger({ level: opts.logLevel });
      let config;
      try {
        config = loadSiteConfig(opts.config);
      } catch (error) {
        if (error instanceof ConfigError) {
          process.stderr.write(`fedstack: ${error.message}\n`);
          process.exitCode = EXIT.badConfig;
          return;
        }
        throw error;
      }
      let results;
      try {
        results = await runSiteCheck(config, { logger });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        process.stderr.write(`fedstack: ${describeError(error)}\n`);
        process.exitCode = EXIT.badConfig;
        return;
      }
      const failed = results.some((r) => r.status === 'fail');
      process.stdout.write(
        opts.json
          ? JSON.stringify({ site: config.gocdb, ok: !failed, checks: results }, null, 2) + '\n'
          : renderCheckTable(results) + '\n',
      );
      process.exitCode = failed ? EXIT.failed : EXIT.ok;
    });
}

/** The `site` command group. */
export function createSiteCommand(): Command {
  return new Command('site')
    .description(
      'run next to an OpenStack site: check it, extract accounting, publish discovery, sync images',
    )
    .addCommand(createCheckCommand())
    .addCommand(createAccountingCommand())
    .addCommand(createDiscoveryCommand())
    .addCommand(createImagesCommand())
    .addCommand(createImportConfigCommand())
    .addCommand(createRunCommand())
    .addCommand(createStatusCommand());
}
