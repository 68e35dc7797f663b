import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSchedule } from '../../../../src/formats/schedule/index.js';
import { silentLogger } from '../../../../src/log.js';
import { startDaemon, type Daemon } from '../../../../src/site/daemon/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-daemon-metrics-'));
let daemon: Daemon | undefined;
afterAll(async () => {
  await daemon?.stop(1_000);
  rmSync(dir, { recursive: true, force: true });
});

describe('the daemon metrics', () => {
  it('observe each run’s duration once, however often they are scraped', async () => {
    const config = path.join(dir, 'site.yaml');
    writeFileSync(config, 'gocdb: SITE\nendpoint: https://keystone.example.org:5000/v3\n');
    const hourly = parseSchedule('1h');
    if (!('schedule' in hourly)) throw new Error(hourly.problem);
    let runs = 0;
    daemon = await startDaemon({
      config,
      stateDir: path.join(dir, 'state'),
      listen: { host: '127.0.0.1', port: 0 },
      logger: silentLogger,
      jobsOf: (c) => [
        {
          site: c.gocdb,
          name: 'discovery',
          schedule: hourly.schedule,
          jitterMs: 0,
          timeoutMs: 10_000,
          run: async () => (runs++, { ok: true, items: 2, summary: 'done' }),
        },
      ],
    });
    // the run counted by the scheduler (set in the same step as the metrics of the finished run)
    for (let i = 0; i < 100 && daemon.scheduler.states()[0]?.runs.ok !== 1; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs).toBe(1);
    const scrape = async () => {
      const { request } = await import('undici');
      return (await request(`${daemon!.url}/metrics`)).body.text();
    };
    await scrape();
    const text = await scrape();
    expect(text).toMatch(/^fedstack_site_job_duration_seconds_count\{site="SITE",job="discovery"\} 1$/m);
    expect(text).toMatch(/^fedstack_site_job_runs_total\{site="SITE",job="discovery",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^fedstack_site_job_items\{site="SITE",job="discovery"\} 2$/m);
  });
});
