// Global test setup: before the integration tests start, makes sure the Debian packages they use
// besides the testbed's own are installed (see test/helpers/os-packages.ts) and the two testbed
// OpenStack sites run (see test/helpers/testbed.ts). Unit-only runs (FEDSTACK_TESTBED=off) need neither.
import { ensureOsPackages } from './os-packages.js';
import { ensureTestbed, isTestbedDisabled } from './testbed.js';

export default async function setup(): Promise<void> {
  if (isTestbedDisabled()) return;
  await ensureOsPackages();
  await ensureTestbed();
}
