// Researcher-side logic shared by the CLI and the hub's portal: calls to every site with per-site
// time limits, matchmaking, and the VMs' list, launch and delete.
export { siteNamer, type FederationSite } from './federation-site.js';
export * from './matchmaking.js';
export {
  callSites,
  siteSession,
  type KeystoneTokenStore,
  type SiteCaller,
  type SiteOutcome,
} from './site-calls.js';
export * from './servers.js';
export {
  SiteSettingsSchema,
  mergeSites,
  siteSettingsOf,
  type ListedSite,
  type SiteDefaults,
  type SiteSettings,
} from './site-settings.js';
