// Builds APEL accelerator records (v0.1): one per GPU VM per calendar month, cumulative within the month.
import type { AcceleratorRecord } from '../../formats/apel/index.js';
import type { Server } from '../../openstack/index.js';
import {
  dropUndefined,
  flavorOf,
  serverLifetime,
  type ProjectContext,
  type Window,
} from './cloud-records.js';
import { toApelText } from './apel-text.js';

const ACCELERATOR_TYPES = new Set(['GPU', 'FPGA', 'Other']);

function monthStart(year: number, month: number): number {
  return Date.UTC(year, month - 1, 1) / 1000;
}

/**
 * The accelerator records of a server whose flavor sets `Accelerator:Type`,
 * `Vendor`, `Model` and `Number`: one per calendar month (UTC) overlapping the
 * window, each counting from max(month start, VM start) to min(next month,
 * window end, VM end); resending a month replaces it.
 */
export function buildAcceleratorRecords(
  server: Server,
  ctx: ProjectContext,
  window: Window,
  cloudVmUuid = server.id,
): AcceleratorRecord[] {
  const flavor = flavorOf(server, ctx.flavors);
  const specs = flavor?.extraSpecs ?? {};
  const type = specs['Accelerator:Type'];
  const vendor = specs['Accelerator:Vendor'];
  const model = specs['Accelerator:Model'];
  const count = Number(specs['Accelerator:Number']);
  if (!type || !vendor || !model || !Number.isFinite(count) || count <= 0) return [];
  const { start, end } = serverLifetime(server);
  const from = Math.max(start, window.from);
  const to = Math.min(end ?? window.to, window.to);
  if (to < from) return [];
  const records: AcceleratorRecord[] = [];
  const first = new Date(from * 1000);
  let year = first.getUTCFullYear();
  let month = first.getUTCMonth() + 1;
  while (monthStart(year, month) <= to) {
    const next = month === 12 ? monthStart(year + 1, 1) : monthStart(year, month + 1);
    const available = Math.max(0, Math.min(next, to) - Math.max(monthStart(year, month), start));
    const cores = Number(specs['Accelerator:Cores']);
    records.push(
      dropUndefined({
        measurementMonth: month,
        measurementYear: year,
        associatedRecordType: 'cloud',
        associatedRecord: cloudVmUuid,
        globalUserName: toApelText(ctx.userNames.get(server.userId)),
        fqan: ctx.vo,
        siteName: ctx.siteName,
        count,
        cores: Number.isFinite(cores) ? cores : undefined,
        availableDuration: available,
        activeDuration: available,
        type: (ACCELERATOR_TYPES.has(type) ? type : 'Other') as AcceleratorRecord['type'],
        model: toApelText(`${vendor} ${model}`),
        cloudType: ctx.cloudType,
        cloudComputeService: ctx.cloudComputeService,
      }),
    );
    if (month === 12) {
      year++;
      month = 1;
    } else month++;
  }
  return records;
}
