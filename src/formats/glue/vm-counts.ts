// Sorts Nova server statuses into the VM counts GLUE publishes.

/** VM counts of a share or service. */
export interface VmCounts {
  readonly total: number;
  readonly running: number;
  readonly suspended: number;
  readonly halted: number;
  /** Servers in ERROR (or another broken state): counted in total, never as running. */
  readonly failed: number;
}

const SUSPENDED = new Set(['SUSPENDED', 'PAUSED']);
const HALTED = new Set(['SHUTOFF', 'STOPPED', 'SHELVED', 'SHELVED_OFFLOADED']);
// cloud-info-provider 1.x counted every status it did not know, ERROR included,
// as running (reference/discovery.md §7.4); these are not running.
const FAILED = new Set(['ERROR', 'UNKNOWN', 'DELETED', 'SOFT_DELETED']);

/**
 * Sums server counts by Nova status into GLUE's running/suspended/halted counts.
 * Active and transitional statuses (BUILD, REBOOT, RESIZE, MIGRATING, ...) count as running.
 * @example countVms({ ACTIVE: 2, ERROR: 1 }) // { total: 3, running: 2, failed: 1, ... }
 */
export function countVms(serversByStatus: Readonly<Record<string, number>>): VmCounts {
  let running = 0;
  let suspended = 0;
  let halted = 0;
  let failed = 0;
  for (const [rawStatus, count] of Object.entries(serversByStatus)) {
    const status = rawStatus.toUpperCase();
    if (SUSPENDED.has(status)) suspended += count;
    else if (HALTED.has(status)) halted += count;
    else if (FAILED.has(status)) failed += count;
    else running += count;
  }
  return { total: running + suspended + halted + failed, running, suspended, halted, failed };
}

/** Adds VM counts field by field. */
export function addVmCounts(a: VmCounts, b: VmCounts): VmCounts {
  return {
    total: a.total + b.total,
    running: a.running + b.running,
    suspended: a.suspended + b.suspended,
    halted: a.halted + b.halted,
    failed: a.failed + b.failed,
  };
}
