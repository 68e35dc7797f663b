// The `--log-level` option every `fedstack site` command takes.
import { Option } from 'commander';

/** `--log-level <level>`: pino levels, default `warn`; logs go to stderr as JSON lines. */
export function logLevelOption(): Option {
  return new Option('--log-level <level>', 'log verbosity on stderr (JSON lines); secrets are never logged')
    .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('warn');
}
