// Atomic, durable file replacement: the new content and mode, or the old file and no leftovers.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeAtomically } from '../../../src/site/write-atomically.js';

describe('writeAtomically', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-write-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces a file with the new content and the requested mode', async () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, 'old\n', { mode: 0o644 });
    await writeAtomically(file, 'new\n', 0o600);
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['token']);
  });

  it('lets concurrent writes of one file each land whole, the last one staying', async () => {
    const file = path.join(dir, 'token');
    const texts = Array.from({ length: 8 }, (_, i) => `token-${i}-${'x'.repeat(10_000)}\n`);
    await Promise.all(texts.map((text) => writeAtomically(file, text, 0o600)));
    expect(texts).toContain(readFileSync(file, 'utf8'));
    expect(readdirSync(dir)).toEqual(['token']);
  });

  it('creates a missing file', async () => {
    const file = path.join(dir, 'site.json');
    await writeAtomically(file, '{}\n');
    expect(readFileSync(file, 'utf8')).toBe('{}\n');
  });

  it('leaves the target and no temporary file behind when the rename fails', async () => {
    const target = path.join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(path.join(target, 'inside'), 'kept');
    await expect(writeAtomically(target, 'text')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(path.join(target, 'inside'), 'utf8')).toBe('kept');
  });

  it('fails without creating anything when the directory is missing', async () => {
    await expect(writeAtomically(path.join(dir, 'absent', 'file'), 'text')).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
