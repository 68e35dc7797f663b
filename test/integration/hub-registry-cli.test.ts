// `fedstack hub registry import --site-dir` and `fedstack hub monitor` as real processes over one
// SQLite data directory: catch-all site files seed the registry, the monitor checks what it holds.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubStore } from '../../src/hub/index.js';
import { ResultStore } from '../../src/hub/monitor/index.js';
import { CLI, runCli } from '../helpers/cli.js';

describe('the registry and the monitor from the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-registry-cli-'));
  const dataDir = path.join(dir, 'hub');
  const sites = path.join(dir, 'sites');
  let target: Server;

  beforeAll(async () => {
    target = createServer((c) => c.end());
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as AddressInfo).port;
    mkdirSync(sites);
    writeFileSync(
      path.join(sites, 'CLI-SITE-A.yaml'),
      `gocdb: CLI-SITE-A\nendpoint: http://127.0.0.1:${port}/v3\nvos: []\n`,
    );
    writeFileSync(
      path.join(sites, 'CLI-SITE-B.yaml'),
      'gocdb: CLI-SITE-B\nendpoint: http://127.0.0.1:1/v3\n',
    );
    writeFileSync(path.join(sites, 'README.md'), 'not a site file');
  });
  afterAll(async () => new Promise((r) => target.close(r)));

  it('seeds sites and nova endpoints from catch-all files, idempotently', async () => {
    const first = await runCli(['hub', '--data-dir', dataDir, 'registry', 'import', '--site-dir', sites]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`${sites}: 2 site(s), 2 endpoint(s), 0 downtime(s)\n`);
    await runCli(['hub', '--data-dir', dataDir, 'registry', 'import', '--site-dir', sites]);
    const listed = await runCli(['hub', '--data-dir', dataDir, 'registry', 'sites', '--json']);
    const rows = listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { shortName: string; endpoints: { serviceType: string; url: string }[] });
    expect(rows.map((r) => [r.shortName, r.endpoints.map((e) => e.serviceType)])).toEqual([
      ['CLI-SITE-A', ['org.openstack.nova']],
      ['CLI-SITE-B', ['org.openstack.nova']],
    ]);
    const none = await runCli(['hub', '--data-dir', dataDir, 'registry', 'import']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give --gocdb or --site-dir');
  });

  it('runs the monitor as its own process: OK for the listening site, CRITICAL for the refused one, and stops on SIGTERM', async () => {
    const config = path.join(dir, 'monitor.yaml');
    writeFileSync(
      config,
      [
        'metrics:',
        '  org.nagios.Keystone-TCP:',
        '    check: tcp',
        '    interval: 1',
        '    retry: 0.5',
        '    attempts: 2',
        '    timeout: 2',
        'profile:',
        '  org.openstack.nova: [org.nagios.Keystone-TCP]',
      ].join('\n'),
    );
    const child = spawn(
      process.execPath,
      [CLI, 'hub', '--data-dir', dataDir, 'monitor', '--monitor-config', config, '--log-level', 'silent'],
      { stdio: 'ignore' },
    );
    const store = HubStore.open({ kind: 'sqlite', file: path.join(dataDir, 'hub.sqlite') });
    try {
      const results = new ResultStore(store);
      const hardOf = async () => {
        const series = await results.allSeries();
        const states = await results.states();
        return Object.fromEntries(
          series.map((s) => {
            const st = states.find((x) => x.seriesId === s.id)?.state;
            return [s.siteName, st?.type === 'HARD' ? st.hardStatus : undefined];
          }),
        );
      };
      const until = Date.now() + 20_000;
      let seen: Record<string, string | undefined> = {};
      while (Date.now() < until) {
        seen = await hardOf();
        if (seen['CLI-SITE-A'] === 'OK' && seen['CLI-SITE-B'] === 'CRITICAL') break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(seen).toEqual({ 'CLI-SITE-A': 'OK', 'CLI-SITE-B': 'CRITICAL' });
    } finally {
      await store.close();
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  }, 40_000);
});
