// Monitoring probes as Nagios plugins.
export { createProbeCommand } from './command.js';
export { EXIT_CODES, pluginOutput, type PluginStatus, type ProbeResult } from './plugin-output.js';
