// The hub's monitor against both testbed sites: Debian's check_tcp as an external plugin and the
// keystone probe in-process; site-b's Keystone stopped goes CRITICAL while site-a stays OK, comes
// back when restarted, and a downtime over the outage keeps it out of the reliability.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Monitor,
  ResultStore,
  availabilityReport,
  loadMonitorConfig,
  type MonitorConfig,
} from '../../src/hub/monitor/index.js';
import { Registry } from '../../src/hub/registry/index.js';
import { ensureOsPackages } from '../helpers/os-packages.js';
import { mintToken, testbedEnv } from '../helpers/testbed.js';
import { openTestStore, type TestStore } from '../helpers/test-stores.js';

const run = promisify(execFile);
const SCRIPT = path.resolve(import.meta.dirname, '../../testbed/openstack.sh');
const VO = 'vo.access.egi.eu';
const TCP = 'org.nagios.Keystone-TCP';
const LOGIN = 'org.openstack.Keystone-Login';

describe('the monitor against the testbed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-monitor-it-'));
  let store: TestStore;
  let registry: Registry;
  let monitor: Monitor;
  let config: MonitorConfig;
  const keys: Record<'a' | 'b', string> = { a: '', b: '' };

  /** The hard state of a check, from the stored states. */
  const hardStatus = async (key: string, metric: string) => {
    const results = new ResultStore(store.store);
    const series = (await results.allSeries()).find((s) => s.endpointKey === key && s.metric === metric);
    const state = (await results.states()).find((s) => s.seriesId === series?.id);
    return state?.state.type === 'HARD' ? state.state.hardStatus : undefined;
  };
  const waitFor = async (what: string, test: () => Promise<boolean>, timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (await test()) return Date.now();
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${what}: not within ${timeoutMs} ms`);
  };

  beforeAll(async () => {
    await ensureOsPackages(['monitoring-plugins-basic']);
    const tokenFile = path.join(dir, 'oidc');
    writeFileSync(
      tokenFile,
      `${await mintToken('monitor-it', [`urn:mace:egi.eu:group:${VO}:role=vm_operator#aai.egi.eu`])}\n`,
    );
    const configFile = path.join(dir, 'monitor.yaml');
    writeFileSync(
      configFile,
      [
        'concurrency: 4',
        'metrics:',
        `  ${TCP}:`,
        '    command: "check_tcp -H {host} -p {port} -t {timeout}"',
        '    interval: 1',
        '    retry: 0.5',
        '    attempts: 2',
        '    timeout: 3',
        `  ${LOGIN}:`,
        '    check: keystone',
        `    args: { accessTokenFile: ${tokenFile}, federationEndpoint: "{ext.federation_endpoint}" }`,
        '    interval: 2',
        '    retry: 1',
        '    attempts: 2',
        '    timeout: 10',
        'profile:',
        `  org.openstack.nova: [${TCP}, ${LOGIN}]`,
      ].join('\n'),
    );
    config = loadMonitorConfig(configFile);
    store = await openTestStore('sqlite');
    registry = new Registry(store.store);
    for (const [letter, site] of [
      ['a', 'site-a'],
      ['b', 'site-b'],
    ] as const) {
      const env = testbedEnv(site);
      await registry.putSite(`MON-${site.toUpperCase()}`, {
        certificationStatus: 'Certified',
        productionStatus: 'Production',
        extensions: {},
      });
      const endpoint = await registry.addEndpoint(`MON-${site.toUpperCase()}`, {
        serviceType: 'org.openstack.nova',
        hostname: new URL(env.OS_AUTH_URL!).hostname,
        url: env.OS_AUTH_URL!,
        isMonitored: true,
        isInProduction: true,
        extensions: { federation_endpoint: env.TESTBED_FEDERATION_URL! },
      });
      keys[letter] = endpoint.primaryKey;
    }
    monitor = new Monitor({
      store: store.store,
      registry,
      config,
      hubUrl: 'http://127.0.0.1:9',
      flushMs: 200,
    });
    await monitor.start();
  }, 300_000);

  afterAll(async () => {
    await run(SCRIPT, ['keystone-start', '--name', 'site-b', '--offset', '20']).catch(() => undefined);
    await monitor?.stop();
    await store?.dispose();
  }, 120_000);

  it('finds both sites OK, site-b CRITICAL within the check limits when its Keystone stops, and OK again after', async () => {
    for (const key of [keys.a, keys.b]) {
      await waitFor(
        `OK of ${key}`,
        async () => (await hardStatus(key, TCP)) === 'OK' && (await hardStatus(key, LOGIN)) === 'OK',
        60_000,
      );
    }
    const stoppedAt = Date.now();
    await run(SCRIPT, ['keystone-stop', '--name', 'site-b', '--offset', '20']);
    // interval 1 s + a soft attempt 0.5 s later, each under its 3 s limit
    const criticalAt = await waitFor(
      'site-b CRITICAL',
      async () => (await hardStatus(keys.b, TCP)) === 'CRITICAL',
      15_000,
    );
    expect(criticalAt - stoppedAt).toBeLessThan(15_000);
    expect(await hardStatus(keys.a, TCP)).toBe('OK');
    expect(await hardStatus(keys.a, LOGIN)).toBe('OK');
    await waitFor(
      'site-b login CRITICAL',
      async () => (await hardStatus(keys.b, LOGIN)) === 'CRITICAL',
      40_000,
    );
    await run(SCRIPT, ['keystone-start', '--name', 'site-b', '--offset', '20']);
    const backAt = await waitFor(
      'site-b OK again',
      async () => (await hardStatus(keys.b, TCP)) === 'OK' && (await hardStatus(keys.b, LOGIN)) === 'OK',
      60_000,
    );
    expect(monitor.stats().maxStartDelayMs).toBeLessThan(5_000);

    await new Promise((r) => setTimeout(r, 2_500));
    await monitor.stop();
    const today = new Date().toISOString().slice(0, 10);
    const report = async () => {
      const rows = await availabilityReport(new ResultStore(store.store), registry, config, {
        from: today,
        to: today,
        granularity: 'daily',
        level: 'site',
      });
      return { a: rows.find((r) => r.site === 'MON-SITE-A')!, b: rows.find((r) => r.site === 'MON-SITE-B')! };
    };
    const before = await report();
    expect(before.a).toMatchObject({ availability: 100, reliability: 100 });
    expect(before.b.availability).toBeLessThan(100);
    expect(before.b.reliability).toBe(before.b.availability);

    // an unscheduled OUTAGE declared over the outage: reliability leaves it out; availability counts
    // the downtime as time not up (A = UP / (T − UNKNOWN)), so it does not rise
    const start = Math.floor(stoppedAt / 1000);
    const end = Math.ceil(backAt / 1000) + 2;
    await registry.addDowntime('MON-SITE-B', {
      classification: 'UNSCHEDULED',
      severity: 'OUTAGE',
      description: 'Keystone stopped',
      start,
      end,
    });
    const after = await report();
    expect(after.b.availability).toBeLessThanOrEqual(before.b.availability!);
    expect(after.b.reliability).toBe(100);
  }, 240_000);
});
