// Schemas of the AMS routes (zod): path parameters with AMS's name checks, queries, bodies and answers.
import { z } from 'zod';
import type { AmsError } from '../messaging/ams-error.js';
import { AMS_ERRORS } from '../messaging/ams-error.js';
import { checkAmsName, splitTarget } from '../messaging/ams-names.js';
import { MAX_PUBLISH_MESSAGES, parsePublishBody } from '../messaging/ams-publish-body.js';
import { readBodyAs } from './route-schema.js';

/** Most ack ids one acknowledgement may carry (a pull returns at most 1,000 messages). */
const MAX_ACK_IDS = 1000;

const PROJECT = z
  .string()
  .transform((name) => checkAmsName(name, 'Project'))
  .describe('project name');

/** Path of `…/{project}/topics` and `…/{project}/subscriptions`. */
export const PROJECT_PARAMS = z.object({ project: PROJECT });

/**
 * A `{name}[:{action}]` path segment whose action must be `action` (none when undefined); names
 * are checked first, then the action, as AMS does (unknown actions answer 404 "API call not found").
 */
function target(what: 'Topic' | 'Subscription', action: string | undefined, isNameFirst = true) {
  return z
    .string()
    .transform((value) => {
      const split = splitTarget(value);
      if (!isNameFirst && split.action !== action) throw AMS_ERRORS.noRoute();
      const name = checkAmsName(split.name, what);
      if (split.action !== action) throw AMS_ERRORS.noRoute();
      return name;
    })
    .describe(`${what.toLowerCase()} name`);
}

/** Path of `…/topics/{topic}` (PUT, GET, DELETE): a colon action answers 404 before the name is checked. */
export const TOPIC_PARAMS = z.object({ project: PROJECT, target: target('Topic', undefined, false) });
/** Path of `…/topics/{topic}:publish`. */
export const PUBLISH_PARAMS = z.object({ project: PROJECT, target: target('Topic', 'publish') });
/** Path of a POST to `…/topics/{topic}:{action}` with an action AMS does not have: always 404. */
export const TOPIC_ACTION_PARAMS = z.object({ project: PROJECT, target: target('Topic', '\0') });
/** Path of `…/subscriptions/{subscription}[:{action}]` for `action`. */
export function subscriptionParams(action: string | undefined) {
  return z.object({ project: PROJECT, target: target('Subscription', action) });
}

/** The query of an AMS route that takes none (besides `key`). */
export const NO_QUERY = z.object({});
/** The query of an AMS list route: AMS's paging parameters, accepted (one page holds everything). */
export const LIST_QUERY = z.object({
  pageToken: z.string().optional(),
  pageSize: z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .optional(),
});
/** Query of `:timeToOffset`. */
export const TIME_QUERY = z.object({
  time: z.string().optional().describe('YYYY-MM-DDTHH:MM:SS[.fraction]Z'),
});

/**
 * Parses a raw request body as JSON. An empty body counts as `{}`.
 * @throws AmsError 400 "Invalid Request Body" for bad JSON.
 */
export function readJson(body: unknown): unknown {
  if (typeof body !== 'string' || body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    throw AMS_ERRORS.invalidBody();
  }
}

/** `schema` as an AMS body: raw text read as JSON (empty is `{}`), refused with `onInvalid()`. */
function amsBody<S extends z.ZodType>(schema: S, onInvalid: () => AmsError): S {
  return readBodyAs(schema, {
    parse: (raw) => {
      const parsed = schema.safeParse(readJson(raw));
      if (!parsed.success) throw onInvalid();
      return parsed.data;
    },
  });
}

/**
 * Body of `POST …/topics/{t}:publish`, read by `parsePublishBody`, which names the refused field
 * and checks sizes; the schema documents it.
 */
export const PUBLISH_BODY = readBodyAs(
  z
    .object({
      messages: z
        .array(
          z.object({
            data: z.string().min(1).describe('base64, at most 1 MiB decoded'),
            attributes: z.record(z.string(), z.string()).optional(),
          }),
        )
        .min(1)
        .max(MAX_PUBLISH_MESSAGES),
    })
    // what the route gets: the messages as `parsePublishBody` reads them
    .transform((body) => ({ messages: parsePublishBody(body) })),
  { parse: (raw) => ({ messages: parsePublishBody(readJson(raw)) }) },
);
/** Body of `PUT …/subscriptions/{s}`. */
export const SUBSCRIPTION_BODY = amsBody(
  z.object({
    topic: z.string().describe('projects/{project}/topics/{topic}'),
    ackDeadlineSeconds: z.number().int().optional(),
    pushConfig: z.record(z.string(), z.unknown()).optional(),
  }),
  () => AMS_ERRORS.invalidArguments('Subscription'),
);
/** Body of `:pull`; AMS sends both values as strings. */
export const PULL_BODY = amsBody(
  z.object({
    maxMessages: z.union([z.string(), z.number()]).optional(),
    returnImmediately: z.union([z.string(), z.boolean()]).optional(),
  }),
  () => AMS_ERRORS.invalidArguments('Pull Parameters'),
);
/** Body of `:acknowledge`. */
export const ACK_BODY = amsBody(z.object({ ackIds: z.array(z.string()).max(MAX_ACK_IDS) }), () =>
  AMS_ERRORS.invalidData('Invalid ack parameter'),
);
/** Body of `:modifyAckDeadline`. */
export const ACK_DEADLINE_BODY = amsBody(z.object({ ackDeadlineSeconds: z.number().int() }), () =>
  AMS_ERRORS.invalidArguments('ackDeadlineSeconds(needs value between 0 and 600)'),
);
/** Body of `:modifyOffset`. */
export const OFFSET_BODY = amsBody(z.object({ offset: z.number().int() }), () =>
  AMS_ERRORS.invalidArguments('Offset'),
);

// Answers, as ARGO AMS writes them. The routes write them with JSON.stringify (route-schema.ts);
// these schemas describe what they write, for the typed hub client and the tests that hold both to
// the same shape.

/** AMS's error body, `{"error":{"code","message","status"}}` (`code` is the HTTP status). */
export const AMS_ERROR_RESPONSE = z
  .object({
    error: z.object({
      code: z.number().int().describe('the HTTP status'),
      message: z.string(),
      status: z.string().describe('AMS status word, e.g. NOT_FOUND'),
    }),
  })
  .describe('AMS error: {"error":{"code","message","status"}}');
/** The error answers of every AMS route. */
export const AMS_ERROR_RESPONSES = { '4xx': AMS_ERROR_RESPONSE, '5xx': AMS_ERROR_RESPONSE };
/** The answer of the routes that return nothing: `{}`. */
export const EMPTY_RESPONSE = z.object({});
/** A topic: `PUT`/`GET …/topics/{t}`. */
export const TOPIC_RESPONSE = z.object({ name: z.string().describe('/projects/{project}/topics/{topic}') });
/** `GET …/topics`: one page holds every topic. */
export const TOPIC_LIST_RESPONSE = z.object({
  topics: z.array(TOPIC_RESPONSE),
  nextPageToken: z.string(),
  totalSize: z.number().int(),
});
/** `GET …/topics/{t}/subscriptions`: full subscription names. */
export const TOPIC_SUBSCRIPTIONS_RESPONSE = z.object({ subscriptions: z.array(z.string()) });
/** `POST …/topics/{t}:publish`: one id per message, in order. */
export const PUBLISH_RESPONSE = z.object({ messageIds: z.array(z.string()) });
/** A subscription: `PUT`/`GET …/subscriptions/{s}`. */
export const SUBSCRIPTION_RESPONSE = z.object({
  name: z.string().describe('/projects/{project}/subscriptions/{subscription}'),
  topic: z.string().describe('/projects/{project}/topics/{topic}'),
  ackDeadlineSeconds: z.number().int(),
});
/** `GET …/subscriptions`: the caller's subscriptions (all of them for an admin). */
export const SUBSCRIPTION_LIST_RESPONSE = z.object({
  subscriptions: z.array(SUBSCRIPTION_RESPONSE),
  nextPageToken: z.string(),
  totalSize: z.number().int(),
});
/** `POST …/subscriptions/{s}:pull`. */
export const PULL_RESPONSE = z.object({
  receivedMessages: z.array(
    z.object({
      ackId: z.string(),
      message: z.object({
        messageId: z.string(),
        attributes: z.record(z.string(), z.string()),
        data: z.string().describe('base64'),
        publishTime: z.string(),
      }),
    }),
  ),
});
/** `GET …/subscriptions/{s}:offsets`. */
export const OFFSETS_RESPONSE = z.object({
  max: z.number().int(),
  min: z.number().int(),
  current: z.number().int(),
});
/** `GET …/subscriptions/{s}:timeToOffset`. */
export const TIME_TO_OFFSET_RESPONSE = z.object({ offset: z.number().int() });
