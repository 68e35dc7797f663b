// The monitor's scheduling on a real store and HTTP: a hanging check holds neither the other
// sites' checks nor the scheduler, and hard state changes reach the webhook.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Monitor,
  type CheckOutcome,
  type CheckTarget,
  type MonitorConfig,
} from '../../src/hub/monitor/index.js';
import { Registry } from '../../src/hub/registry/index.js';
import { openTestStore, type TestStore } from '../helpers/test-stores.js';

describe('monitor scheduling', () => {
  let store: TestStore;
  let registry: Registry;
  let hook: Server;
  let hookUrl: string;
  const received: Record<string, unknown>[] = [];

  beforeAll(async () => {
    store = await openTestStore('sqlite');
    registry = new Registry(store.store);
    for (const site of ['DEAD', 'LIVE-1', 'LIVE-2']) {
      await registry.putSite(site, {
        certificationStatus: 'Certified',
        productionStatus: 'Production',
        extensions: {},
      });
      await registry.addEndpoint(site, {
        serviceType: 'org.openstack.nova',
        hostname: `${site.toLowerCase()}.example`,
        url: `https://${site.toLowerCase()}.example:5000/v3`,
        isMonitored: true,
        isInProduction: true,
        extensions: {},
      });
    }
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body) as Record<string, unknown>);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await new Promise((r) => hook.close(r));
    await store.dispose();
  });

  it('keeps running the live sites on time while the dead one hangs past its limit, and posts hard changes', async () => {
    const metric = { check: 'tcp' as const, args: {}, interval: 0.3, retry: 0.2, attempts: 1, timeout: 1 };
    const config: MonitorConfig = {
      concurrency: 2,
      webhook: hookUrl,
      metrics: { 'test.TCP': metric },
      profile: { 'org.openstack.nova': ['test.TCP'] },
      services: {},
    };
    const starts: Record<string, number[]> = {};
    const run = async (target: CheckTarget): Promise<CheckOutcome> => {
      (starts[target.site] ??= []).push(Date.now());
      // the dead site never answers: only the monitor's guard (timeout + 5 s) ends its check
      if (target.site === 'DEAD') return new Promise(() => undefined);
      return { status: 'OK', summary: 'OK: fine', perfdata: '', durationMs: 1 };
    };
    const monitor = new Monitor({
      store: store.store,
      registry,
      config,
      hubUrl: 'http://127.0.0.1:9',
      run,
      flushMs: 100,
    });
    await monitor.start();
    await new Promise((r) => setTimeout(r, 7_500));
    await monitor.stop();
    // with one of two slots held by the dead site, each live site still ran about every 0.3 s
    for (const site of ['LIVE-1', 'LIVE-2']) {
      const gaps = starts[site]!.slice(1).map((t, i) => t - starts[site]![i]!);
      expect(starts[site]!.length, site).toBeGreaterThan(15);
      expect(Math.max(...gaps), site).toBeLessThan(1_000);
    }
    // the dead site: given up at its limit and the guard's grace (1 + 5 s), a hard UNKNOWN posted
    expect(received).toEqual([
      expect.objectContaining({
        site: 'DEAD',
        metric: 'test.TCP',
        status: 'UNKNOWN',
        previous: 'OK',
        summary: 'UNKNOWN: the check did not end within 1 s',
      }),
    ]);
  }, 30_000);
});
