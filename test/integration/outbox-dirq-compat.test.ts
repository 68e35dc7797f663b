// Our outbox against Python dirq's QueueSimple (Debian python3-dirq), the queue SSM reads and cASO writes.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DirqOutbox } from '../../src/site/accounting/outbox.js';

const run = promisify(execFile);

// Drains a queue the way ssmsend does: iterate, lock, get, remove; prints [[name, body], ...].
const PYTHON_DRAIN = `
import json, sys
from dirq.QueueSimple import QueueSimple
q = QueueSimple(sys.argv[1])
out = []
for name in q:
    if not q.lock(name):
        continue
    out.append([name, q.get(name).decode('utf-8')])
    q.remove(name)
print(json.dumps(out))
`;

// Adds each argument as an element, the way cASO's SSM messenger does; prints the names.
const PYTHON_ADD = `
import json, sys
from dirq.QueueSimple import QueueSimple
q = QueueSimple(sys.argv[1])
print(json.dumps([q.add(body) for body in sys.argv[2:]]))
`;

// Tries to lock each named element; prints whether Python got each lock, then purges.
const PYTHON_LOCK = `
import json, sys
from dirq.QueueSimple import QueueSimple
q = QueueSimple(sys.argv[1])
got = [q.lock(name) for name in sys.argv[2:]]
q.purge()
print(json.dumps({"locked": got, "count": q.count()}))
`;

let python = '';

async function findPythonWithDirq(): Promise<string> {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    try {
      await run(candidate, ['-c', 'import dirq.QueueSimple']);
      return candidate;
    } catch {
      // try the next interpreter
    }
  }
  return '';
}

async function py<T>(script: string, args: string[]): Promise<T> {
  const { stdout } = await run(python, ['-c', script, ...args]);
  return JSON.parse(stdout) as T;
}

const BODIES = [
  'APEL-cloud-message: v0.4\nSiteName: TEST-Site\nVMUUID: a\n',
  '{"Type": "APEL Public IP message", "Version": "0.2", "UsageRecords": []}',
  '<sr:StorageUsageRecords xmlns:sr="http://eu-emi.eu/namespaces/2011/02/storagerecord"></sr:StorageUsageRecords>',
];

let root: string;

beforeAll(async () => {
  python = await findPythonWithDirq();
});

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fedstack-dirq-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('outbox compatibility with Python dirq QueueSimple', () => {
  it('has python3-dirq available', () => {
    expect(python, 'python3-dirq is missing: install the Debian package python3-dirq').not.toBe('');
  });

  it('writes elements that dirq iterates, locks, reads and removes in order', async () => {
    expect(python, 'python3-dirq is missing: install the Debian package python3-dirq').not.toBe('');
    const outbox = new DirqOutbox(root);
    const names: string[] = [];
    for (const body of BODIES) names.push(await outbox.add(body));
    const drained = await py<[string, string][]>(PYTHON_DRAIN, [root]);
    expect(drained).toEqual(names.map((name, i) => [name, BODIES[i]]));
    expect(await outbox.count()).toBe(0);
  });

  it('reads, locks and removes the elements dirq writes, in order', async () => {
    expect(python, 'python3-dirq is missing: install the Debian package python3-dirq').not.toBe('');
    const names = await py<string[]>(PYTHON_ADD, [root, ...BODIES]);
    const outbox = new DirqOutbox(root);
    const seen: string[] = [];
    for await (const name of outbox.elements()) {
      expect(await outbox.lock(name)).toBe(true);
      expect(await outbox.get(name)).toBe(BODIES[seen.length]);
      await outbox.remove(name);
      seen.push(name);
    }
    expect(seen).toEqual(names);
    expect(await py<[string, string][]>(PYTHON_DRAIN, [root])).toEqual([]);
  });

  it('shares locks with dirq both ways, and dirq purge keeps our locked element', async () => {
    expect(python, 'python3-dirq is missing: install the Debian package python3-dirq').not.toBe('');
    const outbox = new DirqOutbox(root);
    const ours = await outbox.add(BODIES[0]!);
    const free = await outbox.add(BODIES[1]!);
    expect(await outbox.lock(ours)).toBe(true);
    const result = await py<{ locked: boolean[]; count: number }>(PYTHON_LOCK, [root, ours, free]);
    expect(result).toEqual({ locked: [false, true], count: 2 });
    expect(await outbox.lock(free)).toBe(false); // dirq holds it now
  });
});
