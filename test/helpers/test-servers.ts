// Servers for tests that need usage at a testbed site: m1.small from the local Ubuntu image,
// without a network, booted together.
import {
  collectAll,
  createServer,
  listFlavors,
  paginateImages,
  waitForServer,
  type OpenStackSession,
} from '../../src/openstack/index.js';

/** Boots one server per name in `session`'s project and waits until all are ACTIVE; their ids, in order. */
export async function bootTestServers(
  session: OpenStackSession,
  names: readonly string[],
): Promise<string[]> {
  const flavor = (await listFlavors(session)).find((f) => f.name === 'm1.small')!;
  const image = (await collectAll(paginateImages(session, { name: 'Local Ubuntu 22.04' })))[0]!;
  const ids: string[] = [];
  for (const name of names)
    ids.push(
      await createServer(session, { name, flavorId: flavor.id!, imageId: image.id, networks: 'none' }),
    );
  await Promise.all(ids.map((id) => waitForServer(session, id, ['ACTIVE'])));
  return ids;
}
