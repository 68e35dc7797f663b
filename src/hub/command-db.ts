// `fedstack hub db status|migrate|rollback --to N`: the hub's schema migrations.
import { Command, InvalidArgumentError } from 'commander';
import type { StoreOptions } from './command-options.js';
import { DATABASE_HELP, storeLocation } from './command-options.js';
import { migrateToLatest, migrationStatus, rollbackTo } from './store/hub-migrator.js';
import { HubStore, describeLocation } from './store/hub-store.js';

async function withStore<T>(command: Command, run: (store: HubStore) => Promise<T>): Promise<T> {
  const store = HubStore.open(storeLocation(command.optsWithGlobals<StoreOptions>()));
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function migrationNumber(value: string): number {
  if (!/^\d{1,4}$/.test(value)) throw new InvalidArgumentError('expected a migration number, e.g. 3 or 0003');
  return Number(value);
}

/** The `db` command group. */
export function createDbCommand(): Command {
  const db = new Command('db').description(
    'inspect and change the hub database schema (versioned migrations NNNN-name, each with an up and a down step)',
  );
  db.command('status')
    .description('list every migration with the time it was applied, or "pending"')
    .action(async (_opts, command: Command) => {
      await withStore(command, async (store) => {
        print(describeLocation(store.location));
        for (const m of await migrationStatus(store)) {
          print(`${m.name.padEnd(32)} ${m.executedAt ? `applied ${m.executedAt.toISOString()}` : 'pending'}`);
        }
      });
    });
  db.command('migrate')
    .description(
      'apply every pending migration, in order (the hub also does this at start unless --no-migrate)',
    )
    .action(async (_opts, command: Command) => {
      await withStore(command, async (store) => {
        const done = await migrateToLatest(store);
        print(done.length ? done.map((m) => `applied ${m.name}`).join('\n') : 'schema is up to date');
      });
    });
  db.command('rollback')
    .description(
      'undo migrations (run their down step) until the schema is at migration N; --to 0 empties it',
    )
    .requiredOption(
      '--to <N>',
      'the migration number to keep as the latest applied one (0 = none)',
      migrationNumber,
    )
    .addHelpText(
      'after',
      '\nStop the hub first. Rolling back drops the tables of the undone migrations and their data.',
    )
    .action(async (opts: { to: number }, command: Command) => {
      await withStore(command, async (store) => {
        const done = await rollbackTo(store, opts.to);
        print(done.length ? done.map((m) => `rolled back ${m.name}`).join('\n') : 'nothing to roll back');
      });
    });
  for (const sub of db.commands) sub.addHelpText('after', DATABASE_HELP);
  return db;
}
