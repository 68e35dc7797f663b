// Hub schema migrations on every test backend: apply in order, roll back to a number, re-apply.
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { migrateToLatest, migrationStatus, rollbackTo } from '../../src/hub/store/hub-migrator.js';
import { TEST_DIALECTS, openTestStore } from '../helpers/test-stores.js';
import type { TestStore } from '../helpers/test-stores.js';

async function tableNames(t: TestStore): Promise<string[]> {
  const tables = await t.store.db.introspection.getTables();
  const schema = t.location.kind === 'postgres' ? t.location.schema : undefined;
  return tables
    .filter((x) => schema === undefined || x.schema === schema)
    .map((x) => x.name)
    .sort();
}

describe.each(TEST_DIALECTS)('hub migrations on %s', (dialect) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('applies migrations 0001-0009 in order and reports them as applied', async () => {
    t = await openTestStore(dialect, { migrate: false });
    const before = await migrationStatus(t.store);
    expect(before.slice(0, 9).map((m) => m.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(before.every((m) => m.executedAt === undefined)).toBe(true);
    const done = await migrateToLatest(t.store);
    expect(done.slice(0, 9).map((m) => m.name)).toEqual(before.slice(0, 9).map((m) => m.name));
    const after = await migrationStatus(t.store);
    expect(after.every((m) => m.executedAt instanceof Date)).toBe(true);
    expect(await tableNames(t)).toEqual(
      expect.arrayContaining(['cloud_records', 'ams_messages', 'hub_tokens']),
    );
  });

  it('rolls back to a given number, dropping only the later tables, and migrates up again', async () => {
    t = await openTestStore(dialect);
    const undone = await rollbackTo(t.store, 3);
    expect(undone.every((m) => m.direction === 'Down')).toBe(true);
    expect(undone.map((m) => m.name)).toContain('0004-cloud-records');
    const tables = await tableNames(t);
    expect(tables).toContain('ams_messages');
    expect(tables).not.toContain('cloud_records');
    expect(tables).not.toContain('cloud_summaries');
    const status = await migrationStatus(t.store);
    expect(status.filter((m) => m.executedAt).map((m) => m.number)).toEqual([1, 2, 3]);
    await migrateToLatest(t.store);
    expect(await tableNames(t)).toContain('cloud_summaries');
  });

  it('rolls back to 0 leaving no hub tables', async () => {
    t = await openTestStore(dialect);
    await rollbackTo(t.store, 0);
    const left = (await tableNames(t)).filter((n) => !n.startsWith('hub_migrations'));
    expect(left).toEqual([]);
  });

  it('refuses to roll back to a migration number that does not exist', async () => {
    t = await openTestStore(dialect);
    await expect(rollbackTo(t.store, 77)).rejects.toMatchObject({ code: 'STORE_ERROR' });
    const row = await sql<{ n: number }>`select count(*) as n from hub_tokens`.execute(t.store.db);
    expect(Number(row.rows[0]?.n)).toBe(0);
  });
});
