// The prepare worker reads and prepares the same batch as in-thread preparation, and falls back to it.
import Database from 'better-sqlite3';
import { CompiledQuery } from 'kysely';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BatchPrepareWorker,
  prepareSqliteBatch,
} from '../../../../src/hub/accounting/batch-prepare-worker.js';
import { toIngestMessage } from '../../../../src/hub/accounting/ingest-batch.js';
import { toStoredMessage } from '../../../../src/hub/messaging/subscription-cursor.js';
import type { PreparedRead } from '../../../../src/hub/accounting/batch-prepare-worker.js';
import { readPackedRow, unpackStrings } from '../../../../src/hub/accounting/packed-cloud.js';
import { CLOUD_ROW } from '../../../../src/hub/accounting/record-rows.js';
import type { MessageRow } from '../../../../src/hub/store/messaging-queries.js';
import { silentLogger } from '../../../../src/log.js';

// the worker runs the built thread file (`npm run build`): a thread cannot load TypeScript
const BUILT_THREAD = new URL('../../../../dist/hub/accounting/batch-prepare-thread.js', import.meta.url);
const FEB_1 = Date.UTC(2024, 1, 1) / 1000;
/** Load time of the batches: after the records' times (a load time limits how late they may be). */
const LOAD = Date.UTC(2024, 2, 1) / 1000;
const SQL = 'select * from ams_messages where msg_offset >= ? order by msg_offset limit ?';

function cloud(records: Record<string, string | number>[]): string {
  const body = records
    .map((r) =>
      Object.entries(r)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
    )
    .join('\n%%\n');
  return Buffer.from(`APEL-cloud-message: v0.4\n${body}\n`).toString('base64');
}

const vm = (uuid: string, site: string, wall: number) => ({
  VMUUID: uuid,
  SiteName: site,
  FQAN: '/vo1/Role=x',
  Status: 'started',
  StartTime: FEB_1,
  WallDuration: wall,
  CpuCount: 2,
  Memory: 2048,
});

const MESSAGES: [string, string | null][] = [
  [cloud([vm('vm-1', 'SITE-A', 100), vm('vm-2', 'SITE-A', 50), { VMUUID: 'bad' }]), 'SITE-A'],
  [cloud([vm('vm-1', 'SITE-A', 10), vm('vm-3', 'SITE-B', 5)]), 'SITE-A'],
  [Buffer.from('not apel').toString('base64'), null],
  [cloud([vm('vm-4', 'SITE-B', 7)]), null],
];

describe('BatchPrepareWorker', () => {
  let dir: string;
  let file: string;
  let rows: MessageRow[];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-prepare-'));
    file = path.join(dir, 'hub.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(
      'create table ams_messages (project text, topic text, msg_offset integer, data text, publisher_role text, publisher_site text)',
    );
    const insert = db.prepare('insert into ams_messages values (?, ?, ?, ?, ?, ?)');
    MESSAGES.forEach(([data, site], i) =>
      insert.run('accounting', 't', 10 + i, data, site === null ? 'admin' : 'publisher', site),
    );
    rows = db.prepare(SQL).all(0, 100) as MessageRow[];
    db.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const inThread = async (): Promise<PreparedRead> => ({
    next: 14,
    messages: rows.length,
    batch: prepareSqliteBatch(
      rows.map((r) => toIngestMessage(toStoredMessage(r))),
      LOAD,
    ),
  });

  it('reads and prepares in the thread the batch in-thread preparation gives, cloud entries packed', async () => {
    const worker = new BatchPrepareWorker(file, silentLogger, BUILT_THREAD);
    try {
      expect(worker.isThreaded).toBe(true);
      const read = await worker.prepare(CompiledQuery.raw(SQL, [0, 100]), LOAD, () => {
        throw new Error('fell back');
      });
      const expected = await inThread();
      const { cloud: expectedCloud, ...expectedRest } = expected.batch;
      const { packedCloud, cloud: emptyCloud, ...rest } = read!.batch;
      expect(read!.next).toBe(14);
      expect(read!.messages).toBe(4);
      expect(emptyCloud).toEqual([]);
      expect(rest).toEqual(expectedRest);
      const strings = unpackStrings(packedCloud!);
      const unpacked = expectedCloud.map((_, i) => {
        const row = new Array<unknown>(CLOUD_ROW.columns);
        readPackedRow(packedCloud!, strings, i, row);
        const message = packedCloud!.messages[packedCloud!.messageIndexes[i]!];
        return [...row, message, packedCloud!.recordIndexes[i]];
      });
      expect(packedCloud!.count).toBe(expectedCloud.length);
      expect(unpacked).toEqual(expectedCloud);
    } finally {
      await worker.close();
    }
  });

  it('numbers the entries of the VMs it was taught, and keeps them for later requests', async () => {
    const worker = new BatchPrepareWorker(file, silentLogger, BUILT_THREAD);
    const fail = () => Promise.reject(new Error('fell back'));
    try {
      const query = CompiledQuery.raw(SQL, [0, 100]);
      const taught = await worker.prepare(query, LOAD, fail, { uuids: ['vm-1', 'vm-3'], ids: [7, 9] });
      const again = await worker.prepare(query, LOAD, fail);
      // packed entries: vm-1, vm-2 (message 10), vm-1 (message 11; vm-3 is another site's), vm-4
      for (const read of [taught, again]) {
        const packed = read!.batch.packedCloud!;
        const strings = unpackStrings(packed);
        const uuids = Array.from({ length: packed.count }, (_, i) => {
          const row = new Array<unknown>(CLOUD_ROW.columns);
          readPackedRow(packed, strings, i, row);
          return row[CLOUD_ROW.vmId];
        });
        expect(uuids).toEqual(['vm-1', 'vm-2', 'vm-1', 'vm-4']);
        expect([...packed.vmIds]).toEqual([7, 0, 7, 0]);
      }
    } finally {
      await worker.close();
    }
  });

  it('answers null when no message waits', async () => {
    const worker = new BatchPrepareWorker(file, silentLogger, BUILT_THREAD);
    try {
      expect(await worker.prepare(CompiledQuery.raw(SQL, [14, 100]), LOAD, inThread)).toBeNull();
    } finally {
      await worker.close();
    }
  });

  it('prepares in-thread when the thread file is missing', async () => {
    const worker = new BatchPrepareWorker(file, silentLogger, new URL('file:///nonexistent/thread.js'));
    expect(worker.isThreaded).toBe(false);
    const read = await worker.prepare(CompiledQuery.raw(SQL, [0, 100]), LOAD, inThread);
    expect(read).toEqual(await inThread());
    await worker.close();
  });

  it('prepares in-thread what a thread that failed to start was given', async () => {
    const broken = path.join(dir, 'broken-thread.mjs');
    writeFileSync(broken, "throw new Error('cannot start');\n");
    const worker = new BatchPrepareWorker(file, silentLogger, new URL(`file://${broken}`));
    const read = await worker.prepare(CompiledQuery.raw(SQL, [0, 100]), LOAD, inThread);
    expect(read).toEqual(await inThread());
    expect(worker.isThreaded).toBe(false);
    await worker.close();
  });

  it('prepares in-thread a batch the thread could not read', async () => {
    const worker = new BatchPrepareWorker(path.join(dir, 'missing.sqlite'), silentLogger, BUILT_THREAD);
    try {
      const read = await worker.prepare(CompiledQuery.raw(SQL, [0, 100]), LOAD, inThread);
      expect(read).toEqual(await inThread());
    } finally {
      await worker.close();
    }
  });
});
