// `fedstack completion bash|zsh`: a completion script made from the program's own commands and
// options, so that it never falls behind them.
import type { Command } from 'commander';

/** The shells `fedstack completion` writes for. */
export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** Every command path (`servers list`) with the words that may follow it: subcommands and options. */
function wordsByPath(program: Command): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (command: Command, path: string[]) => {
    const words = [
      ...command.commands.map((c) => c.name()),
      ...command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))),
      '--help',
    ];
    out.set(path.join(' '), [...new Set(words)].sort());
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return out;
}

/**
 * The completion script for `shell`: the words after the longest command path typed so far.
 * zsh runs the bash function through bashcompinit.
 */
export function completionScript(program: Command, shell: CompletionShell): string {
  const cases = [...wordsByPath(program)]
    .sort(([a], [b]) => b.split(' ').length - a.split(' ').length)
    .map(([path, words]) => `    ${JSON.stringify(path)}) words=${JSON.stringify(words.join(' '))};;`)
    .join('\n');
  const bash = `# fedstack completion (${shell}); regenerate with: fedstack completion ${shell}
_fedstack() {
  local cur=\${COMP_WORDS[COMP_CWORD]} path="" words="" i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    [[ $w == -* ]] && continue
    case "\${path:+$path }$w" in
${[...wordsByPath(program).keys()]
  .filter(Boolean)
  .map((p) => `      ${JSON.stringify(p)}) path=${JSON.stringify(p)};;`)
  .join('\n')}
    esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _fedstack fedstack
`;
  return shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${bash}` : bash;
}
