#!/usr/bin/env node
// What the demo prints from the outbox and the hub (scripts/demo.sh calls it):
//
//   node scripts/demo-report.mjs records <outbox dir> <vm uuid>  the queued APEL records of one server
//   node scripts/demo-report.mjs wait <hub url> <site> <ids>     until the hub stored the servers' records
//                                                               and both VOs' summaries show usage
//   node scripts/demo-report.mjs stored <ids>                    the hub's stored records of the servers
//   node scripts/demo-report.mjs site <hub url> <site>           the site, its images and flavors
//
// <ids> is what demo-usage.mjs create printed: {"demo-web": "<uuid>", …}; demo-gpu is the GPU server.
// The hub's admin token is read from FEDSTACK_HUB_ADMIN_TOKEN, its SQLite directory from
// FEDSTACK_HUB_DATA_DIR (the stored records are read with the hub's own store, dist/hub).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HubStore } from '../dist/hub/index.js';

const VOS = ['vo.access.egi.eu', 'fedcloud.egi.eu'];
/** The hub loads AMS messages in the background; on a busy two-core machine that can take a while. */
const WAIT_SECONDS = 120;
const [command, ...args] = process.argv.slice(2);

async function get(hub, route) {
  const res = await fetch(`${hub}${route}`, {
    headers: { 'x-api-key': process.env.FEDSTACK_HUB_ADMIN_TOKEN ?? '' },
  });
  if (!res.ok) throw new Error(`GET ${route}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Every record of the outbox's messages that names the server: in APEL text messages (cloud,
 * storage) `%%` ends a record; JSON messages (accelerator, public IP) list theirs in UsageRecords.
 */
function records(outbox, vmUuid) {
  const files = readdirSync(outbox)
    .filter((d) => /^[0-9a-f]{8}$/.test(d))
    .flatMap((d) =>
      readdirSync(path.join(outbox, d))
        .filter((f) => /^[0-9a-f]{14}$/.test(f)) // elements, not their .tmp or .lck links
        .map((f) => path.join(outbox, d, f)),
    );
  let found = 0;
  for (const file of files.sort()) {
    const text = readFileSync(file, 'utf8');
    if (text.startsWith('{')) {
      const { Type, Version, UsageRecords = [] } = JSON.parse(text);
      for (const record of UsageRecords.filter((r) => Object.values(r).includes(vmUuid))) {
        console.log(`${JSON.stringify({ Type, Version })}\n${JSON.stringify(record, null, 1)}\n`);
        found++;
      }
      continue;
    }
    const [header, ...rest] = text.split('\n');
    for (const record of rest.join('\n').split(/^%%$/m)) {
      if (!record.includes(vmUuid)) continue;
      console.log(`${header}\n${record.trim()}\n`);
      found++;
    }
  }
  if (found === 0) throw new Error(`the outbox ${outbox} has no record of ${vmUuid}`);
}

function openHubStore() {
  const dir = process.env.FEDSTACK_HUB_DATA_DIR;
  if (!dir) throw new Error('FEDSTACK_HUB_DATA_DIR is not set');
  return HubStore.open({ kind: 'sqlite', file: path.join(dir, 'hub.sqlite') });
}

/** The cloud records of the servers and the accelerator records of the GPU server, as the hub stored them. */
async function storedRecords(store, ids) {
  const uuids = Object.values(ids);
  const cloud = await store.db
    .selectFrom('cloud_records as r')
    .innerJoin('cloud_vms as v', 'v.id', 'r.vm_id')
    .innerJoin('cloud_record_groups as g', 'g.id', 'r.group_id')
    .select([
      'v.vm_uuid',
      'r.machine_name',
      'g.vo',
      'g.status',
      'g.cpu_count',
      'r.measurement_year',
      'r.measurement_month',
      'r.wall_duration',
      'r.cpu_duration',
      'r.public_ip_count',
    ])
    .where('v.vm_uuid', 'in', uuids)
    .orderBy('r.machine_name')
    .execute();
  const accelerators = await store.db
    .selectFrom('accelerator_records')
    .selectAll()
    .where('associated_record', '=', ids['demo-gpu'])
    .execute();
  return { cloud, accelerators };
}

/**
 * Waits until the hub has stored a cloud record of every server and the GPU server's accelerator
 * record, and its summaries show usage (WallDuration > 0) of both VOs at the site.
 */
async function waitForHub(hub, site, ids) {
  const store = openHubStore();
  try {
    for (let i = 0; i < WAIT_SECONDS; i++) {
      const { cloud, accelerators } = await storedRecords(store, ids);
      const stored = new Set(cloud.map((r) => r.vm_uuid));
      if (Object.values(ids).every((id) => stored.has(id)) && accelerators.length > 0) {
        const { summaries } = await get(hub, `/v1/accounting/summaries?site=${site}&group_by=vo`);
        const used = new Set(summaries.filter((r) => r.wallDuration > 0).map((r) => r.vo));
        if (VOS.every((vo) => used.has(vo))) return;
      }
      await sleep(1000);
    }
  } finally {
    await store.close();
  }
  throw new Error(
    `after ${WAIT_SECONDS} s the hub still lacks records of ${Object.keys(ids).join(', ')} or usage of ${VOS.join(' and ')} at ${site}`,
  );
}

async function printStored(ids) {
  const store = openHubStore();
  try {
    const { cloud, accelerators } = await storedRecords(store, ids);
    console.log('cloud records (one per server and month):');
    for (const r of cloud) {
      const month = `${r.measurement_year}-${String(r.measurement_month).padStart(2, '0')}`;
      console.log(
        `  ${String(r.machine_name).padEnd(13)} ${String(r.vo).padEnd(17)} ${month} ${String(r.status).padEnd(9)}` +
          ` ${r.cpu_count} vCPU  WallDuration ${r.wall_duration} s  CpuDuration ${r.cpu_duration} s` +
          `  public IPs ${r.public_ip_count ?? 0}   ${r.vm_uuid}`,
      );
    }
    console.log(`accelerator records of demo-gpu (${ids['demo-gpu']}):`);
    for (const a of accelerators) {
      const month = `${a.measurement_year}-${String(a.measurement_month).padStart(2, '0')}`;
      console.log(
        `  ${a.site_name} ${a.vo} ${month}: ${a.accelerator_count}x ${a.type} ${a.model},` +
          ` AvailableDuration ${a.available_duration} s, ActiveDuration ${a.active_duration} s`,
      );
    }
  } finally {
    await store.close();
  }
}

async function siteReport(hub, site) {
  const [entry] = await get(hub, `/v1/sites?site_name=${site}&include_projects=true`);
  if (!entry) throw new Error(`${site} is not in the hub's information system`);
  const images = await get(hub, `/v1/site/${site}/images?only_egi_images=false`);
  const flavors = await get(hub, `/v1/flavors?site=${site}`);
  console.log(`${entry.name} (${entry.state}) ${entry.url}`);
  console.log(`  VO projects: ${entry.projects.map((p) => `${p.name} = ${p.id}`).join(', ')}`);
  console.log(`  images (${images.length}): ${images.map((i) => `${i.name} [${i.vo}]`).join(', ')}`);
  console.log(`  flavors (${flavors.length}):`);
  for (const f of flavors) {
    const acc = f.accelerator
      ? `, ${f.accelerator.number}x ${f.accelerator.type} ${f.accelerator.vendor} ${f.accelerator.model}`
      : '';
    console.log(
      `    ${f.name}: ${f.cpu} vCPU, ${f.ram_mb} MiB RAM, ${f.disk_gb} GB disk${acc} [${f.vos.join(', ')}]`,
    );
  }
}

if (command === 'records') records(args[0], args[1]);
else if (command === 'wait') await waitForHub(args[0], args[1], JSON.parse(args[2]));
else if (command === 'stored') await printStored(JSON.parse(args[0]));
else if (command === 'site') await siteReport(args[0], args[1]);
else {
  process.stderr.write(
    'usage: demo-report.mjs records OUTBOX VM | wait HUB SITE IDS | stored IDS | site HUB SITE\n',
  );
  process.exit(2);
}
