// Test backends for hub store tests: SQLite in a temp dir and PostgreSQL in a fresh schema per store.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach } from 'vitest';
import { HubStore } from '../../src/hub/store/hub-store.js';
import type { HubDialect, HubStoreLocation } from '../../src/hub/store/hub-store.js';
import { migrateToLatest } from '../../src/hub/store/hub-migrator.js';
import { hashHubToken, type HubRole } from '../../src/hub/auth/hub-token.js';
import { insertToken } from '../../src/hub/store/token-queries.js';

/**
 * PostgreSQL used by the tests (trust auth on loopback); override with FEDSTACK_TEST_POSTGRES_URL.
 * Only test/integration opens PostgreSQL stores: the unit suite runs on SQLite alone.
 */
export const TEST_POSTGRES_URL =
  process.env.FEDSTACK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The backends to run store tests on; FEDSTACK_TEST_DIALECTS=sqlite narrows the list. */
export const TEST_DIALECTS: readonly HubDialect[] = (process.env.FEDSTACK_TEST_DIALECTS ?? 'sqlite,postgres')
  .split(',')
  .map((d) => d.trim())
  .filter((d): d is HubDialect => d === 'sqlite' || d === 'postgres');

/** A store for one test plus the function that closes and deletes it. */
export interface TestStore {
  readonly store: HubStore;
  readonly location: HubStoreLocation;
  readonly dispose: () => Promise<void>;
}

/** Creates an empty location (temp SQLite file, or a new PostgreSQL schema) and its cleanup. */
export async function createTestLocation(
  dialect: HubDialect,
): Promise<{ location: HubStoreLocation; cleanup: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-hub-'));
    return {
      location: { kind: 'sqlite', file: path.join(dir, 'hub.sqlite') },
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `fedstack_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.end();
  return {
    location: { kind: 'postgres', url: TEST_POSTGRES_URL, schema },
    cleanup: async () => {
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    },
  };
}

/** Opens a fresh store on `dialect`, migrated to the latest schema unless `migrate` is false. */
export async function openTestStore(
  dialect: HubDialect,
  options: { migrate?: boolean } = {},
): Promise<TestStore> {
  const { location, cleanup } = await createTestLocation(dialect);
  const store = HubStore.open(location);
  try {
    if (options.migrate !== false) await migrateToLatest(store);
  } catch (error) {
    await store.close();
    await cleanup();
    throw error;
  }
  return {
    store,
    location,
    dispose: async () => {
      await store.close();
      await cleanup();
    },
  };
}

/**
 * A SQLite store in a new temp dir (named from `prefix`) for each test of the enclosing describe block,
 * closed and deleted after the test; returns the current test's store. `open` and `migrate` come from
 * the caller, so a test can use another build of the store, such as the one in dist/ a worker thread needs.
 */
export function sqliteStorePerTest<S extends { close(): Promise<void> }>(
  open: (location: { kind: 'sqlite'; file: string }) => S,
  migrate: (store: S) => Promise<unknown>,
  prefix = 'fedstack-hub-',
): () => S {
  let dir: string | undefined;
  let store: S | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    store = open({ kind: 'sqlite', file: path.join(dir, 'hub.sqlite') });
    await migrate(store);
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (!store) throw new Error('the per-test store is open only within a test');
    return store;
  };
}

/** Stores a hub token whose secret is `secret` for `role` (a publisher's bound to `site`); returns the secret. */
export async function addTestToken(
  store: HubStore,
  secret: string,
  role: HubRole,
  site: string | null = null,
): Promise<string> {
  await insertToken(store.db, { hash: hashHubToken(secret), role, site, label: null, now: 0 });
  return secret;
}
