// Global test setup: makes sure the two testbed OpenStack sites run before the
// integration tests start (see test/helpers/testbed.ts).
import { ensureTestbed } from './testbed.js';

export default async function setup(): Promise<void> {
  await ensureTestbed();
}
