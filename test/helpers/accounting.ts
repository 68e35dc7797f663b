// Helpers for accounting tests: site configs with private state dirs, and reading an outbox back.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { parseApelMessage } from '../../src/formats/apel/index.js';
import { testbedRoot, type TestbedSiteName } from './testbed.js';

/** Writes a copy of a testbed site's site.yaml with its own state directory and extra settings. */
export function accountingConfig(
  site: TestbedSiteName,
  accounting: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
): { file: string; dir: string; outbox: string; watermarks: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-acct-'));
  const base = parse(readFileSync(path.join(testbedRoot(), site, 'site.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  writeFileSync(path.join(dir, 'password'), readFileSync(path.join(testbedRoot(), site, 'admin-password')));
  const config = {
    ...base,
    credentials: { ...(base.credentials as object), password_file: 'password' },
    accounting: { state_dir: 'state', ...accounting },
    ...top,
  };
  const file = path.join(dir, 'site.yaml');
  writeFileSync(file, stringify(config));
  return {
    file,
    dir,
    outbox: path.join(dir, 'state', 'outgoing'),
    watermarks: path.join(dir, 'state', 'watermarks'),
  };
}

/** The element files of a dirq outbox, oldest first. */
export function outboxElements(outbox: string): string[] {
  if (!existsSync(outbox)) return [];
  const out: string[] = [];
  for (const d of readdirSync(outbox)
    .filter((n) => /^[0-9a-f]{8}$/.test(n))
    .sort())
    for (const f of readdirSync(path.join(outbox, d))
      .filter((n) => /^[0-9a-f]{14}$/.test(n))
      .sort())
      out.push(path.join(outbox, d, f));
  return out;
}

/** Every record in an outbox (or list of message texts), by kind, as JSON strings for set comparisons. */
export function recordsByKind(messages: readonly string[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = { cloud: [], ip: [], accelerator: [], storage: [] };
  for (const text of messages) {
    const parsed = parseApelMessage(text);
    if (parsed.errors.length) throw new Error(`message does not decode: ${parsed.errors[0]!.message}`);
    out[parsed.kind]!.push(...parsed.records);
  }
  return out;
}

/** Reads the message texts of an outbox. */
export function outboxMessages(outbox: string): string[] {
  return outboxElements(outbox).map((f) => readFileSync(f, 'utf8'));
}
