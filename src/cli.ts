#!/usr/bin/env node
// The one `fedstack` entry point: sub-command groups per box (site, hub, the researcher's
// commands). Only the group a command belongs to is loaded, so that a quick command starts quickly.
import { createRequire } from 'node:module';
import { Argument, Command } from 'commander';
import { CLIENT_COMMANDS } from './command-groups.js';
import { completionScript, COMPLETION_SHELLS, type CompletionShell } from './completion.js';
import { describeError, FedstackError } from './errors.js';

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

type Group = 'site' | 'hub' | 'probe' | 'client';

async function commandsOf(group: Group): Promise<Command[]> {
  if (group === 'site') return [(await import('./site/index.js')).createSiteCommand()];
  if (group === 'hub') return [(await import('./hub/index.js')).createHubCommand()];
  if (group === 'probe') return [(await import('./probe/index.js')).createProbeCommand()];
  return (await import('./client/index.js')).createClientCommands();
}

/** Builds the `fedstack` program with the command groups `groups` (default: all of them). */
export async function createProgram(
  groups: readonly Group[] = ['site', 'hub', 'probe', 'client'],
): Promise<Command> {
  const program = new Command('fedstack')
    .description(
      'Fedstack joins independent OpenStack sites into one federated research cloud: accounting, discovery, ' +
        'image catalogue and the federation hub, speaking the EGI wire formats (APEL, GLUE 2.1, HEPiX, AMS), ' +
        'and the researcher’s commands to use them (token, vos, sites, images, flavors, servers, env).',
    )
    .version(VERSION)
    .showHelpAfterError();
  for (const group of groups) for (const command of await commandsOf(group)) program.addCommand(command);
  program.addCommand(
    new Command('completion')
      .description('print the shell completion script of fedstack')
      .addArgument(new Argument('<shell>', 'the shell').choices(COMPLETION_SHELLS))
      .addHelpText(
        'after',
        '\nExamples:\n  fedstack completion bash > ~/.local/share/bash-completion/completions/fedstack\n' +
          '  fedstack completion zsh > ~/.zfunc/_fedstack_bash   # and source it from ~/.zshrc',
      )
      .action((shell: CompletionShell) => {
        process.stdout.write(completionScript(program, shell));
      }),
  );
  return program;
}

/** The group of the command `argv` names; undefined for help, the version or a typo (all groups). */
function groupOf(argv: readonly string[]): Group | undefined {
  const first = argv.find((a) => !a.startsWith('-'));
  if (first === 'site' || first === 'hub' || first === 'probe') return first;
  return first !== undefined && CLIENT_COMMANDS.has(first) ? 'client' : undefined;
}

async function main(): Promise<void> {
  try {
    const args = process.argv.slice(2);
    const group = groupOf(args);
    const isVersion = args.length === 1 && (args[0] === '--version' || args[0] === '-V');
    await (await createProgram(group ? [group] : isVersion ? [] : undefined)).parseAsync(process.argv);
  } catch (error) {
    process.stderr.write(`fedstack: ${describeError(error)}\n`);
    process.exitCode = error instanceof FedstackError && error.code.startsWith('CONFIG') ? 2 : 1;
  }
}

await main();
