// The typed OpenStack client: sessions, auth, and one module of operations per service.
export * from './openstack-error.js';
export { OpenStackResponseError, type ResponseSource, type BodyPlace } from './parse-response.js';
export * from './api-time.js';
export * from './keystone-url.js';
export * from './catalog.js';
export * from './auth.js';
export * from './oidc-refresh.js';
export * from './session.js';
export { probeEndpoint } from './transport.js';
export * from './pagination.js';
export * from './microversion.js';
export * from './keystone.js';
export * from './nova.js';
export * from './nova-responses.js';
export * from './glance.js';
export * from './neutron.js';
export * from './cinder.js';
