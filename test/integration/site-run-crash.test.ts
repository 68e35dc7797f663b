// The daemon killed with SIGKILL at random moments over 20 runs while it extracts and sends
// site-b's accounting to a hub; after one clean run the hub holds every expected record exactly
// once and the outbox is empty.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApelMessage, type CloudRecord } from '../../src/formats/apel/index.js';
import { buildHub, type HubApp } from '../../src/hub/app.js';
import { deleteServer, waitForServer, type OpenStackSession } from '../../src/openstack/index.js';
import { accountingConfig, outboxMessages } from '../helpers/accounting.js';
import { deleteAll } from '../helpers/cleanup.js';
import { runCli } from '../helpers/cli.js';
import { spawnDaemon, until } from '../helpers/daemon.js';
import { adminInProject } from '../helpers/sessions.js';
import { bootTestServers } from '../helpers/test-servers.js';
import { addTestToken, openTestStore, type TestStore } from '../helpers/test-stores.js';

const SITE = 'TESTBED-SITE-B';

/** A small seeded generator, so that a failing sequence of kill times can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('fedstack site run survives SIGKILL while it sends accounting to the hub', () => {
  let s: OpenStackSession;
  const created: string[] = [];
  let store: TestStore;
  let hub: HubApp;
  let hubBase = '';
  const admin = `crash-it-admin-${process.pid}`;
  let cfg: ReturnType<typeof accountingConfig>;

  beforeAll(async () => {
    s = await adminInProject('site-b', 'vo');
    created.push(...(await bootTestServers(s, ['daemon-crash-1', 'daemon-crash-2', 'daemon-crash-3'])));
    await deleteServer(s, created[2]!);
    await waitForServer(s, created[2]!, ['DELETED']);

    store = await openTestStore('sqlite');
    hub = await buildHub({ store: store.store, adminToken: admin });
    await hub.listen({ host: '127.0.0.1', port: 0 });
    hubBase = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
    const publisher = await addTestToken(store.store, `crash-it-publisher-${process.pid}`, 'publisher', SITE);
    cfg = accountingConfig(
      'site-b',
      {
        default_extract_from: String(Math.floor(Date.now() / 1000) - 3600),
        ams: {
          url: hubBase,
          project: 'accounting',
          topic: 'eu-egi-cloud-accounting',
          token_file: 'ams-token',
        },
      },
      { schedules: { accounting: '2s', discovery: '1h', jitter: '1s' } },
    );
    writeFileSync(path.join(cfg.dir, 'ams-token'), `${publisher}\n`);
  }, 300_000);

  afterAll(async () => {
    await deleteAll(created, (id) => deleteServer(s, id));
    await hub?.close();
    await store?.dispose();
    if (cfg) rmSync(cfg.dir, { recursive: true, force: true });
  });

  it('has every record at the hub exactly once after 20 killed runs and a clean one', async () => {
    // the VMs a single clean extraction reports
    const dry = await runCli(['site', 'accounting', 'extract', '--config', cfg.file, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const expected = new Set(
      dry.stdout
        .split('\n\n')
        .map((m) => m.trim())
        .filter(Boolean)
        .flatMap((m) => {
          const parsed = parseApelMessage(m);
          return parsed.kind === 'cloud' ? (parsed.records as CloudRecord[]).map((r) => r.vmUuid!) : [];
        }),
    );
    for (const id of created) expect(expected).toContain(id);

    const seed = Number(process.env.FEDSTACK_CRASH_SEED ?? Date.now() % 1_000_000);
    const random = seeded(seed);
    const state = path.join(cfg.dir, 'daemon-state');
    const kills: number[] = [];
    let cutFirstRuns = 0;
    for (let i = 0; i < 20; i++) {
      const daemon = spawnDaemon(['--config', cfg.file, '--state-dir', state, '--listen', 'off']);
      // from the start (extraction at once, no status file yet) to a few runs later
      const delay = 300 + Math.floor(random() * 5_000);
      kills.push(delay);
      setTimeout(() => daemon.child.kill('SIGKILL'), delay);
      await daemon.exited;
      if (!/"msg":"job run"/.test(daemon.log())) cutFirstRuns++;
    }
    const context = `seed ${seed}, kills after ${kills.join(', ')} ms`;
    // the kills fell both inside the first run and after whole runs that sent to the hub
    expect(cutFirstRuns, context).toBeGreaterThan(0);
    expect(cutFirstRuns, context).toBeLessThan(20);
    await hub.hub.ingest!.drain();
    const before = await store.store.db
      .selectFrom('cloud_records')
      .select('vm_id')
      .where('site_name', '=', SITE)
      .execute();
    expect(before.length, context).toBeGreaterThan(0);

    // one clean run: the daemon extracts and sends until the outbox is empty, then stops on SIGTERM
    const clean = spawnDaemon(['--config', cfg.file, '--state-dir', state, '--listen', 'off']);
    const cleanStart = Date.now();
    const statusFile = path.join(state, SITE, 'accounting.json');
    await until(
      'a clean accounting run with nothing left in the outbox',
      async () => {
        if (!existsSync(statusFile)) return undefined;
        const status = JSON.parse(readFileSync(statusFile, 'utf8')) as { ok?: boolean; lastRunAt?: string };
        const isClean = status.ok === true && Date.parse(status.lastRunAt ?? '') >= cleanStart;
        return isClean && outboxMessages(cfg.outbox).length === 0 ? true : undefined;
      },
      120_000,
    );
    clean.child.kill('SIGTERM');
    expect(await clean.exited, clean.log()).toBe(0);

    await hub.hub.ingest!.drain();
    const rows = await store.store.db
      .selectFrom('cloud_records')
      .innerJoin('cloud_vms', 'cloud_vms.id', 'cloud_records.vm_id')
      .select([
        'cloud_vms.vm_uuid as uuid',
        'cloud_records.measurement_year as year',
        'cloud_records.measurement_month as month',
      ])
      .where('cloud_records.site_name', '=', SITE)
      .execute();
    // every VM of the clean extraction, once per measurement month, and nothing else
    expect(new Set(rows.map((r) => r.uuid)), context).toEqual(expected);
    const perMonth = new Map<string, number>();
    for (const r of rows)
      perMonth.set(
        `${r.uuid} ${r.year}-${r.month}`,
        (perMonth.get(`${r.uuid} ${r.year}-${r.month}`) ?? 0) + 1,
      );
    expect(
      [...perMonth.values()].every((n) => n === 1),
      context,
    ).toBe(true);
    const rejects = await (
      await fetch(`${hubBase}/v1/accounting/rejects`, { headers: { 'x-api-key': admin } })
    ).json();
    expect(rejects, context).toMatchObject({ rejects: [] });
  }, 600_000);
});
