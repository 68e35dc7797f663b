// The image sync state between runs: absent file, round trip, corrupt file, the last accepted list per source.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FedstackError } from '../../../../src/errors.js';
import {
  imageSyncStateFile,
  lastAcceptedOf,
  listContentDigest,
  readImageSyncState,
  withAcceptedLists,
  writeImageSyncState,
} from '../../../../src/site/images/sync-state.js';
import { rejectionOf } from '../../../helpers/expect-rejection.js';

describe('image sync state', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fedstack-sync-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is empty before the first run, and names one file per site beside the lock', async () => {
    const file = imageSyncStateFile(path.join(dir, 'cache'), 'SITE/A');
    expect(path.basename(file)).toBe('sync-SITE%2FA.state.json');
    expect(await readImageSyncState(file)).toEqual({ sources: {} });
  });

  it('writes the accepted lists and reads them back, other sources unchanged', async () => {
    const file = imageSyncStateFile(path.join(dir, 'cache'), 'SITE-A');
    const first = withAcceptedLists(
      { sources: {} },
      {
        b: {
          listId: 'l-b',
          version: '7',
          contentDigest: listContentDigest('b'),
          appliedAt: '2026-01-01T00:00:00Z',
        },
        a: { listId: 'l-a', appliedAt: '2026-01-01T00:00:00Z' },
      },
    );
    await writeImageSyncState(file, first);
    const second = withAcceptedLists(await readImageSyncState(file), {
      b: { listId: 'l-b', version: '8', appliedAt: '2026-01-02T00:00:00Z' },
    });
    await writeImageSyncState(file, second);
    const read = await readImageSyncState(file);
    expect(read).toEqual(second);
    expect(lastAcceptedOf(read, 'b')).toEqual({ version: '8' });
    expect(lastAcceptedOf(first, 'b')).toEqual({ version: '7', contentDigest: listContentDigest('b') });
    expect(lastAcceptedOf(read, 'a')).toEqual({});
    expect(lastAcceptedOf(read, 'unknown')).toBeUndefined();
    expect(lastAcceptedOf(read, 'constructor')).toBeUndefined();
    // no temporary file is left beside it
    expect(readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
  });

  it('digests the list text with SHA-256', () => {
    expect(listContentDigest('abc')).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it.each([
    ['not JSON', '{'],
    ['another format', '{"format":2,"sources":{}}'],
    ['no sources', '{"format":1}'],
    ['a bad entry', '{"format":1,"sources":{"x":{"version":3,"appliedAt":"t"}}}'],
  ])('refuses a corrupt file (%s), naming it', async (_what, text) => {
    const file = path.join(dir, 'state.json');
    writeFileSync(file, text);
    const error = await rejectionOf(readImageSyncState(file), FedstackError);
    expect(error.code).toBe('STATE_IO');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/delete it/);
  });

  it('reports a file that cannot be read or written', async () => {
    const file = path.join(dir, 'is-a-dir');
    mkdirSync(file);
    expect((await rejectionOf(readImageSyncState(file), FedstackError)).code).toBe('STATE_IO');
    const write = await rejectionOf(writeImageSyncState(file, { sources: {} }), FedstackError);
    expect(write.message).toContain(file);
  });
});
