// The site jobs called as functions against the real testbed site-a, with a frozen injected clock.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseApelMessage } from '../../src/formats/apel/index.js';
import { silentLogger } from '../../src/log.js';
import { runAccountingExtract, runDiscovery, type JobContext } from '../../src/site/jobs/index.js';
import { loadSiteConfig } from '../../src/site/site-config.js';
import { accountingConfig, outboxMessages } from '../helpers/accounting.js';

// whole seconds, as the watermarks keep them
const NOW_MS = Math.floor(Date.now() / 1000) * 1000;

function contextOf(file: string): JobContext {
  return {
    config: loadSiteConfig(file),
    logger: silentLogger,
    signal: new AbortController().signal,
    clock: () => NOW_MS,
  };
}

describe('site jobs on the testbed', () => {
  it('runAccountingExtract extracts every VO project of site-a up to the clock, then finds nothing new', async () => {
    const cfg = accountingConfig('site-a', { project_tag: '' });
    const ctx = contextOf(cfg.file);
    const first = await runAccountingExtract(ctx);
    expect(first.failure).toBeUndefined();
    expect(first.outbox).toBe(cfg.outbox);
    expect(first.projects).toHaveLength(ctx.config.vos.length);
    for (const p of first.projects) {
      expect(p.error).toBeUndefined();
      expect(p.ok).toBe(true);
      expect(p.window?.to).toBe(new Date(NOW_MS).toISOString());
      expect(p.watermarkMoves?.map((m) => m.recordType).sort()).toEqual([
        'accelerator',
        'cloud',
        'ip',
        'storage',
      ]);
      expect(new Set(p.watermarkMoves?.map((m) => m.to))).toEqual(new Set([new Date(NOW_MS).toISOString()]));
    }
    expect(readdirSync(cfg.watermarks)).toHaveLength(ctx.config.vos.length * 4);
    const messages = outboxMessages(cfg.outbox);
    expect(messages.length).toBe(first.projects.reduce((n, p) => n + p.messages, 0));
    for (const m of messages) expect(parseApelMessage(m).errors).toEqual([]);

    // the same clock again: every watermark is already at "now", so nothing is extracted
    const again = await runAccountingExtract(ctx);
    expect(again.projects.every((p) => p.ok && p.messages === 0 && !p.watermarkMoves)).toBe(true);
    expect(outboxMessages(cfg.outbox)).toHaveLength(messages.length);
  });

  it('runDiscovery describes site-a with the document created at the clock', async () => {
    const cfg = accountingConfig('site-a');
    const outcome = await runDiscovery(contextOf(cfg.file), { gocdbId: '9999G0' });
    expect(outcome.error).toBeUndefined();
    expect(outcome.shares.every((s) => s.state === 'ok')).toBe(true);
    expect(outcome.document!.CloudComputingService[0]!.CreationTime).toBe(new Date(NOW_MS).toISOString());
    expect(outcome.document!.CloudComputingService[0]!.OtherInfo).toMatchObject({ gocdb_id: '9999G0' });
  });
});
