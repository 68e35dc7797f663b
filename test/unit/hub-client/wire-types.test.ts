// The hub client's wire types are the hub's: checked by the type checker against what the hub's services return.
import { describe, expectTypeOf, it } from 'vitest';
import type { RunReport } from '../../../src/hub/infosys/index.js';
import type { AmsError } from '../../../src/hub/messaging/ams-error.js';
import type { MessagingService } from '../../../src/hub/messaging/messaging-service.js';
import type {
  AmsErrorBody,
  AmsOffsets,
  AmsPublishResponse,
  AmsReceivedMessage,
  AmsSubscription,
  AmsSubscriptionList,
  AmsTimeToOffset,
  AmsTopic,
  AmsTopicList,
  AmsTopicSubscriptions,
  AmsWireMessage,
  DiscoveryRunReport,
  SummaryDimension,
} from '../../../src/hub-client/index.js';
import type { SummaryDimension as StoreDimension } from '../../../src/hub/store/summary-queries.js';

type Answer<K extends keyof MessagingService> = MessagingService[K] extends (
  ...args: never[]
) => Promise<infer R>
  ? R
  : never;

describe('wire types shared with the hub', () => {
  it('types each AMS answer as the messaging service builds it', () => {
    expectTypeOf<Answer<'createTopic'>>().toExtend<AmsTopic>();
    expectTypeOf<Answer<'getTopic'>>().toExtend<AmsTopic>();
    expectTypeOf<Answer<'listTopics'>>().toExtend<AmsTopicList>();
    expectTypeOf<Answer<'listTopicSubscriptions'>>().toExtend<AmsTopicSubscriptions>();
    expectTypeOf<Answer<'publish'>>().toExtend<AmsPublishResponse['messageIds']>();
    expectTypeOf<Answer<'createSubscription'>>().toExtend<AmsSubscription>();
    expectTypeOf<Answer<'getSubscription'>>().toExtend<AmsSubscription>();
    expectTypeOf<Answer<'listSubscriptions'>>().toExtend<AmsSubscriptionList>();
    expectTypeOf<Answer<'pull'>>().toExtend<AmsReceivedMessage[]>();
    expectTypeOf<Answer<'offsets'>>().toExtend<AmsOffsets>();
    expectTypeOf<Answer<'timeToOffset'>>().toExtend<AmsTimeToOffset>();
    expectTypeOf<ReturnType<AmsError['toBody']>>().toExtend<AmsErrorBody>();
    // and the other way: the client expects nothing the service does not give
    expectTypeOf<AmsSubscription>().toExtend<Answer<'getSubscription'>>();
    expectTypeOf<AmsReceivedMessage[]>().toExtend<Answer<'pull'>>();
    expectTypeOf<AmsOffsets>().toExtend<Answer<'offsets'>>();
  });

  it('types the bodies as the routes read them', () => {
    expectTypeOf<DiscoveryRunReport>().toExtend<RunReport>();
    expectTypeOf<RunReport>().toExtend<DiscoveryRunReport>();
    expectTypeOf<AmsWireMessage>().toEqualTypeOf<{ data: string; attributes?: Record<string, string> }>();
    expectTypeOf<SummaryDimension>().toEqualTypeOf<StoreDimension>();
  });
});
