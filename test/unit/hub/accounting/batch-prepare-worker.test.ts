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
import { toIngestMessage, type IngestMessage } from '../../../../src/hub/accounting/ingest-batch.js';
import { toStoredMessage } from '../../../../src/hub/messaging/subscription-cursor.js';
import type { PreparedRead } from '../../../../src/hub/accounting/batch-prepare-worker.js';
import { readPackedRow, unpackStrings } from '../../../../src/hub/accounting/packed-cloud.js';
import { CLOUD_ROW } from '../../../../src/hub/accounting/record-rows.js';
import type { MessageRow } from '../../../../src/hub/store/messaging-queries.js';
import { silentLogger } from '../../../../src/log.js';
import type { CloudRecord } from '../../../../src/formats/apel/index.js';
import {
  FEB_1_2024 as FEB_1,
  MAR_1_2024 as LOAD,
  cloudMessage,
  ingestMessage,
} from '../../../helpers/apel-fixtures.js';

// the worker runs the built thread file (`npm run build`): a thread cannot load TypeScript
const BUILT_THREAD = new URL('../../../../dist/hub/accounting/batch-prepare-thread.js', import.meta.url);
const SQL = 'select * from ams_messages where msg_offset >= ? order by msg_offset limit ?';

const vm = (uuid: string, site: string, wall: number): CloudRecord => ({
  vmUuid: uuid,
  siteName: site,
  fqan: '/vo1/Role=x',
  status: 'started',
  startTime: FEB_1,
  wallDuration: wall,
  cpuCount: 2,
  memory: 2048,
});

/** The stored messages, offsets 10 to 13 (a null publisher site: an admin published it). */
const MESSAGES: IngestMessage[] = [
  ingestMessage(cloudMessage([vm('vm-1', 'SITE-A', 100), vm('vm-2', 'SITE-A', 50), { VMUUID: 'bad' }]), 10),
  ingestMessage(cloudMessage([vm('vm-1', 'SITE-A', 10), vm('vm-3', 'SITE-B', 5)]), 11),
  ingestMessage('not apel', 12, null),
  ingestMessage(cloudMessage([vm('vm-4', 'SITE-B', 7)]), 13, null),
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
    for (const m of MESSAGES)
      insert.run(
        m.project,
        m.topic,
        m.offset,
        m.data,
        m.publisherSite === null ? 'admin' : 'publisher',
        m.publisherSite,
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
