// The researcher's client: token, VOs, sites, images, flavors, servers at every site, env.
export { createClientCommands } from './command.js';
export { loadClientConfig, type ClientConfig } from './client-config.js';
export { clientSites, type ClientSite } from './client-sites.js';
export { callSites, type SiteOutcome } from './site-calls.js';
