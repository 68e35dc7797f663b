import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAccountingExtract } from '../../../../src/site/jobs/index.js';
import {
  NOW_MS,
  PASSWORD_ENV,
  PROJECT,
  contextOf,
  emptyOpenStackPerTest,
  siteConfig,
} from '../../../helpers/job-fixtures.js';

const iso = (ms: number) => new Date(ms).toISOString();
const THIRTY_DAYS_MS = 30 * 86_400_000;

const stubSite = emptyOpenStackPerTest();

describe('runAccountingExtract', () => {
  it('extracts from 30 days before the injected clock to the clock and moves the watermark to it', async () => {
    const stub = await stubSite();
    const { config, stateDir } = siteConfig(`${stub.url}/v3`);
    const outcome = await runAccountingExtract(contextOf(config));
    expect(outcome.failure).toBeUndefined();
    expect(outcome.outbox).toBe(path.join(stateDir, 'outgoing'));
    const window = { from: iso(NOW_MS - THIRTY_DAYS_MS), to: iso(NOW_MS) };
    expect(outcome.projects).toEqual([
      {
        projectId: PROJECT,
        vo: 'vo.example.org',
        ok: true,
        records: { cloud: 0 },
        messages: 0,
        window,
        watermarkMoves: [{ recordType: 'cloud', ...window }],
      },
    ]);
    // the server listing of changes starts at the clock's window start
    const since = stub.requests.map((r) => new URL(r.url, stub.url).searchParams.get('changes-since'));
    expect(since).toContain(window.from);
    const marks = readdirSync(path.join(stateDir, 'watermarks'));
    expect(marks).toHaveLength(1);
    const mark = JSON.parse(readFileSync(path.join(stateDir, 'watermarks', marks[0]!), 'utf8')) as {
      extractedTo: string;
    };
    expect(mark.extractedTo).toBe(window.to);
    expect(existsSync(path.join(stateDir, 'extract.lock'))).toBe(false);
  });

  it('starts at accounting.default_extract_from when given, and leaves a type already extracted to now alone', async () => {
    const stub = await stubSite();
    const { config } = siteConfig(`${stub.url}/v3`, { default_extract_from: '2026-02-01' });
    const ctx = contextOf(config);
    const first = await runAccountingExtract(ctx);
    expect(first.projects[0]!.window).toEqual({ from: '2026-02-01T00:00:00.000Z', to: iso(NOW_MS) });
    const again = await runAccountingExtract(ctx);
    expect(again.projects).toEqual([
      { projectId: PROJECT, vo: 'vo.example.org', ok: true, records: {}, messages: 0 },
    ]);
  });

  it('in a dry run sends the messages to the sink and takes no lock, writes no outbox, moves no watermark', async () => {
    const stub = await stubSite();
    const { config, stateDir } = siteConfig(`${stub.url}/v3`);
    const outcome = await runAccountingExtract(contextOf(config), {
      dryRunSink: { add: async () => undefined },
    });
    expect(outcome.outbox).toBeNull();
    expect(outcome.projects[0]).toMatchObject({ ok: true, records: { cloud: 0 } });
    expect(outcome.projects[0]!.watermarkMoves).toBeUndefined();
    expect(existsSync(stateDir)).toBe(false);
  });

  it('reports an unreachable Keystone of a VO project as that project failing', async () => {
    const { config } = siteConfig('http://127.0.0.1:1/v3');
    const outcome = await runAccountingExtract(contextOf(config));
    expect(outcome.failure).toBeUndefined();
    expect(outcome.projects).toEqual([
      expect.objectContaining({ projectId: PROJECT, ok: false, error: expect.stringMatching(/unreachable/) }),
    ]);
  });

  it('reports the lock of a live extraction as the failure of the run', async () => {
    const { config, stateDir } = siteConfig('http://127.0.0.1:1/v3');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, 'extract.lock'), `${process.pid}\n`);
    const outcome = await runAccountingExtract(contextOf(config));
    expect(outcome.failure).toMatchObject({ code: 'STATE_IO' });
    expect(outcome.failure!.message).toMatch(/another extraction/);
  });

  it('throws config problems: a secret that cannot be read, a default start that is no time', async () => {
    const { config } = siteConfig('http://127.0.0.1:1/v3');
    delete process.env[PASSWORD_ENV];
    await expect(runAccountingExtract(contextOf(config))).rejects.toMatchObject({
      code: 'CONFIG_SECRET_MISSING',
      path: 'credentials.password_env',
    });
    process.env[PASSWORD_ENV] = 'pw';
    const bad = siteConfig('http://127.0.0.1:1/v3', { default_extract_from: 'last week' }).config;
    await expect(runAccountingExtract(contextOf(bad))).rejects.toMatchObject({
      path: 'accounting.default_extract_from',
    });
  });

  it('fails the projects of an aborted run and keeps their watermarks', async () => {
    const stub = await stubSite();
    const { config, stateDir } = siteConfig(`${stub.url}/v3`);
    const outcome = await runAccountingExtract(contextOf(config, AbortSignal.abort()));
    const failed = outcome.failure !== undefined || outcome.projects.every((p) => !p.ok);
    expect(failed).toBe(true);
    expect(existsSync(path.join(stateDir, 'watermarks'))).toBe(false);
  });
});
