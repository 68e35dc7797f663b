// The portal's settings and sign-in, for the hub's app and command.
export {
  DEFAULT_PORTAL,
  loadPortalConfig,
  type PortalAccess,
  type PortalLogin,
  type PortalOptions,
} from './portal-config.js';
export { OidcProvider } from './oidc-code-flow.js';
export { PortalSessions, type PortalSession } from './portal-sessions.js';
