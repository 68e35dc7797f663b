// Migration from the FedCloud appliance's config files.
export { createImportConfigCommand } from './command.js';
export {
  importUpstreamConfigs,
  SECRETS_DIR,
  type FoundSecret,
  type ImportResult,
  type UnmappedOption,
  type UpstreamConfigs,
  type UpstreamFile,
} from './upstream-config.js';
