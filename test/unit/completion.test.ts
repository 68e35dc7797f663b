import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createClientCommands } from '../../src/client/index.js';
import { completionScript } from '../../src/completion.js';

/** What bash offers after `words` (the last one being completed). */
function complete(script: string, words: string[]): string[] {
  const array = words.map((w) => JSON.stringify(w)).join(' ');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `${script}\nCOMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _fedstack; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean);
}

describe('shell completion', () => {
  const program = new Command('fedstack');
  for (const c of createClientCommands()) program.addCommand(c);
  const script = completionScript(program, 'bash');

  it('completes commands, subcommands and the options of the command typed so far', () => {
    expect(complete(script, ['fedstack', 'se'])).toEqual(['servers']);
    expect(complete(script, ['fedstack', 'servers', ''])).toEqual(
      expect.arrayContaining(['create', 'delete', 'list', 'ssh', '--help']),
    );
    expect(complete(script, ['fedstack', 'servers', 'list', '--vo', 'x', '--a'])).toEqual(['--all-sites']);
    expect(complete(script, ['fedstack', 'flavors', '--gp'])).toEqual(['--gpu', '--gpu-model']);
  });

  it('lets zsh use the bash function', () => {
    expect(completionScript(program, 'zsh')).toMatch(/^autoload -U \+X bashcompinit && bashcompinit\n/);
  });
});
