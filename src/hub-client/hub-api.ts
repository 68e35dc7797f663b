/**
 * The wire types of the hub's REST API, derived from the hub's own route schemas
 * (`src/hub/http/route-schemas.ts`): queries and bodies as the routes parse them, answers as the
 * routes write them. Only types cross over; no hub code runs in a client.
 * @module
 */
import type { z } from 'zod';
// type-only, erased at build: the hub's wire shapes, not its code
import type { HubRoutes as routes } from '../hub/index.js';

/**
 * A query as the client takes it: every parameter optional, each with the type the route parses
 * it to (`true` for `?include_projects=true`, a number for `?limit=10`).
 */
export type HubQuery<S extends z.ZodType> = { [K in keyof z.output<S>]?: z.output<S>[K] };

/** `Q` with the comma-separated list parameters `K` also taken as arrays. */
type WithLists<Q, K extends keyof Q> = Omit<Q, K> & { [P in K]?: Q[P] | readonly string[] };

// The information system

/** Query of `GET /v1/sites`. */
export type SitesQuery = HubQuery<typeof routes.SITES_QUERY>;
/** Query of `GET /v1/site/{name}`. */
export type SiteQuery = HubQuery<typeof routes.SITE_QUERY>;
/** Query of the image lists. */
export type ImagesQuery = HubQuery<typeof routes.IMAGES_QUERY>;
/** Query of `GET /v1/flavors`. */
export type FlavorsQuery = HubQuery<typeof routes.FLAVORS_QUERY>;
/** `json` (the GLUE 2.1 document as published) or `ldif`. */
export type GlueFormat = z.output<typeof routes.GLUE_QUERY>['format'];
/** Body of `PUT /v1/site/{name}/discovery`. */
export type DiscoveryRunReport = z.input<typeof routes.REPORT_BODY>;
/** Answer of `PUT /v1/site/{name}/glue`. */
export type GluePublishResponse = z.output<typeof routes.GLUE_PUBLISH_RESPONSE>;
/** A site of `GET /v1/sites` and `GET /v1/site/{name}`. */
export type SiteResponse = routes.SiteResponse;
/** A VO's project at a site. */
export type ProjectResponse = routes.ProjectResponse;
/** An image of a VO at a site. */
export type ImageResponse = routes.ImageResponse;
/** A flavor with the VOs that can use it. */
export type FlavorResponse = routes.FlavorResponse;
/** The accelerator of a flavor. */
export type AcceleratorResponse = routes.AcceleratorResponse;
/** Discovery health of one site (`GET /v1/discovery`). */
export type SiteHealthResponse = routes.SiteHealthResponse;
/** The information system's error body. */
export type InfosysErrorBody = z.output<typeof routes.INFOSYS_ERROR_RESPONSE>;

// Accounting

/** Query of `GET /v1/accounting/summaries` (JSON); `site`, `vo` and `group_by` also as arrays. */
export type SummariesQuery = WithLists<
  Omit<HubQuery<typeof routes.SUMMARIES_QUERY>, 'format'>,
  'site' | 'vo' | 'group_by'
>;
/** The formats of a summaries export besides JSON. */
export type SummariesTextFormat = Exclude<
  z.output<typeof routes.SUMMARIES_QUERY>['format'],
  'json' | undefined
>;
/** Query of the monthly IP and accelerator views (JSON); `site` and `vo` also as arrays. */
export type ViewQuery = WithLists<Omit<HubQuery<typeof routes.VIEW_QUERY>, 'format'>, 'site' | 'vo'>;
/** Query of `GET /v1/accounting/rejects`. */
export type RejectsQuery = HubQuery<typeof routes.REJECTS_QUERY>;
/** JSON answer of `GET /v1/accounting/summaries`. */
export type SummariesResponse = z.output<typeof routes.SUMMARIES_RESPONSE>;
/** One summary row. */
export type SummaryRow = SummariesResponse['summaries'][number];
/** A `group_by` dimension. */
export type SummaryDimension = SummariesResponse['groupBy'][number];
/** Answer of `GET /v1/accounting/rejects`. */
export type RejectsResponse = z.output<typeof routes.REJECTS_RESPONSE>;
/** Answer of `GET /v1/accounting/sites`. */
export type AccountingSitesResponse = z.output<typeof routes.ACCOUNTING_SITES_RESPONSE>;
/** JSON answer of `GET /v1/accounting/ip`. */
export type IpResponse = z.output<typeof routes.IP_RESPONSE>;
/** JSON answer of `GET /v1/accounting/accelerators`. */
export type AcceleratorsResponse = z.output<typeof routes.ACCELERATORS_RESPONSE>;
/** The REST error body (accounting and the rest of the hub outside AMS and the information system). */
export type HubErrorBody = z.output<typeof routes.ERROR_RESPONSE>;

// Messaging (AMS)

/** Body of `POST …/topics/{t}:publish`. */
export type AmsPublishBody = z.input<typeof routes.PUBLISH_BODY>;
/** One message as it goes on the wire (`data` base64). */
export type AmsWireMessage = AmsPublishBody['messages'][number];
/** Body of `POST …/subscriptions/{s}:pull`. */
export type AmsPullBody = z.input<typeof routes.PULL_BODY>;
/** Body of `POST …/subscriptions/{s}:acknowledge`. */
export type AmsAckBody = z.input<typeof routes.ACK_BODY>;
/** Body of `PUT …/subscriptions/{s}`. */
export type AmsSubscriptionBody = z.input<typeof routes.SUBSCRIPTION_BODY>;
/** Body of `POST …/subscriptions/{s}:modifyAckDeadline`. */
export type AmsAckDeadlineBody = z.input<typeof routes.ACK_DEADLINE_BODY>;
/** Body of `POST …/subscriptions/{s}:modifyOffset`. */
export type AmsOffsetBody = z.input<typeof routes.OFFSET_BODY>;
/** A topic. */
export type AmsTopic = z.output<typeof routes.TOPIC_RESPONSE>;
/** Answer of `GET …/topics`. */
export type AmsTopicList = z.output<typeof routes.TOPIC_LIST_RESPONSE>;
/** Answer of `GET …/topics/{t}/subscriptions`. */
export type AmsTopicSubscriptions = z.output<typeof routes.TOPIC_SUBSCRIPTIONS_RESPONSE>;
/** Answer of a publish. */
export type AmsPublishResponse = z.output<typeof routes.PUBLISH_RESPONSE>;
/** A subscription. */
export type AmsSubscription = z.output<typeof routes.SUBSCRIPTION_RESPONSE>;
/** Answer of `GET …/subscriptions`. */
export type AmsSubscriptionList = z.output<typeof routes.SUBSCRIPTION_LIST_RESPONSE>;
/** Answer of a pull. */
export type AmsPullResponse = z.output<typeof routes.PULL_RESPONSE>;
/** One pulled message with its ack id (`message.data` base64). */
export type AmsReceivedMessage = AmsPullResponse['receivedMessages'][number];
/** Answer of `GET …/subscriptions/{s}:offsets`. */
export type AmsOffsets = z.output<typeof routes.OFFSETS_RESPONSE>;
/** Answer of `GET …/subscriptions/{s}:timeToOffset`. */
export type AmsTimeToOffset = z.output<typeof routes.TIME_TO_OFFSET_RESPONSE>;
/** AMS's error body. */
export type AmsErrorBody = z.output<typeof routes.AMS_ERROR_RESPONSE>;
