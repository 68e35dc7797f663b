// The AMS calls of the hub client (ARGO Messaging Service v1 under /v1/projects): topics, subscriptions, publish, pull, ack.
import type {
  AmsAckBody,
  AmsAckDeadlineBody,
  AmsOffsetBody,
  AmsOffsets,
  AmsPublishBody,
  AmsPullBody,
  AmsPullResponse,
  AmsReceivedMessage,
  AmsSubscription,
  AmsSubscriptionBody,
  AmsSubscriptionList,
  AmsTimeToOffset,
  AmsTopic,
  AmsTopicList,
  AmsTopicSubscriptions,
  AmsWireMessage,
} from './hub-api.js';
import { seg, type HubCall, type HubCallOptions, type HubTransport } from './hub-transport.js';

/** A message to publish: `data` as bytes or text (the client sends it base64-encoded), string attributes. */
export interface AmsMessage {
  readonly data: string | Uint8Array;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** Options of a publish. */
export interface AmsPublishOptions extends HubCallOptions {
  /**
   * Whether a failed attempt may be sent again. Default false: neither AMS nor the hub
   * deduplicates messages, so a publish whose answer was lost would be stored twice.
   */
  readonly isRetrySafe?: boolean;
}

/** Options of a pull. */
export interface AmsPullOptions extends HubCallOptions {
  /** At most this many messages; default 1 (AMS's). */
  readonly maxMessages?: number;
  /** Answer at once, also with no message; default true. False waits a while for one. */
  readonly returnImmediately?: boolean;
}

const project = (p: string) => `/v1/projects/${seg(p)}`;
const topicPath = (p: string, t: string) => `${project(p)}/topics/${seg(t)}`;
const subPath = (p: string, s: string) => `${project(p)}/subscriptions/${seg(s)}`;

/** The AMS part of a {@link HubClient}; every call needs a token (admin, publisher or consumer, as AMS's roles). */
export class AmsApi {
  readonly #t: HubTransport;

  constructor(transport: HubTransport) {
    this.#t = transport;
  }

  #call(call: Omit<HubCall, 'area'>): HubCall {
    return { area: 'ams', ...call };
  }

  /**
   * `POST …/topics/{t}:publish`: resolves with the message ids AMS assigned, one per message, in
   * order (only then has the broker taken them). Sent once unless `isRetrySafe`.
   * @throws HubClientError `AMS_ERROR` for AMS's refusal or an answer without one id per message.
   */
  async publish(
    projectName: string,
    topic: string,
    messages: readonly AmsMessage[],
    options: AmsPublishOptions = {},
  ): Promise<string[]> {
    const wire: AmsWireMessage[] = messages.map((m) => ({
      attributes: { ...m.attributes },
      data: Buffer.from(m.data).toString('base64'),
    }));
    const call = this.#call({
      method: 'POST',
      path: `${topicPath(projectName, topic)}:publish`,
      body: { messages: wire } satisfies AmsPublishBody,
      isRetrySafe: options.isRetrySafe ?? false,
      options,
    });
    const { status, text } = await this.#t.text(call);
    let ids: unknown;
    try {
      ids = (JSON.parse(text) as { messageIds?: unknown }).messageIds;
    } catch {
      ids = undefined;
    }
    if (!Array.isArray(ids) || ids.length !== messages.length)
      throw this.#t.badAnswer(call, status, 'did not return one message id per message');
    return ids.map(String);
  }

  /**
   * `POST …/subscriptions/{s}:pull`: messages from the subscription's cursor (`message.data` is
   * base64). Pulling again before acknowledging returns the same messages, so a failed pull may
   * be sent again.
   */
  async pull(
    projectName: string,
    subscription: string,
    options: AmsPullOptions = {},
  ): Promise<AmsReceivedMessage[]> {
    // AMS reads both values as strings
    const body: AmsPullBody = {
      maxMessages: String(options.maxMessages ?? 1),
      returnImmediately: String(options.returnImmediately ?? true),
    };
    const answer = await this.#t.json<AmsPullResponse>(
      this.#call({
        method: 'POST',
        path: `${subPath(projectName, subscription)}:pull`,
        body,
        isRetrySafe: true,
        options,
      }),
    );
    return answer.receivedMessages ?? [];
  }

  /** `POST …/subscriptions/{s}:acknowledge`: cumulative, up to the highest ack id given. */
  acknowledge(
    projectName: string,
    subscription: string,
    ackIds: readonly string[],
    options?: HubCallOptions,
  ): Promise<void> {
    return this.#t.none(
      this.#call({
        method: 'POST',
        path: `${subPath(projectName, subscription)}:acknowledge`,
        body: { ackIds: [...ackIds] } satisfies AmsAckBody,
        options,
      }),
    );
  }

  /** `PUT …/topics/{t}` (admin). */
  createTopic(projectName: string, topic: string, options?: HubCallOptions): Promise<AmsTopic> {
    return this.#t.json(this.#call({ method: 'PUT', path: topicPath(projectName, topic), options }));
  }

  /** `GET …/topics/{t}`. */
  getTopic(projectName: string, topic: string, options?: HubCallOptions): Promise<AmsTopic> {
    return this.#t.json(this.#call({ method: 'GET', path: topicPath(projectName, topic), options }));
  }

  /** `GET …/topics`. */
  listTopics(projectName: string, options?: HubCallOptions): Promise<AmsTopicList> {
    return this.#t.json(this.#call({ method: 'GET', path: `${project(projectName)}/topics`, options }));
  }

  /** `DELETE …/topics/{t}` (admin): the topic and its messages. */
  deleteTopic(projectName: string, topic: string, options?: HubCallOptions): Promise<void> {
    return this.#t.none(this.#call({ method: 'DELETE', path: topicPath(projectName, topic), options }));
  }

  /** `GET …/topics/{t}/subscriptions`: full subscription names. */
  async topicSubscriptions(projectName: string, topic: string, options?: HubCallOptions): Promise<string[]> {
    const answer = await this.#t.json<AmsTopicSubscriptions>(
      this.#call({ method: 'GET', path: `${topicPath(projectName, topic)}/subscriptions`, options }),
    );
    return answer.subscriptions;
  }

  /**
   * `PUT …/subscriptions/{s}` (admin, consumer) on the topic `topic.topic` of `topic.project`
   * (default: the subscription's project); it starts at the end of its topic.
   */
  createSubscription(
    projectName: string,
    subscription: string,
    topic: { readonly topic: string; readonly project?: string; readonly ackDeadlineSeconds?: number },
    options?: HubCallOptions,
  ): Promise<AmsSubscription> {
    const body: AmsSubscriptionBody = {
      topic: `projects/${topic.project ?? projectName}/topics/${topic.topic}`,
      ...(topic.ackDeadlineSeconds === undefined ? {} : { ackDeadlineSeconds: topic.ackDeadlineSeconds }),
    };
    return this.#t.json(
      this.#call({ method: 'PUT', path: subPath(projectName, subscription), body, options }),
    );
  }

  /** `GET …/subscriptions/{s}`. */
  getSubscription(
    projectName: string,
    subscription: string,
    options?: HubCallOptions,
  ): Promise<AmsSubscription> {
    return this.#t.json(this.#call({ method: 'GET', path: subPath(projectName, subscription), options }));
  }

  /** `GET …/subscriptions`: the caller's own (every one for an admin). */
  listSubscriptions(projectName: string, options?: HubCallOptions): Promise<AmsSubscriptionList> {
    return this.#t.json(
      this.#call({ method: 'GET', path: `${project(projectName)}/subscriptions`, options }),
    );
  }

  /** `DELETE …/subscriptions/{s}`. */
  deleteSubscription(projectName: string, subscription: string, options?: HubCallOptions): Promise<void> {
    return this.#t.none(this.#call({ method: 'DELETE', path: subPath(projectName, subscription), options }));
  }

  /** `POST …/subscriptions/{s}:modifyAckDeadline`, 0-600 seconds (setting a value: safe to send again). */
  modifyAckDeadline(
    projectName: string,
    subscription: string,
    ackDeadlineSeconds: number,
    options?: HubCallOptions,
  ): Promise<void> {
    return this.#t.none(
      this.#call({
        method: 'POST',
        path: `${subPath(projectName, subscription)}:modifyAckDeadline`,
        body: { ackDeadlineSeconds } satisfies AmsAckDeadlineBody,
        isRetrySafe: true,
        options,
      }),
    );
  }

  /** `GET …/subscriptions/{s}:offsets`. */
  offsets(projectName: string, subscription: string, options?: HubCallOptions): Promise<AmsOffsets> {
    return this.#t.json(
      this.#call({ method: 'GET', path: `${subPath(projectName, subscription)}:offsets`, options }),
    );
  }

  /** `POST …/subscriptions/{s}:modifyOffset`: moves the cursor (setting a value: safe to send again). */
  modifyOffset(
    projectName: string,
    subscription: string,
    offset: number,
    options?: HubCallOptions,
  ): Promise<void> {
    return this.#t.none(
      this.#call({
        method: 'POST',
        path: `${subPath(projectName, subscription)}:modifyOffset`,
        body: { offset } satisfies AmsOffsetBody,
        isRetrySafe: true,
        options,
      }),
    );
  }

  /** `GET …/subscriptions/{s}:timeToOffset`: the first offset published at or after `time`. */
  async timeToOffset(
    projectName: string,
    subscription: string,
    time: Date,
    options?: HubCallOptions,
  ): Promise<number> {
    const answer = await this.#t.json<AmsTimeToOffset>(
      this.#call({
        method: 'GET',
        path: `${subPath(projectName, subscription)}:timeToOffset`,
        query: { time: time.toISOString() },
        options,
      }),
    );
    return answer.offset;
  }
}
