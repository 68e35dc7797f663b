// Reads accelerators, benchmarks, architecture and Infiniband from Nova flavor extra specs.
import { dropUndefined } from './drop-undefined.js';
import type { SnapshotAccelerator, SnapshotBenchmark } from './site-snapshot.js';

/** Extra-spec keys for accelerators; the defaults follow EGI's "GPU flavors" convention. */
export interface AcceleratorSpecKeys {
  readonly type: string;
  readonly number: string;
  readonly vendor: string;
  readonly model: string;
  readonly version: string;
  /** Device memory in GiB. */
  readonly memory: string;
  readonly virtualizationType: string;
}

/** The `Accelerator:*` keys EGI documents for GPU flavors. */
export const DEFAULT_ACCELERATOR_SPEC_KEYS: AcceleratorSpecKeys = {
  type: 'Accelerator:Type',
  number: 'Accelerator:Number',
  vendor: 'Accelerator:Vendor',
  model: 'Accelerator:Model',
  version: 'Accelerator:Version',
  memory: 'Accelerator:Memory',
  virtualizationType: 'Accelerator:VirtualizationType',
};

/** What {@link parseFlavorExtraSpecs} found in a flavor's extra specs. */
export interface FlavorExtraSpecInfo {
  readonly accelerator?: SnapshotAccelerator;
  readonly benchmark?: SnapshotBenchmark;
  readonly architecture?: string;
  readonly hasInfiniband: boolean;
}

const ARCH_TRAIT = /^trait:HW_ARCH_([A-Z0-9_]+)$/;
const ARCH_KEYS = ['capabilities:cpu_arch', 'hw:cpu_arch', 'cpu_arch', 'architecture'];

function text(specs: Readonly<Record<string, string>>, key: string): string | undefined {
  const value = specs[key]?.trim();
  return value ? value : undefined;
}

function finiteNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function readAccelerator(
  specs: Readonly<Record<string, string>>,
  keys: AcceleratorSpecKeys,
): SnapshotAccelerator | undefined {
  // As in cloud-info-provider, an accelerator exists only when its number is set;
  // the number may be fractional (a shared GPU), as EGI's GPU docs allow.
  const number = finiteNumber(text(specs, keys.number));
  if (number === undefined || number <= 0) return undefined;
  const memoryGb = finiteNumber(text(specs, keys.memory));
  const accelerator: SnapshotAccelerator = {
    type: (text(specs, keys.type) ?? 'GPU').toUpperCase(),
    number,
    vendor: text(specs, keys.vendor),
    model: text(specs, keys.model),
    version: text(specs, keys.version),
    memoryMb: memoryGb === undefined ? undefined : Math.round(memoryGb * 1024),
    virtualizationType: text(specs, keys.virtualizationType),
  };
  return dropUndefined(accelerator);
}

function readArchitecture(specs: Readonly<Record<string, string>>): string | undefined {
  for (const [key, value] of Object.entries(specs)) {
    const trait = ARCH_TRAIT.exec(key);
    if (trait && value === 'required') return trait[1]!.toLowerCase();
  }
  for (const key of ARCH_KEYS) {
    const value = text(specs, key);
    // ComputeCapabilitiesFilter values may carry an operator prefix: "s== x86_64"
    if (value) return value.replace(/^(s==|=|<in>)\s*/, '');
  }
  return undefined;
}

/**
 * Interprets the extra specs of a Nova flavor: accelerator (`Accelerator:*`),
 * benchmark (`accounting:benchmark_type` / `accounting:benchmark_value`, as cASO reads them),
 * pinned CPU architecture (`trait:HW_ARCH_*=required` or `capabilities:cpu_arch`)
 * and Infiniband (`infiniband=true`).
 * @example parseFlavorExtraSpecs({ 'Accelerator:Number': '1', 'Accelerator:Memory': '40' }).accelerator
 *   // { type: 'GPU', number: 1, memoryMb: 40960 }
 */
export function parseFlavorExtraSpecs(
  specs: Readonly<Record<string, string>>,
  keys: AcceleratorSpecKeys = DEFAULT_ACCELERATOR_SPEC_KEYS,
): FlavorExtraSpecInfo {
  const benchmarkType = text(specs, 'accounting:benchmark_type');
  const benchmarkValue = finiteNumber(text(specs, 'accounting:benchmark_value'));
  const info: FlavorExtraSpecInfo = {
    accelerator: readAccelerator(specs, keys),
    benchmark:
      benchmarkType !== undefined && benchmarkValue !== undefined
        ? { type: benchmarkType, value: benchmarkValue }
        : undefined,
    architecture: readArchitecture(specs),
    hasInfiniband: text(specs, 'infiniband')?.toLowerCase() === 'true',
  };
  return dropUndefined(info);
}
