// The typed hub client, a common layer the site agent (and any other folder) may use: calls, options, errors, wire types.
export { HubClient } from './hub-client.js';
export type { HubClientOptions, HubCallOptions } from './hub-transport.js';
export {
  HubClientError,
  type HubArea,
  type HubClientErrorDetails,
  type HubFailureKind,
} from './hub-client-error.js';
export { AmsApi, type AmsMessage, type AmsPublishOptions, type AmsPullOptions } from './ams-api.js';
export { AccountingApi } from './accounting-api.js';
export { InfosysApi } from './infosys-api.js';
export type * from './hub-api.js';
