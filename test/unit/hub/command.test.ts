import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHubCommand } from '../../../src/hub/command.js';

/** Runs `fedstack hub …args` in-process and returns what it printed on stdout. */
async function hub(...args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await createHubCommand()
      .exitOverride()
      .parseAsync(['node', 'hub', ...args]);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return out.join('');
}

describe('fedstack hub command', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fedstack-hub-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a publisher token, prints it once and lists it without the secret', async () => {
    const token = (
      await hub('--data-dir', dir, 'token', 'create', '--site', 'SITE-A', '--label', 'host-a')
    ).trim();
    expect(token).toMatch(/^fsh_[A-Za-z0-9_-]{43}$/);
    const list = await hub('token', 'list', '--data-dir', dir);
    expect(list).toMatch(/^\s+1 publisher\s+SITE-A\s+created \S+ revoked - host-a\n$/);
    expect(list).not.toContain(token);
  });

  it('refuses a publisher token without a site', async () => {
    await expect(hub('--data-dir', dir, 'token', 'create')).rejects.toThrow(/--site NAME/);
    await expect(
      hub('--data-dir', dir, 'token', 'create', '--role', 'consumer', '--site', 'X'),
    ).rejects.toThrow(/a consumer token has no site/);
  });

  it('revokes a token by id', async () => {
    await hub('--data-dir', dir, 'token', 'create', '--role', 'consumer');
    expect(await hub('--data-dir', dir, 'token', 'revoke', '1')).toBe('revoked token 1\n');
    expect(await hub('--data-dir', dir, 'token', 'list')).not.toContain('revoked -');
    await expect(hub('--data-dir', dir, 'token', 'revoke', '1')).rejects.toThrow(/no active token with id 1/);
  });

  it('migrates, shows the status and rolls back to a migration number', async () => {
    expect(await hub('--data-dir', dir, 'db', 'migrate')).toContain('applied 0001-tokens');
    expect(await hub('--data-dir', dir, 'db', 'migrate')).toBe('schema is up to date\n');
    expect(await hub('--data-dir', dir, 'db', 'rollback', '--to', '3')).toContain(
      'rolled back 0004-cloud-records',
    );
    const status = await hub('--data-dir', dir, 'db', 'status');
    expect(status).toMatch(/0003-ams-messages\s+applied /);
    expect(status).toMatch(/0004-cloud-records\s+pending/);
  });

  it('explains every option in its help', () => {
    const help = createHubCommand().helpInformation();
    for (const option of [
      '--data-dir',
      '--database-url',
      '--listen',
      '--admin-token-file',
      '--no-migrate',
      '--no-ingest',
      '--ingest-topic',
    ]) {
      expect(help).toContain(option);
    }
    expect(help).toContain('FEDSTACK_HUB_DATABASE_URL');
  });
});
