// Global test setup: before the integration tests start, makes sure the Debian packages of the
// testbed and of the tests are installed (testbed/openstack.sh install, as root) and the two
// testbed OpenStack sites run (see test/helpers/testbed.ts). Unit-only runs (FEDSTACK_TESTBED=off) need neither.
import { ensureTestbed, installTestPackages, isTestbedDisabled } from './testbed.js';

export default async function setup(): Promise<void> {
  if (isTestbedDisabled()) return;
  await installTestPackages();
  await ensureTestbed();
}
