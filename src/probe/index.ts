// Monitoring probes as Nagios plugins, as commands and as functions the hub's monitor runs in-process.
export { createProbeCommand, settleProbe } from './command.js';
export {
  EXIT_CODES,
  perfdataOf,
  pluginOutput,
  thresholdStatus,
  type PluginStatus,
  type ProbeResult,
} from './plugin-output.js';
export {
  accountingProbe,
  infoProviderProbe,
  keystoneProbe,
  swiftProbe,
  tcpProbe,
  vmProbe,
  type AccountingProbeOptions,
  type InfoProviderProbeOptions,
  type VmProbeOptions,
} from './probes.js';
export { imageListProbe, type ImageListProbeOptions } from './imagelist-probe.js';
