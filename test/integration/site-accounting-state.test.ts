// Accounting state rules on the testbed: dry runs change nothing, a project without a VO keeps its watermark,
// a refused publish keeps the outbox.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseApelMessage } from '../../src/formats/apel/index.js';
import { accountingConfig, outboxMessages } from '../helpers/accounting.js';
import { runCli } from '../helpers/cli.js';
import { adminSession } from '../helpers/sessions.js';
import { startStub } from '../helpers/stub-server.js';

describe('accounting state on the testbed', () => {
  const admin = adminSession('site-a');
  let orphanId: string;

  beforeAll(async () => {
    const body = await admin.json<{ project: { id: string } }>({
      service: 'identity',
      method: 'POST',
      path: 'projects',
      body: { project: { name: `no-vo-${Date.now()}`, domain_id: 'default', tags: ['caso'] } },
    });
    orphanId = body.project.id;
  });

  afterAll(async () => {
    await admin.send({
      service: 'identity',
      method: 'PATCH',
      path: `projects/${orphanId}`,
      body: { project: { enabled: false } },
    });
    await admin.send({ service: 'identity', method: 'DELETE', path: `projects/${orphanId}` });
  });

  it('prints the messages of a dry run and writes no outbox element and no watermark', async () => {
    const cfg = accountingConfig('site-a', { project_tag: '' });
    const { code, stdout } = await runCli([
      'site',
      'accounting',
      'extract',
      '--config',
      cfg.file,
      '--dry-run',
      '--extract-from',
      '2026-01-01',
    ]);
    expect(code).toBe(0);
    const messages = stdout
      .split('\n\n')
      .map((m) => m.trim())
      .filter(Boolean);
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(parseApelMessage(m).errors).toEqual([]);
    expect(existsSync(cfg.outbox)).toBe(false);
    expect(existsSync(cfg.watermarks)).toBe(false);
  });

  it('reports a tagged project without a VO as an error and moves only the other projects’ watermarks', async () => {
    const cfg = accountingConfig('site-a');
    const { code, stdout } = await runCli(['site', 'accounting', 'extract', '--config', cfg.file, '--json']);
    expect(code).toBe(1);
    const outcome = JSON.parse(stdout) as { projects: { projectId: string; ok: boolean; error?: string }[] };
    const orphan = outcome.projects.find((p) => p.projectId === orphanId)!;
    expect(orphan.ok).toBe(false);
    expect(orphan.error).toMatch(/is tagged caso but has no VO/);
    expect(outcome.projects.filter((p) => p.ok)).toHaveLength(2);
    const watermarks = readdirSync(cfg.watermarks);
    expect(watermarks.some((f) => f.includes(orphanId))).toBe(false);
    expect(watermarks).toHaveLength(2 * 4); // two VO projects, four record types
  });

  it('leaves a record type already extracted past --extract-to alone: its watermark never moves back', async () => {
    const cfg = accountingConfig('site-a', { project_tag: '', record_types: ['cloud'] });
    expect((await runCli(['site', 'accounting', 'extract', '--config', cfg.file])).code).toBe(0);
    const cloudMarks = () =>
      Object.fromEntries(
        readdirSync(cfg.watermarks)
          .filter((f) => f.endsWith('__cloud.json'))
          .map((f) => [f, readFileSync(path.join(cfg.watermarks, f), 'utf8')]),
      );
    const before = cloudMarks();
    expect(Object.keys(before)).toHaveLength(2);
    const config = parse(readFileSync(cfg.file, 'utf8')) as { accounting: Record<string, unknown> };
    config.accounting.record_types = ['cloud', 'ip', 'accelerator', 'storage'];
    writeFileSync(cfg.file, stringify(config));
    const to = new Date(Date.now() - 3_600_000).toISOString();
    const { code, stdout } = await runCli([
      'site',
      'accounting',
      'extract',
      '--config',
      cfg.file,
      '--extract-to',
      to,
      '--json',
    ]);
    expect(code).toBe(0);
    const outcome = JSON.parse(stdout) as { projects: { records: Record<string, number> }[] };
    for (const p of outcome.projects) expect(p.records.cloud).toBeUndefined();
    expect(cloudMarks()).toEqual(before);
    expect(readdirSync(cfg.watermarks).filter((f) => f.endsWith('__ip.json'))).toHaveLength(2);
  });

  it('keeps every outbox element when the AMS endpoint refuses the publish', async () => {
    const ams = await startStub((_req, res) =>
      res
        .writeHead(401, { 'Content-Type': 'application/json' })
        .end('{"error":{"code":401,"message":"Unauthorized","status":"UNAUTHENTICATED"}}'),
    );
    try {
      const cfg = accountingConfig('site-a', {
        project_tag: '',
        ams: { url: ams.url, project: 'accounting', topic: 'eu-egi-cloud-accounting', token_file: 'token' },
      });
      writeFileSync(path.join(cfg.dir, 'token'), 'not-a-valid-token\n');
      expect((await runCli(['site', 'accounting', 'extract', '--config', cfg.file])).code).toBe(0);
      const before = outboxMessages(cfg.outbox);
      const send = await runCli(['site', 'accounting', 'send', '--config', cfg.file]);
      expect(send.code).toBe(1);
      expect(send.stdout).toContain('answered 401: Unauthorized');
      expect(send.stdout + send.stderr).not.toContain('not-a-valid-token');
      expect(outboxMessages(cfg.outbox)).toEqual(before);
      expect(ams.requests[0]!.headers['x-api-key']).toBe('not-a-valid-token');
    } finally {
      await ams.close();
    }
  });
});
