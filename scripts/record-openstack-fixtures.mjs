#!/usr/bin/env node
// Records real OpenStack response bodies from a running testbed site into
// test/fixtures/openstack/<service>/<operation>.json, for the parsers' unit tests.
//
//   npm run build && node scripts/record-openstack-fixtures.mjs [--site site-a]
//
// It works in the site's admin project, creates what it needs (servers: one active on the
// external network, one shelved, one deleted; a volume; a floating IP; a shared image), records
// the list and get answers, and deletes everything it made, also when a step fails. Bodies are
// stored as the services sent them except: secrets (adminPass, token ids) are replaced, the
// loopback host becomes openstack.example.org, and list answers keep only the items this run
// made (or the seeded ones), so other tests' leftovers never end up in the fixtures.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  OpenStackSession,
  createFloatingIp,
  createImage,
  createServer,
  createVolume,
  deleteFloatingIp,
  deleteImage,
  deleteServer,
  deleteVolume,
  listFlavors,
  listNetworks,
  listProjects,
  shelveServer,
  uploadImageData,
  waitForServer,
  waitForVolume,
  addImageMember,
} from '../dist/openstack/index.js';

const args = process.argv.slice(2);
const siteArg = args.indexOf('--site');
const site = siteArg >= 0 ? args[siteArg + 1] : 'site-a';
const root = process.env.TESTBED_DIR ?? '/tmp/os-testbed';
const out = path.resolve(import.meta.dirname, '../test/fixtures/openstack');
const PREFIX = 'fixture-rec';

function readEnv(file) {
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  return env;
}

const env = readEnv(path.join(root, site, 'site.env'));
const session = new OpenStackSession({
  authUrl: env.OS_AUTH_URL,
  auth: { kind: 'password', username: env.OS_USERNAME, userDomainName: 'Default', password: env.OS_PASSWORD },
  scope: { projectName: env.OS_PROJECT_NAME, projectDomainName: 'Default' },
  region: env.OS_REGION_NAME,
  timeoutMs: 60_000,
});

/** Replaces secrets and loopback addresses; keeps everything else as sent. */
function scrub(value) {
  const text = JSON.stringify(value, (key, v) => {
    if (key === 'adminPass' || key === 'password' || key === 'secret') return '[redacted]';
    return v;
  });
  return JSON.parse(text.replace(/https?:\/\/127\.0\.0\.1:(\d+)/g, 'http://openstack.example.org:$1'));
}

function save(service, operation, body) {
  const dir = path.join(out, service);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${operation}.json`), JSON.stringify(scrub(body), null, 2) + '\n');
  console.log(`recorded ${service}/${operation}.json`);
}

const get = (service, p, query, microversion) =>
  session.json({ service, method: 'GET', path: p, query, microversion });
const keepOnly = (body, key, isOurs) => ({ ...body, [key]: body[key].filter(isOurs) });

const cleanup = [];
async function main() {
  const startedAt = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const projectId = await session.projectId();
  const [flavor] = (await listFlavors(session)).filter((f) => f.name === 'm1.small');
  const large = (await listFlavors(session)).find((f) => f.name === 'm1.large');
  const [publicNet] = await listNetworks(session, { 'router:external': 'true' });
  const images = (await get('image', 'v2/images', {})).images;
  const seedImage = images.find((i) => i.name === 'Local Ubuntu 22.04');
  if (!flavor || !large || !publicNet || !seedImage)
    throw new Error('the testbed is missing its seeded flavor, image or network');

  // --- Keystone: the token body itself (X-Subject-Token is a header, not in it)
  const tokenRes = await fetch(`${env.OS_AUTH_URL}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: env.OS_USERNAME, domain: { name: 'Default' }, password: env.OS_PASSWORD },
          },
        },
        scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: 'Default' } } },
      },
    }),
  });
  save('keystone', 'token-create', await tokenRes.json());
  const isSeededProject = (p) => ['admin', 'vo', 'fedcloud', 'service'].includes(p.name);
  save('keystone', 'projects-list', keepOnly(await get('identity', 'projects'), 'projects', isSeededProject));
  const [vo] = await listProjects(session, { name: 'vo' });
  save('keystone', 'project-get', await get('identity', `projects/${vo.id}`));
  save(
    'keystone',
    'auth-projects',
    keepOnly(await get('identity', 'auth/projects'), 'projects', isSeededProject),
  );
  const isSeededUser = (u) => ['admin', 'vo-user', 'fedcloud-user', 'nova', 'glance'].includes(u.name);
  const users = await get('identity', 'users');
  save('keystone', 'users-list', keepOnly(users, 'users', isSeededUser));
  const voUser = users.users.find((u) => u.name === 'vo-user');
  save('keystone', 'user-get', await get('identity', `users/${voUser.id}`));
  save(
    'keystone',
    'role-assignments-list',
    await get('identity', 'role_assignments', { 'scope.project.id': vo.id, include_names: true }),
  );

  // --- Nova: servers (active, shelved, deleted), flavors, usage, quotas, limits
  const createBody = await session.json({
    service: 'compute',
    method: 'POST',
    path: 'servers',
    microversion: '2.37',
    body: {
      server: {
        name: `${PREFIX}-active`,
        flavorRef: flavor.id,
        imageRef: seedImage.id,
        networks: [{ uuid: publicNet.id }],
        metadata: { purpose: 'fixture' },
      },
    },
  });
  save('nova', 'server-create', createBody);
  const activeId = createBody.server.id;
  cleanup.push(() => deleteServer(session, activeId));
  const shelvedId = await createServer(session, {
    name: `${PREFIX}-shelved`,
    flavorId: large.id,
    imageId: seedImage.id,
    networks: 'none',
  });
  cleanup.push(() => deleteServer(session, shelvedId));
  const deletedId = await createServer(session, {
    name: `${PREFIX}-deleted`,
    flavorId: flavor.id,
    imageId: seedImage.id,
    networks: 'none',
  });
  cleanup.push(() => deleteServer(session, deletedId));
  for (const id of [activeId, shelvedId, deletedId]) await waitForServer(session, id, ['ACTIVE']);
  await shelveServer(session, shelvedId);
  await waitForServer(session, shelvedId, ['SHELVED_OFFLOADED', 'SHELVED'], { timeoutMs: 180_000 });
  await deleteServer(session, deletedId);
  await waitForServer(session, deletedId, ['DELETED']);

  const ours = (s) => s.name.startsWith(PREFIX);
  const since = { 'changes-since': startedAt };
  save(
    'nova',
    'servers-detail',
    keepOnly(await get('compute', 'servers/detail', since, '2.47'), 'servers', ours),
  );
  save(
    'nova',
    'servers-detail-2.1',
    keepOnly(await get('compute', 'servers/detail', since, '2.1'), 'servers', ours),
  );
  save('nova', 'server-get', await get('compute', `servers/${activeId}`, {}, '2.47'));
  save('nova', 'flavors-detail', await get('compute', 'flavors/detail', { is_public: 'none' }, '2.61'));
  save('nova', 'flavor-extra-specs', await get('compute', `flavors/${large.id}/os-extra_specs`));
  const iso = (d) => d.toISOString().replace('Z', '');
  save(
    'nova',
    'tenant-usage',
    await get(
      'compute',
      `os-simple-tenant-usage/${projectId}`,
      {
        start: iso(new Date(Date.parse(startedAt) - 60_000)),
        end: iso(new Date(Date.now() + 60_000)),
        detailed: 1,
        limit: 1000,
      },
      '2.40',
    ),
  );
  save('nova', 'quota-set-detail', await get('compute', `os-quota-sets/${projectId}/detail`));
  save('nova', 'limits', await get('compute', 'limits'));

  // --- Neutron: networks, the active server's ports, a floating IP
  const isSeededNet = (n) => ['public', 'vo-net', 'fedcloud-net'].includes(n.name);
  save('neutron', 'networks-list', keepOnly(await get('network', 'v2.0/networks'), 'networks', isSeededNet));
  save('neutron', 'ports-list', await get('network', 'v2.0/ports', { device_id: activeId }));
  const fipBody = await session.json({
    service: 'network',
    method: 'POST',
    path: 'v2.0/floatingips',
    body: { floatingip: { floating_network_id: publicNet.id, project_id: projectId, description: PREFIX } },
  });
  save('neutron', 'floatingip-create', fipBody);
  cleanup.push(() => deleteFloatingIp(session, fipBody.floatingip.id));
  save(
    'neutron',
    'floatingips-list',
    keepOnly(
      await get('network', 'v2.0/floatingips', { project_id: projectId }),
      'floatingips',
      (f) => f.id === fipBody.floatingip.id,
    ),
  );
  // a second one through our client, associated with nothing, proves createFloatingIp parses
  const fip2 = await createFloatingIp(session, { floatingNetworkId: publicNet.id, projectId });
  cleanup.push(() => deleteFloatingIp(session, fip2.id));

  // --- Cinder: a volume
  const volBody = await session.json({
    service: 'volumev3',
    method: 'POST',
    path: 'volumes',
    body: { volume: { name: `${PREFIX}-volume`, size: 1 } },
  });
  save('cinder', 'volume-create', volBody);
  cleanup.push(() => deleteVolume(session, volBody.volume.id));
  await waitForVolume(session, volBody.volume.id, ['available']);
  save('cinder', 'volume-get', await get('volumev3', `volumes/${volBody.volume.id}`));
  save(
    'cinder',
    'volumes-detail',
    keepOnly(await get('volumev3', 'volumes/detail', {}, '3.60'), 'volumes', (v) =>
      v.name?.startsWith(PREFIX),
    ),
  );
  save('cinder', 'quota-set-usage', await get('volumev3', `os-quota-sets/${projectId}`, { usage: 'true' }));
  const vol2 = await createVolume(session, { name: `${PREFIX}-volume-2`, sizeGb: 1 });
  cleanup.push(() => deleteVolume(session, vol2.id));

  // --- Glance: the seeded image, a shared image of ours and its member
  save(
    'glance',
    'images-list',
    keepOnly(await get('image', 'v2/images'), 'images', (i) => i.id === seedImage.id),
  );
  save('glance', 'image-get', await get('image', `v2/images/${seedImage.id}`));
  const image = await createImage(session, {
    name: `${PREFIX}-image`,
    diskFormat: 'raw',
    visibility: 'shared',
    properties: { os_distro: 'ubuntu', os_version: '24.04' },
  });
  cleanup.push(() => deleteImage(session, image.id));
  await uploadImageData(session, image.id, new Blob([new Uint8Array(1024)]).stream(), { sizeBytes: 1024 });
  save('glance', 'image-shared-get', await get('image', `v2/images/${image.id}`));
  await addImageMember(session, image.id, vo.id);
  save('glance', 'image-members-list', await get('image', `v2/images/${image.id}/members`));
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  for (const undo of cleanup.reverse()) {
    try {
      await undo();
    } catch (error) {
      failed = true;
      console.error('cleanup failed:', error);
    }
  }
}
process.exit(failed ? 1 : 0);
