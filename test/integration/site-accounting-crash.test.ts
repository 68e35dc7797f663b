import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApelMessage } from '../../src/formats/apel/index.js';
import { deleteServer, waitForServer, type OpenStackSession } from '../../src/openstack/index.js';
import { accountingConfig, outboxMessages } from '../helpers/accounting.js';
import { CLI, runCli } from '../helpers/cli.js';
import { adminInProject } from '../helpers/sessions.js';
import { bootTestServers } from '../helpers/test-servers.js';
import { deleteAll } from '../helpers/cleanup.js';

/** Every record of the given messages, keyed `<kind> <project> <record JSON>`, for set comparisons. */
function recordKeys(messages: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const m of messages) {
    const parsed = parseApelMessage(m);
    expect(parsed.errors).toEqual([]);
    for (const r of parsed.records) keys.add(`${parsed.kind} ${JSON.stringify(r)}`);
  }
  return keys;
}

function killAfter(args: string[], delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('accounting survives SIGKILL at any point', () => {
  let s: OpenStackSession;
  const created: string[] = [];

  beforeAll(async () => {
    s = await adminInProject('site-b', 'vo');
    created.push(...(await bootTestServers(s, ['crash-1', 'crash-2', 'crash-3'])));
    await deleteServer(s, created[2]!);
    await waitForServer(s, created[2]!, ['DELETED']);
  }, 300_000);

  afterAll(async () => {
    await deleteAll(created, (id) => deleteServer(s, id));
  });

  it('has every expected record in the outbox after 20 killed runs and one clean run, and no watermark ahead of its data', async () => {
    const from = Math.floor(Date.now() / 1000) - 3600;
    const to = Math.floor(Date.now() / 1000);
    const cfg = accountingConfig('site-b', { default_extract_from: String(from) });
    const args = ['site', 'accounting', 'extract', '--config', cfg.file, '--extract-to', String(to)];

    // the records a single clean run produces for this fixed window
    const dry = await runCli([...args, '--dry-run']);
    expect(dry.code).toBe(0);
    const expected = recordKeys(
      dry.stdout
        .split('\n\n')
        .map((m) => m.trim())
        .filter(Boolean),
    );
    expect([...expected].filter((k) => created.some((id) => k.includes(id)))).toHaveLength(3);

    // a clean run takes a few seconds; kill at random points within it
    const started = Date.now();
    await runCli([...args, '--dry-run']);
    const runMs = Date.now() - started;
    for (let i = 0; i < 20; i++) await killAfter(args, Math.floor(Math.random() * runMs * 1.2));

    const final = await runCli(args);
    expect(final.code).toBe(0);
    const union = recordKeys(outboxMessages(cfg.outbox));
    expect([...expected].filter((k) => !union.has(k))).toEqual([]);
    expect([...union].filter((k) => !expected.has(k))).toEqual([]);

    // every watermark says `to`, and the outbox holds that project's records of that type
    const files = existsSync(cfg.watermarks)
      ? readdirSync(cfg.watermarks).filter((f) => f.endsWith('.json'))
      : [];
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const w = JSON.parse(readFileSync(path.join(cfg.watermarks, f), 'utf8')) as {
        projectId: string;
        recordType: string;
        extractedTo: string;
      };
      expect(Date.parse(w.extractedTo) / 1000).toBe(to);
      const mine = [...expected].filter(
        (k) => k.startsWith(w.recordType === 'ip' ? 'ip ' : `${w.recordType} `) && k.includes(w.projectId),
      );
      for (const k of mine) expect(union.has(k)).toBe(true);
    }
  }, 600_000);
});
