// EGI (AARC-G002) entitlements: parsing, and which VOs a token may use on the clouds.
export {
  CLOUD_ENTITLEMENT_EXCEPTIONS,
  cloudEntitlementOf,
  entitlementsOfClaims,
  parseEntitlement,
  voAccessOf,
  type Entitlement,
  type VoAccess,
} from './entitlements.js';
