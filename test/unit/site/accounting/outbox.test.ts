import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FedstackError } from '../../../../src/errors.js';
import { DirqOutbox } from '../../../../src/site/accounting/outbox.js';
import { rejectionOf } from '../../../helpers/expect-rejection.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fedstack-outbox-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A clock the test moves: milliseconds since the epoch. */
function clock(startMs: number): { nowMs: () => number; advance: (ms: number) => void } {
  let now = startMs;
  return { nowMs: () => now, advance: (ms) => (now += ms) };
}

async function collect(outbox: DirqOutbox): Promise<string[]> {
  const names: string[] = [];
  for await (const name of outbox.elements()) names.push(name);
  return names;
}

describe('DirqOutbox', () => {
  it('stores an element at <epoch rounded to 60 s, %08x>/<%08x s><%05x µs><%01x> and leaves no .tmp', async () => {
    const time = clock(1_700_000_123_456.789);
    const outbox = new DirqOutbox(root, { nowMs: time.nowMs, rndhex: 10 });
    const name = await outbox.add('APEL-cloud-message: v0.4\n');
    // 1700000123 s = 0x6553f17b; rounded down to 60 s, 1700000100 = 0x6553f164
    expect(name).toMatch(/^6553f164\/6553f17b[0-9a-f]{5}a$/);
    // the name is taken when the file is linked, a few (fake) microseconds on
    const micros = parseInt(name.slice(17, 22), 16);
    expect(micros).toBeGreaterThanOrEqual(456789);
    expect(micros).toBeLessThan(456800);
    expect(await readFile(path.join(root, name), 'utf8')).toBe('APEL-cloud-message: v0.4\n');
    expect(await readdir(path.join(root, '6553f164'))).toEqual([name.slice(9)]);
  });

  it('lists elements oldest first across intermediate directories', async () => {
    const time = clock(1_700_000_000_000);
    const outbox = new DirqOutbox(root, { nowMs: time.nowMs });
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      names.push(await outbox.add(`m${i}`));
      time.advance(45_000);
    }
    expect(new Set(names.map((n) => n.slice(0, 8))).size).toBeGreaterThan(1);
    expect(await collect(outbox)).toEqual(names);
    expect(await outbox.count()).toBe(4);
  });

  it('keeps the order of elements added within the same microsecond', async () => {
    const outbox = new DirqOutbox(root, { nowMs: () => 1_700_000_000_000 });
    const names = [await outbox.add('a'), await outbox.add('b'), await outbox.add('c')];
    expect(await collect(outbox)).toEqual(names);
  });

  it('gives a lock to one holder at a time and reads only locked elements', async () => {
    const outbox = new DirqOutbox(root);
    const other = new DirqOutbox(root);
    const name = await outbox.add('body');
    expect((await rejectionOf(outbox.get(name), FedstackError)).code).toBe('OUTBOX_IO');
    expect(await outbox.lock(name)).toBe(true);
    expect(await other.lock(name)).toBe(false);
    expect(await outbox.get(name)).toBe('body');
    await outbox.unlock(name);
    expect(await other.lock(name)).toBe(true);
  });

  it('removes a locked element with its lock', async () => {
    const outbox = new DirqOutbox(root);
    const name = await outbox.add('body');
    await outbox.lock(name);
    await outbox.remove(name);
    expect(await collect(outbox)).toEqual([]);
    expect(await readdir(path.join(root, name.slice(0, 8)))).toEqual([]);
    expect(await outbox.lock(name)).toBe(false);
  });

  it('purges stale temporary files and locks and empty older directories, and keeps fresh ones', async () => {
    const time = clock(Date.now() - 120_000);
    const outbox = new DirqOutbox(root, { nowMs: time.nowMs });
    const first = await outbox.add('first');
    await outbox.lock(first);
    await outbox.remove(first); // leaves an empty directory behind
    time.advance(120_000);
    const stale = await outbox.add('stale');
    const fresh = await outbox.add('fresh');
    await outbox.lock(stale);
    await outbox.lock(fresh);
    const dir = path.join(root, stale.slice(0, 8));
    const staleTmp = path.join(dir, '00000000000000.tmp');
    const freshTmp = path.join(dir, '00000000000001.tmp');
    await writeFile(staleTmp, 'x');
    await writeFile(freshTmp, 'x');
    const longAgo = new Date(Date.now() - 3_600_000);
    await utimes(staleTmp, longAgo, longAgo);
    await utimes(path.join(root, stale), longAgo, longAgo); // the lock shares the element's inode
    await outbox.purge();
    const left = await readdir(dir);
    expect(left).not.toContain('00000000000000.tmp');
    expect(left).toContain('00000000000001.tmp');
    expect(left).not.toContain(`${stale.slice(9)}.lck`);
    expect(left).toContain(`${fresh.slice(9)}.lck`);
    expect(await collect(outbox)).toEqual([stale, fresh]);
    if (first.slice(0, 8) !== stale.slice(0, 8)) {
      await expect(stat(path.join(root, first.slice(0, 8)))).rejects.toThrow();
    }
  });

  it('refuses a name that is not an element name, without touching the disk', async () => {
    const error = await rejectionOf(new DirqOutbox(root).lock('../../etc/passwd'), FedstackError);
    expect(error.code).toBe('OUTBOX_IO');
    expect(error.message).toContain('../../etc/passwd');
  });

  it('fails with OUTBOX_IO naming the path when the queue cannot be written', async () => {
    const file = path.join(root, 'not-a-directory');
    await writeFile(file, '');
    const error = await rejectionOf(new DirqOutbox(file).add('body'), FedstackError);
    expect(error.code).toBe('OUTBOX_IO');
    expect(error.message).toContain(file);
  });

  it('fails with OUTBOX_IO when unlocking an element that is not locked', async () => {
    const outbox = new DirqOutbox(root);
    const name = await outbox.add('body');
    const error = await rejectionOf(outbox.unlock(name), FedstackError);
    expect(error.code).toBe('OUTBOX_IO');
    expect(error.message).toContain(`${name.slice(9)}.lck`);
  });

  it('lists nothing for a queue directory that does not exist yet', async () => {
    expect(await collect(new DirqOutbox(path.join(root, 'missing')))).toEqual([]);
  });
});
