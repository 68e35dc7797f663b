#!/usr/bin/env node
// The one `fedstack` entry point: sub-command groups per box (site, hub, …).
import { Command } from 'commander';
import { describeError, FedstackError } from './errors.js';
import { createHubCommand } from './hub/index.js';
import { createSiteCommand } from './site/index.js';

const VERSION = '0.1.0';

/** Builds the `fedstack` program with every command group. */
export function createProgram(): Command {
  return new Command('fedstack')
    .description(
      'Fedstack joins independent OpenStack sites into one federated research cloud: accounting, discovery, ' +
        'image catalogue and the federation hub, speaking the EGI wire formats (APEL, GLUE 2.1, HEPiX, AMS).',
    )
    .version(VERSION)
    .showHelpAfterError()
    .addCommand(createSiteCommand())
    .addCommand(createHubCommand());
}

async function main(): Promise<void> {
  try {
    await createProgram().parseAsync(process.argv);
  } catch (error) {
    process.stderr.write(`fedstack: ${describeError(error)}\n`);
    process.exitCode = error instanceof FedstackError && error.code.startsWith('CONFIG') ? 2 : 1;
  }
}

await main();
