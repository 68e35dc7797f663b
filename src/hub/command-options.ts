// Options shared by the `fedstack hub` commands: where the database is, where to listen, the admin token.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import { ConfigError } from '../errors.js';
import type { HubStoreLocation } from './store/hub-store.js';

/** Default data directory (relative to the working directory). */
export const DEFAULT_DATA_DIR = './.fedstack/hub';
/** Default listen address: loopback only, port 8080. */
export const DEFAULT_LISTEN = '127.0.0.1:8080';
/** Environment variable holding the bootstrap admin token. */
export const ADMIN_TOKEN_ENV = 'FEDSTACK_HUB_ADMIN_TOKEN';

/** The parsed store options of a hub command. */
export interface StoreOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string;
}

/** Help text of the subcommands, which take the database options of `fedstack hub`. */
export const DATABASE_HELP =
  '\nDatabase: the --data-dir or --database-url given to `fedstack hub` (before or after the subcommand),\n' +
  'or FEDSTACK_HUB_DATA_DIR / FEDSTACK_HUB_DATABASE_URL; default ./.fedstack/hub/hub.sqlite.';

/** The `--data-dir` and `--database-url` options (added to `fedstack hub`, read by every subcommand). */
export function storeOptions(): Option[] {
  return [
    new Option(
      '--data-dir <dir>',
      "directory of the hub's SQLite database (hub.sqlite, WAL mode); created if missing; ignored with --database-url",
    )
      .env('FEDSTACK_HUB_DATA_DIR')
      .default(DEFAULT_DATA_DIR),
    new Option(
      '--database-url <url>',
      'use PostgreSQL instead of SQLite, e.g. postgres://fedstack@db.example.org:5432/fedstack ' +
        '(prefer the environment variable: a password in argv is visible to other users)',
    ).env('FEDSTACK_HUB_DATABASE_URL'),
  ];
}

/** Where the hub's data lives, from the store options. */
export function storeLocation(options: StoreOptions): HubStoreLocation {
  if (options.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(options.databaseUrl)) {
      throw new ConfigError('expected a postgres:// or postgresql:// URL', { path: '--database-url' });
    }
    return { kind: 'postgres', url: options.databaseUrl };
  }
  return { kind: 'sqlite', file: path.join(options.dataDir, 'hub.sqlite') };
}

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT`, `:PORT` or `PORT` (host 127.0.0.1 when omitted).
 * @throws ConfigError (`CONFIG_INVALID`) for anything else or a port outside 0-65535.
 */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new ConfigError(`expected HOST:PORT (found ${JSON.stringify(value)})`, { path: '--listen' });
  }
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/**
 * The bootstrap admin token: the first line of `file` when given, else FEDSTACK_HUB_ADMIN_TOKEN,
 * else none (then only tokens created with `fedstack hub token create` work).
 * @throws ConfigError (`CONFIG_SECRET_MISSING`) when the file cannot be read or is empty.
 */
export function readAdminToken(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (file !== undefined) {
    let token: string | undefined;
    try {
      token = readFileSync(file, 'utf8').split(/\r?\n/)[0]?.trim();
    } catch (error) {
      throw new ConfigError(
        'cannot read the admin token file',
        { file, code: 'CONFIG_SECRET_MISSING' },
        { cause: error },
      );
    }
    if (!token)
      throw new ConfigError('the admin token file is empty', { file, code: 'CONFIG_SECRET_MISSING' });
    return token;
  }
  const fromEnv = env[ADMIN_TOKEN_ENV]?.trim();
  return fromEnv ? fromEnv : undefined;
}
