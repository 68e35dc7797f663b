import { describe, expect, it } from 'vitest';
import { createClientCommands } from '../../../src/client/index.js';
import { CLIENT_COMMANDS } from '../../../src/command-groups.js';

describe('command groups', () => {
  it('names every researcher command, so that the entry point loads the client box for it', () => {
    expect(
      createClientCommands()
        .map((c) => c.name())
        .sort(),
    ).toEqual([...CLIENT_COMMANDS].sort());
  });

  it('gives every researcher command (and subcommand) help with an example', () => {
    const all = createClientCommands().flatMap((c) => (c.commands.length > 0 ? c.commands : [c]));
    for (const c of all) {
      let help = '';
      c.configureOutput({ writeOut: (s) => (help += s) });
      c.outputHelp();
      expect(help, c.name()).toMatch(/Examples?:\n\s+.*fedstack /);
    }
  });
});
