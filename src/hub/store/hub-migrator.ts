// Versioned schema migrations of the hub: status, migrate to latest, roll back to a number.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Migrator, NO_MIGRATIONS } from 'kysely';
import type { Migration, MigrationResultSet } from 'kysely';
import { StoreError, describeError } from '../../errors.js';
import type { HubStore } from './hub-store.js';

const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');
const MIGRATION_FILE = /^(\d{4})-[a-z0-9-]+\.(ts|js)$/;

/** One migration as `fedstack hub db status` shows it. */
export interface MigrationState {
  /** The 4-digit number, e.g. 3 for `0003-ams-messages`. */
  readonly number: number;
  readonly name: string;
  /** When it was applied; undefined when pending. */
  readonly executedAt: Date | undefined;
}

/** What a migrate or rollback did, one entry per migration touched. */
export interface MigrationOutcome {
  readonly name: string;
  readonly direction: 'Up' | 'Down';
}

/**
 * Loads every `NNNN-name.{ts,js}` file of the migrations folder (the compiled or the source tree),
 * so a new migration only needs its file.
 */
async function loadMigrations(): Promise<Record<string, Migration>> {
  const migrations: Record<string, Migration> = {};
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) {
    if (!MIGRATION_FILE.test(file) || file.endsWith('.d.ts')) continue;
    const name = file.replace(/\.(ts|js)$/, '');
    const module = (await import(pathToFileURL(path.join(MIGRATIONS_DIR, file)).href)) as Migration;
    migrations[name] = { up: module.up, ...(module.down ? { down: module.down } : {}) };
  }
  return migrations;
}

function migratorFor(store: HubStore): Migrator {
  return new Migrator({
    db: store.db,
    provider: { getMigrations: loadMigrations },
    migrationTableName: 'hub_migrations',
    migrationLockTableName: 'hub_migrations_lock',
    // kysely looks for its tables across all schemas; name ours, or a hub in another schema of the
    // same database would make it skip creating them here
    ...(store.location.kind === 'postgres'
      ? { migrationTableSchema: store.location.schema ?? 'public' }
      : {}),
  });
}

function numberOf(name: string): number {
  return Number(name.slice(0, 4));
}

/** Lists every known migration and whether it has been applied. */
export async function migrationStatus(store: HubStore): Promise<MigrationState[]> {
  const infos = await migratorFor(store).getMigrations();
  return infos.map((m) => ({ number: numberOf(m.name), name: m.name, executedAt: m.executedAt }));
}

function check(result: MigrationResultSet, what: string): MigrationOutcome[] {
  const done = (result.results ?? [])
    .filter((r) => r.status === 'Success')
    .map((r) => ({ name: r.migrationName, direction: r.direction }));
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new StoreError(`${what} failed at migration ${failed}: ${describeError(result.error)}`, {
      cause: result.error,
    });
  }
  return done;
}

/**
 * Applies every pending migration in order.
 * @throws StoreError (`STORE_ERROR`) naming the migration that failed (earlier ones stay applied).
 */
export async function migrateToLatest(store: HubStore): Promise<MigrationOutcome[]> {
  return check(await migratorFor(store).migrateToLatest(), 'migrate');
}

/**
 * Rolls back (runs `down`) every applied migration numbered above `number`; 0 empties the schema.
 * @throws StoreError (`STORE_ERROR`) when `number` is not a known migration or a `down` fails.
 */
export async function rollbackTo(store: HubStore, number: number): Promise<MigrationOutcome[]> {
  const migrator = migratorFor(store);
  if (number === 0) return check(await migrator.migrateTo(NO_MIGRATIONS), 'rollback');
  const target = (await migrator.getMigrations()).find((m) => numberOf(m.name) === number);
  if (!target) throw new StoreError(`rollback: there is no migration numbered ${number}`);
  if (!target.executedAt) throw new StoreError(`rollback: migration ${target.name} is not applied`);
  return check(await migrator.migrateTo(target.name), 'rollback');
}
