// The exit statuses of every `fedstack site` command, and how an error maps to one.
import { FedstackError } from '../errors.js';

/**
 * Exit statuses shared by `fedstack site check`, `accounting extract|send` and `discovery`:
 * - `ok` (0): everything asked for was done;
 * - `failed` (1): the config was usable, but the site or a remote service was not: a check failed,
 *   Keystone or a service was unreachable or refused the credentials, a project or publish failed;
 * - `badConfig` (2): the config or the command line must be fixed, found before anything is
 *   contacted: unreadable or invalid YAML, an unknown key, an inline secret, missing credentials,
 *   or a secret reference (`*_env`, `*_file`) that cannot be read.
 */
export const SITE_EXIT = { ok: 0, failed: 1, badConfig: 2 } as const;

/** The exit status for an error that ended a site command: `badConfig` for `CONFIG_*` codes, else `failed`. */
export function exitStatusOf(error: unknown): number {
  return error instanceof FedstackError && error.code.startsWith('CONFIG')
    ? SITE_EXIT.badConfig
    : SITE_EXIT.failed;
}
