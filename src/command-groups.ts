// The names of the researcher's top-level commands (src/client), known to the entry point without
// loading that box, so that `fedstack servers list` loads only the client.

export const CLIENT_COMMANDS: ReadonlySet<string> = new Set([
  'login',
  'logout',
  'token',
  'vos',
  'sites',
  'images',
  'flavors',
  'servers',
  'env',
  'openstack',
  'config',
]);
