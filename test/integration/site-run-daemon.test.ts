// `fedstack site run --config-dir` as a process against both testbed sites: accounting and
// discovery on second-scale schedules, metrics, status files, site-b's Keystone going away (only
// site-b's jobs fail) and coming back (they recover without a restart), a broken file added while
// it runs, and a clean stop on SIGTERM.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { get, runsOf, spawnDaemon, until, type DaemonProcess } from '../helpers/daemon.js';
import { writeTestbedSiteYaml } from '../helpers/testbed.js';

const PORT = 19_180 + (process.pid % 500);

/**
 * A TCP forwarder to a Keystone: `down()` closes it and refuses connections (Keystone gone for
 * whoever uses this port), `up()` listens again on the same port.
 */
function keystoneForwarder(targetPort: number, port: number) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const up = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = createConnection(targetPort, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', resolve);
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
    });
  return { up, down };
}

describe('fedstack site run over a directory of both testbed sites', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-daemon-it-'));
  const sites = path.join(dir, 'sites');
  const state = path.join(dir, 'state');
  const base = `http://127.0.0.1:${PORT}`;
  let daemon: DaemonProcess | undefined;

  const forwarder = keystoneForwarder(5020, PORT + 1);
  afterAll(async () => {
    await forwarder.down();
    daemon?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every site’s jobs on schedule, shows them in /metrics and the status files, and stops on SIGTERM', async () => {
    mkdirSync(sites);
    await forwarder.up();
    for (const [site, file] of [
      ['site-a', 'a.yaml'],
      ['site-b', 'b.yaml'],
    ] as const)
      writeTestbedSiteYaml(
        sites,
        () => ({
          schedules: { accounting: '1h', discovery: '3s', jitter: '1s' },
          accounting: { state_dir: path.join(dir, `accounting-${site}`) },
          // site-b's Keystone through the forwarder, so that the test can take it away
          ...(site === 'site-b' ? { endpoint: `http://127.0.0.1:${PORT + 1}/v3/` } : {}),
        }),
        site,
        file,
      );
    daemon = spawnDaemon(['--config-dir', sites, '--state-dir', state, '--listen', `127.0.0.1:${PORT}`]);

    // discovery every 3 s: at least two successful runs of each site
    const metrics = await until('two discovery runs of each site', async () => {
      const { text } = await get(`${base}/metrics`);
      const isDone = ['TESTBED-SITE-A', 'TESTBED-SITE-B'].every(
        (site) => runsOf(text, site, 'discovery', 'ok') >= 2,
      );
      return isDone ? text : undefined;
    });
    expect(metrics).toMatch(
      /fedstack_site_job_last_success_timestamp_seconds\{site="TESTBED-SITE-A",job="discovery"\} \d+/,
    );
    expect(metrics).toMatch(/fedstack_site_process_resident_memory_bytes \d+/);
    // accounting ran at start (no status file yet) and succeeded at both sites
    await until('both accounting runs', async () => {
      const { text } = await get(`${base}/status`);
      const jobs = (JSON.parse(text) as { jobs: { job: string; ok?: boolean }[] }).jobs;
      return jobs.filter((j) => j.job === 'accounting' && j.ok === true).length === 2 ? true : undefined;
    });
    const status = JSON.parse(readFileSync(path.join(state, 'TESTBED-SITE-B', 'discovery.json'), 'utf8')) as {
      ok: boolean;
      schedule: string;
      lastSuccessAt: string;
      summary: string;
    };
    expect(status).toMatchObject({ ok: true, schedule: '3s', summary: expect.stringMatching(/shares/) });
    // beside the status, the last GLUE document of the site
    const glue = JSON.parse(readFileSync(path.join(state, 'TESTBED-SITE-B', 'glue.json'), 'utf8')) as {
      Share?: unknown[];
    };
    expect(glue.Share).toHaveLength(2);

    // site-b's Keystone goes away: only site-b's discovery fails, site-a keeps its schedule
    await forwarder.down();
    const outage = await get(`${base}/metrics`);
    const failedAtOutage = runsOf(outage.text, 'TESTBED-SITE-B', 'discovery', 'failed');
    const okA = runsOf(outage.text, 'TESTBED-SITE-A', 'discovery', 'ok');
    const failedA = runsOf(outage.text, 'TESTBED-SITE-A', 'discovery', 'failed');
    const during = await until('two failed runs at site-b', async () => {
      const { text } = await get(`${base}/metrics`);
      return runsOf(text, 'TESTBED-SITE-B', 'discovery', 'failed') >= failedAtOutage + 2 ? text : undefined;
    });
    expect(runsOf(during, 'TESTBED-SITE-A', 'discovery', 'ok')).toBeGreaterThan(okA);
    const statusA = (await get(`${base}/status`)).text;
    expect(runsOf(during, 'TESTBED-SITE-A', 'discovery', 'failed'), statusA).toBe(failedA);
    const failedB = JSON.parse(
      readFileSync(path.join(state, 'TESTBED-SITE-B', 'discovery.json'), 'utf8'),
    ) as {
      ok: boolean;
    };
    expect(failedB.ok).toBe(false);
    // and comes back: site-b recovers without a restart
    const okB = runsOf(during, 'TESTBED-SITE-B', 'discovery', 'ok');
    await forwarder.up();
    await until('site-b to succeed again', async () => {
      const { text } = await get(`${base}/metrics`);
      return runsOf(text, 'TESTBED-SITE-B', 'discovery', 'ok') > okB ? true : undefined;
    });

    // a broken file added while it runs: reported, the two sites go on
    writeFileSync(path.join(sites, 'broken.yaml'), 'gocdb: [not closed\n');
    const ready = await until(
      'the broken file to be reported',
      async () => {
        const { text } = await get(`${base}/readyz`);
        return text.includes('broken.yaml')
          ? (JSON.parse(text) as { status: string; sites: number })
          : undefined;
      },
      30_000,
    );
    expect(ready).toMatchObject({ status: 'ok', sites: 2 });

    const printed = await runCli(['site', 'status', '--state-dir', state]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^SITE\s+JOB\s+LAST\s+LAST RUN/);
    expect(printed.stdout).toMatch(/TESTBED-SITE-A\s+accounting\s+ok/);
    expect(printed.stdout).toMatch(/TESTBED-SITE-B\s+discovery\s+ok/);

    const stopping = Date.now();
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(30_000);
    expect(daemon.log()).toMatch(/fedstack site run stopped/);
    expect(daemon.log()).not.toMatch(/"level":60/);
  }, 240_000);
});
