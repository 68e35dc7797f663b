// The schemas of every hub route (zod), in one place a typed hub client can import type-only.
export {
  NO_QUERY as ACCOUNTING_NO_QUERY,
  REJECTS_QUERY,
  SUMMARIES_QUERY,
  VIEW_QUERY,
} from './accounting-schemas.js';
export {
  ACK_BODY,
  ACK_DEADLINE_BODY,
  LIST_QUERY,
  NO_QUERY as AMS_NO_QUERY,
  OFFSET_BODY,
  PROJECT_PARAMS,
  PUBLISH_BODY,
  PUBLISH_PARAMS,
  PULL_BODY,
  SUBSCRIPTION_BODY,
  TIME_QUERY,
  TOPIC_PARAMS,
  subscriptionParams,
} from './ams-schemas.js';
export {
  FLAVORS_QUERY,
  GLUE_QUERY,
  IMAGES_QUERY,
  NO_QUERY as INFOSYS_NO_QUERY,
  REPORT_BODY,
  SITES_QUERY,
  SITE_PARAMS,
  SITE_QUERY,
  SITE_VO_PARAMS,
} from './infosys-schemas.js';
