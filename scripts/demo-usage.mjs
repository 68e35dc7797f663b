#!/usr/bin/env node
// Real usage on a testbed site for the demo, so that the accounting it extracts is not empty:
//   vo project:       demo-web (m1.small, with a floating IP), demo-deleted (created, then deleted),
//                     demo-volume (1 GiB)
//   fedcloud project: demo-gpu (the GPU flavor, Accelerator:* extra specs), demo-shelved (shelved)
//
//   npm run build && node scripts/demo-usage.mjs create [--site site-a]   (prints the server ids as JSON)
//   node scripts/demo-usage.mjs delete [--site site-a]
//
// Everything it makes is named demo-… (the floating IP by its description), and `create`
// first removes what an earlier run left, so it can run again and again. `delete` removes it
// all; the demo calls it after the accounting was extracted, so the seeded projects keep their
// quota for the integration tests (they share the testbed).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  OpenStackError,
  OpenStackSession,
  collectAll,
  createServer,
  createVolume,
  deleteFloatingIp,
  deleteServer,
  deleteVolume,
  getServer,
  listFlavors,
  listNetworks,
  listPorts,
  listProjects,
  paginateImages,
  paginateServers,
  paginateVolumes,
  shelveServer,
  waitForServer,
  waitForVolume,
} from '../dist/openstack/index.js';

const PREFIX = 'demo-';
const FIP_DESCRIPTION = 'demo-fip';
const IMAGE = 'Local Ubuntu 22.04';
/** Generous: the testbed shares two cores with whatever else runs. */
const WAIT = { timeoutMs: 300_000 };

const [command, ...args] = process.argv.slice(2);
const siteArg = args.indexOf('--site');
const site = siteArg >= 0 ? args[siteArg + 1] : 'site-a';
const root = process.env.TESTBED_DIR ?? '/tmp/os-testbed';
const say = (line) => process.stderr.write(`   ${line}\n`);

function readEnv(file) {
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  return env;
}

const env = readEnv(path.join(root, site, 'site.env'));

function sessionFor(scope) {
  return new OpenStackSession({
    authUrl: env.OS_AUTH_URL,
    auth: {
      kind: 'password',
      username: env.OS_USERNAME,
      userDomainName: 'Default',
      password: env.OS_PASSWORD,
    },
    scope,
    region: env.OS_REGION_NAME,
    timeoutMs: 60_000,
  });
}

/** The admin user in each seeded VO project (admin has the admin role there). */
async function projectSessions() {
  const admin = sessionFor({ projectName: env.OS_PROJECT_NAME, projectDomainName: 'Default' });
  const out = {};
  for (const name of ['vo', 'fedcloud']) {
    const [project] = await listProjects(admin, { name });
    if (!project) throw new Error(`testbed ${site} has no project ${name}`);
    out[name] = { id: project.id, session: sessionFor({ projectId: project.id }) };
  }
  return out;
}

/** Runs a delete again when the testbed answers 5xx (its services share one MariaDB). */
async function retried(what, remove) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await remove();
    } catch (error) {
      const serverSide = error instanceof OpenStackError && (error.status ?? 500) >= 500;
      if (!serverSide || attempt >= 5) throw new Error(`${what}: ${error.message}`, { cause: error });
      await sleep(500 * attempt);
    }
  }
}

/** Removes every demo-… server, volume and floating IP of the two projects. */
async function removeAll(projects) {
  let removed = 0;
  for (const { session, id } of Object.values(projects)) {
    const fips = await session.json({
      service: 'network',
      method: 'GET',
      path: 'v2.0/floatingips',
      query: { project_id: id, description: FIP_DESCRIPTION },
    });
    for (const fip of fips.floatingips ?? []) {
      await retried(`floating IP ${fip.floating_ip_address}`, () => deleteFloatingIp(session, fip.id));
      removed++;
    }
    const servers = (await collectAll(paginateServers(session, { name: `^${PREFIX}` }))).filter((s) =>
      s.name.startsWith(PREFIX),
    );
    await Promise.all(
      servers.map(async (s) => {
        await retried(`server ${s.name}`, () => deleteServer(session, s.id));
        await waitForServer(session, s.id, ['DELETED'], WAIT);
      }),
    );
    removed += servers.length;
    const volumes = (await collectAll(paginateVolumes(session))).filter((v) => v.name.startsWith(PREFIX));
    for (const v of volumes) {
      await retried(`volume ${v.name}`, () => deleteVolume(session, v.id));
      await waitForVolume(session, v.id, ['deleted'], WAIT.timeoutMs);
    }
    removed += volumes.length;
  }
  return removed;
}

/**
 * Shelves a server and waits for it. On a loaded testbed a freshly restarted nova-compute may drop
 * the request (the server stays ACTIVE with no task); it is sent once more then.
 */
async function shelve(session, id) {
  for (let attempt = 1; ; attempt++) {
    await shelveServer(session, id);
    try {
      const wait = attempt === 1 ? { timeoutMs: 90_000 } : WAIT;
      return await waitForServer(session, id, ['SHELVED', 'SHELVED_OFFLOADED'], wait);
    } catch (error) {
      const now = await getServer(session, id);
      if (attempt >= 2 || now.status !== 'ACTIVE' || now.taskState) throw error;
      say('demo-shelved is still ACTIVE after 90 s; shelving it again');
    }
  }
}

async function create(projects) {
  const left = await removeAll(projects);
  if (left > 0) say(`removed ${left} demo resources of an earlier run`);
  const { vo, fedcloud } = projects;
  const flavors = await listFlavors(vo.session);
  const small = flavors.find((f) => f.name === 'm1.small');
  const gpu = flavors.find((f) => f.extraSpecs['Accelerator:Type']);
  if (!small || !gpu) throw new Error(`testbed ${site} lacks the seeded flavors m1.small and g1.a100`);
  const [image] = await collectAll(paginateImages(vo.session, { name: IMAGE }));
  if (!image) throw new Error(`testbed ${site} lacks the seeded image "${IMAGE}"`);
  const [voNet] = await listNetworks(vo.session, { name: 'vo-net' });
  const [pub] = await listNetworks(vo.session, { 'router:external': 'true' });

  const server = (p, name, flavor, networks = 'none') =>
    createServer(p.session, { name, flavorId: flavor.id, imageId: image.id, networks });
  const web = await server(vo, 'demo-web', small, [voNet.id]);
  const deleted = await server(vo, 'demo-deleted', small);
  const gpuVm = await server(fedcloud, 'demo-gpu', gpu);
  const shelved = await server(fedcloud, 'demo-shelved', small);
  const volume = await createVolume(vo.session, { name: 'demo-volume', sizeGb: 1 });
  await Promise.all([
    waitForServer(vo.session, web, ['ACTIVE'], WAIT),
    waitForServer(vo.session, deleted, ['ACTIVE'], WAIT),
    waitForServer(fedcloud.session, gpuVm, ['ACTIVE'], WAIT),
    waitForServer(fedcloud.session, shelved, ['ACTIVE'], WAIT),
    waitForVolume(vo.session, volume.id, ['available'], WAIT.timeoutMs),
  ]);
  say(`vo: demo-web (${small.name}), demo-deleted (${small.name}), demo-volume (1 GiB) are up`);
  say(
    `fedcloud: demo-gpu (${gpu.name}, ${gpu.extraSpecs['Accelerator:Model'] ?? 'GPU'}), demo-shelved are up`,
  );

  const [port] = await listPorts(vo.session, { device_id: web });
  const fip = await vo.session.json({
    service: 'network',
    method: 'POST',
    path: 'v2.0/floatingips',
    body: { floatingip: { floating_network_id: pub.id, port_id: port.id, description: FIP_DESCRIPTION } },
  });
  await deleteServer(vo.session, deleted);
  await shelve(fedcloud.session, shelved);
  await waitForServer(vo.session, deleted, ['DELETED'], WAIT);
  // Nova learns about the floating IP through Neutron's notification
  for (let i = 0; i < 60; i++) {
    if ((await getServer(vo.session, web)).addresses.some((a) => a.type === 'floating')) break;
    await sleep(500);
  }
  say(
    `demo-web has floating IP ${fip.floatingip.floating_ip_address}; demo-shelved is shelved; demo-deleted is gone`,
  );
  return { 'demo-web': web, 'demo-deleted': deleted, 'demo-gpu': gpuVm, 'demo-shelved': shelved };
}

const projects = await projectSessions();
if (command === 'create') process.stdout.write(`${JSON.stringify(await create(projects))}\n`);
else if (command === 'delete') say(`removed ${await removeAll(projects)} demo resources`);
else {
  process.stderr.write('usage: demo-usage.mjs create|delete [--site NAME]\n');
  process.exit(2);
}
