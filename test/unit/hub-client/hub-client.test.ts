// The typed hub client against a real hub on SQLite, listening on a local port: publish, typed reads, errors, timeouts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCELERATORS_RESPONSE,
  ACCOUNTING_SITES_RESPONSE,
  AMS_ERROR_RESPONSE,
  ERROR_RESPONSE,
  GLUE_PUBLISH_RESPONSE,
  INFOSYS_ERROR_RESPONSE,
  IP_RESPONSE,
  OFFSETS_RESPONSE,
  PULL_RESPONSE,
  REJECTS_RESPONSE,
  SUBSCRIPTION_LIST_RESPONSE,
  SUBSCRIPTION_RESPONSE,
  SUMMARIES_RESPONSE,
  TOPIC_LIST_RESPONSE,
  TOPIC_RESPONSE,
} from '../../../src/hub/http/route-schemas.js';
import { HubClient, HubClientError, type SummaryRow } from '../../../src/hub-client/index.js';
import { readApelFixture } from '../../helpers/apel-fixtures.js';
import { rejectionOf } from '../../helpers/expect-rejection.js';
import { documentFor } from '../../helpers/infosys-fixtures.js';
import { TEST_NOW_MS, openTestHub, type TestHub } from '../../helpers/test-hub.js';

const SITE = 'TEST-Site';
const ACCOUNTING = { project: 'accounting', topic: 'eu-egi-cloud-accounting' } as const;

/** `answer` as `schema` reads it, which must be `answer` itself: no field missing, none unknown. */
function expectShape(schema: { parse: (value: unknown) => unknown }, answer: unknown): void {
  expect(schema.parse(answer)).toEqual(answer);
}

describe('the hub client against a hub', () => {
  let h: TestHub;
  let url: string;
  let admin: HubClient;
  let publisher: HubClient;
  let publisherToken: string;
  let anonymous: HubClient;

  beforeAll(async () => {
    h = await openTestHub('sqlite', { messaging: { pullWaitMs: 3_000 } });
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    publisherToken = await h.token('publisher', SITE);
    admin = new HubClient({ url, token: h.adminToken });
    publisher = new HubClient({ url: `${url}/`, token: publisherToken, timeoutMs: 5_000 });
    anonymous = new HubClient({ url });
  });
  afterAll(async () => h?.dispose());

  describe('information system', () => {
    it('publishes a GLUE document and reads it back typed, from every read route', async () => {
      const stored = await publisher.infosys.publishGlue(
        SITE,
        JSON.stringify(documentFor(SITE, TEST_NOW_MS)),
      );
      expectShape(GLUE_PUBLISH_RESPONSE, stored);
      expect(stored).toMatchObject({ site: SITE, shares: expect.any(Number) });

      const sites = await anonymous.infosys.sites({ include_projects: true });
      expect(sites).toEqual([expect.objectContaining({ name: SITE, id: `${SITE}-G0` })]);
      expect(sites[0]!.projects?.length).toBe(stored.shares);
      const one = await anonymous.infosys.site(SITE);
      expect(one.projects).toBeUndefined();
      expect(one.hostname).toBe('test-site.example.org');

      const vo = sites[0]!.projects![0]!.name;
      expect(await anonymous.infosys.vos()).toContain(vo);
      expect(await anonymous.infosys.voProject(SITE, vo)).toEqual(sites[0]!.projects![0]);
      expect(await anonymous.infosys.siteProjects(SITE)).toEqual(sites[0]!.projects);
      const images = await anonymous.infosys.siteImages(SITE, { only_egi_images: false });
      expect(images.every((i) => typeof i.egi_id === 'string' && i.endpoint !== '')).toBe(true);
      expect(await anonymous.infosys.voImages(SITE, vo, { only_egi_images: false })).toEqual(
        images.filter((i) => i.vo === vo),
      );
      expect(await anonymous.infosys.images({ only_egi_images: false })).toEqual(images);
      const flavors = await anonymous.infosys.flavors({ site: SITE, min_cpu: 1 });
      expect(flavors.length).toBeGreaterThan(0);
      expect(flavors.every((f) => f.site === SITE && f.cpu >= 1 && f.vos.length > 0)).toBe(true);

      const health = await anonymous.infosys.discovery();
      expect(health).toEqual([expect.objectContaining({ site: SITE, expired: false })]);
      expect(JSON.parse(await anonymous.infosys.glue(SITE))).toEqual(documentFor(SITE, TEST_NOW_MS));
      expect(await anonymous.infosys.glue(SITE, 'ldif')).toMatch(/^dn: /m);
    });

    it('sends a failed-run report the health list shows', async () => {
      await publisher.infosys.reportRun(SITE, { state: 'failed', error: 'Keystone refused' });
      const health = await anonymous.infosys.discovery();
      expect(health.find((s) => s.site === SITE)).toMatchObject({
        state: 'failed',
        last_run: { state: 'failed', error: 'Keystone refused' },
      });
    });

    it("fails with the hub's status, code and message, naming the hub and never the token", async () => {
      const error = await rejectionOf(
        publisher.infosys.publishGlue('OTHER-SITE', documentFor('OTHER-SITE')),
        HubClientError,
      );
      expect(error).toMatchObject({
        code: 'HUB_FORBIDDEN',
        status: 403,
        hubCode: 'HUB_FORBIDDEN',
        kind: 'status',
        fault: 'client',
        attempts: 1,
        hubUrl: url,
        method: 'PUT',
        path: '/v1/site/OTHER-SITE/glue',
      });
      expect(error.message).toBe(
        `hub ${url}: PUT /v1/site/OTHER-SITE/glue answered 403 HUB_FORBIDDEN: ${error.hubMessage}`,
      );
      expect(error.hubMessage).toContain('OTHER-SITE');
      const shown = `${error.message}\n${error.stack}\n${JSON.stringify(error)}\n${String(error.cause)}`;
      expect(shown).not.toContain(publisherToken);
      expect(JSON.stringify(publisher)).not.toContain(publisherToken);

      const unknown = await rejectionOf(anonymous.infosys.site('NO-SUCH-SITE'), HubClientError);
      expect(unknown).toMatchObject({ code: 'HUB_NOT_FOUND', status: 404 });
      const body = JSON.parse((unknown.cause as { bodyText: string }).bodyText) as unknown;
      expectShape(INFOSYS_ERROR_RESPONSE, body);
    });

    it('refuses a GLUE document that does not validate, with GLUE_INVALID', async () => {
      const error = await rejectionOf(
        publisher.infosys.publishGlue(SITE, '{"CloudComputingService": 1}'),
        HubClientError,
      );
      expect(error).toMatchObject({ code: 'GLUE_INVALID', status: 400, hubCode: 'GLUE_INVALID' });
    });
  });

  describe('messaging (AMS)', () => {
    const project = 'clienttest';

    it('creates a topic and a subscription, publishes, pulls and acknowledges', async () => {
      const topic = await admin.ams.createTopic(project, 'events');
      expectShape(TOPIC_RESPONSE, topic);
      expect(topic).toEqual({ name: `/projects/${project}/topics/events` });
      expectShape(TOPIC_LIST_RESPONSE, await admin.ams.listTopics(project));
      const sub = await admin.ams.createSubscription(project, 'reader', { topic: 'events' });
      expectShape(SUBSCRIPTION_RESPONSE, sub);
      expect(sub).toMatchObject({ name: `/projects/${project}/subscriptions/reader`, topic: topic.name });
      expect(await admin.ams.topicSubscriptions(project, 'events')).toEqual([sub.name]);
      expectShape(SUBSCRIPTION_LIST_RESPONSE, await admin.ams.listSubscriptions(project));

      const ids = await admin.ams.publish(project, 'events', [
        { data: 'first', attributes: { kind: 'text' } },
        { data: new Uint8Array([0, 1, 2]) },
      ]);
      expect(ids).toHaveLength(2);

      const received = await admin.ams.pull(project, 'reader', { maxMessages: 10 });
      expectShape(PULL_RESPONSE, { receivedMessages: received });
      expect(received.map((m) => m.message.messageId)).toEqual(ids);
      expect(Buffer.from(received[0]!.message.data, 'base64').toString()).toBe('first');
      expect(received[0]!.message.attributes).toEqual({ kind: 'text' });
      expect([...Buffer.from(received[1]!.message.data, 'base64')]).toEqual([0, 1, 2]);

      await admin.ams.acknowledge(project, 'reader', [received.at(-1)!.ackId]);
      const offsets = await admin.ams.offsets(project, 'reader');
      expectShape(OFFSETS_RESPONSE, offsets);
      expect(offsets).toEqual({ min: 0, max: 2, current: 2 });
      expect(await admin.ams.pull(project, 'reader')).toEqual([]);
      await admin.ams.modifyOffset(project, 'reader', offsets.min);
      await admin.ams.modifyAckDeadline(project, 'reader', 30);
      expect(await admin.ams.getSubscription(project, 'reader')).toMatchObject({ ackDeadlineSeconds: 30 });
      expect(await admin.ams.timeToOffset(project, 'reader', new Date(TEST_NOW_MS - 1000))).toBe(offsets.min);
    });

    it("fails with AMS's status word and message, code AMS_ERROR", async () => {
      const missing = await rejectionOf(admin.ams.getTopic(project, 'no-such-topic'), HubClientError);
      expect(missing).toMatchObject({
        code: 'AMS_ERROR',
        status: 404,
        hubCode: 'NOT_FOUND',
        hubMessage: "Topic doesn't exist",
        area: 'ams',
      });
      expectShape(AMS_ERROR_RESPONSE, JSON.parse((missing.cause as { bodyText: string }).bodyText));
      const refused = await rejectionOf(
        anonymous.ams.publish(project, 'events', [{ data: 'x' }]),
        HubClientError,
      );
      expect(refused).toMatchObject({ code: 'AMS_ERROR', status: 401, hubCode: 'UNAUTHORIZED', attempts: 1 });
      expect(refused.message).toBe(
        `hub ${url}: POST /v1/projects/${project}/topics/events:publish answered 401 UNAUTHORIZED: Unauthorized`,
      );
    });

    it('gives up on a call the hub does not answer in time, with kind timeout', async () => {
      await admin.ams.createSubscription(project, 'waiting', { topic: 'events' });
      const started = Date.now();
      // a long poll: the hub waits up to 3 s for a message, the client 150 ms per attempt, 800 ms in all
      const error = await rejectionOf(
        admin.ams.pull(project, 'waiting', {
          returnImmediately: false,
          timeoutMs: 150,
          deadlineAtMs: started + 800,
        }),
        HubClientError,
      );
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(error).toMatchObject({ code: 'HTTP_REQUEST_FAILED', kind: 'timeout', status: undefined });
      expect(error.message).toMatch(
        new RegExp(`^hub ${url}: POST /v1/projects/${project}/subscriptions/waiting:pull `),
      );
    });
  });

  describe('accounting', () => {
    beforeAll(async () => {
      const publish = (text: string) =>
        publisher.ams.publish(ACCOUNTING.project, ACCOUNTING.topic, [{ data: text }]);
      await publish(readApelFixture('caso-cloud-message-v0.4.txt'));
      await publish(readApelFixture('caso-public-ip-message-v0.2.json'));
      await publish(readApelFixture('caso-accelerator-message-v0.1.json'));
      await publish('APEL-cloud-message: v0.4\nVMUUID: x\n%%\n');
      await h.app.hub.ingest!.drain();
    });

    it('reads summaries typed, grouped as asked', async () => {
      const answer = await admin.accounting.summaries({ site: [SITE], group_by: ['site', 'month'] });
      expectShape(SUMMARIES_RESPONSE, answer);
      expect(answer.groupBy).toEqual(['site', 'month']);
      expect(answer.summaries.length).toBeGreaterThan(0);
      const row: SummaryRow = answer.summaries[0]!;
      expect(row).toMatchObject({ site: SITE, month: expect.stringMatching(/^\d{4}-\d{2}$/) });
      expect(typeof row.wallDuration).toBe('number');
      expectShape(SUMMARIES_RESPONSE, await publisher.accounting.summaries());
      const csv = await admin.accounting.summariesText('csv', { group_by: 'site' });
      expect(csv.split('\n')[0]).toMatch(/^site,wallDuration,/);
      expect(await admin.accounting.summariesText('apel')).toMatch(/^APEL-cloud-summary-message: v0.4\n/);
    });

    it('reads rejects, sites and the IP and accelerator views typed', async () => {
      const rejects = await admin.accounting.rejects({ limit: 10 });
      expectShape(REJECTS_RESPONSE, rejects);
      expect(rejects.rejects.length).toBeGreaterThan(0);
      expect(rejects.rejects[0]).toMatchObject({ publisherSite: SITE, topic: ACCOUNTING.topic });
      const sites = await publisher.accounting.sites();
      expectShape(ACCOUNTING_SITES_RESPONSE, sites);
      expect(sites.sites).toEqual([
        expect.objectContaining({ site: SITE, recordsRejected: expect.any(Number) }),
      ]);
      const ip = await admin.accounting.ip({ site: SITE });
      expectShape(IP_RESPONSE, ip);
      expect(ip.ip.length).toBeGreaterThan(0);
      const accelerators = await admin.accounting.accelerators({ from: '2022-01', to: '2022-12' });
      expectShape(ACCELERATORS_RESPONSE, accelerators);
      expect(accelerators.accelerators[0]).toMatchObject({ site: SITE, type: 'GPU' });
      expect(await admin.accounting.viewCsv('ip')).toMatch(/^site,month,vo,ipVersion/);
    });

    it("fails with the hub's REST error: code, status and message naming the parameter", async () => {
      const error = await rejectionOf(
        admin.accounting.summaries({ from: '2024-05', to: '2024-01' }),
        HubClientError,
      );
      expect(error).toMatchObject({
        code: 'HUB_REQUEST_INVALID',
        status: 400,
        hubCode: 'HUB_REQUEST_INVALID',
      });
      expect(error.hubMessage).toContain('from');
      expectShape(ERROR_RESPONSE, JSON.parse((error.cause as { bodyText: string }).bodyText));
      const scoped = await rejectionOf(
        publisher.accounting.summaries({ site: 'SOMEONE-ELSE' }),
        HubClientError,
      );
      expect(scoped).toMatchObject({ code: 'HUB_FORBIDDEN', status: 403 });
      const none = await rejectionOf(anonymous.accounting.sites(), HubClientError);
      expect(none).toMatchObject({ code: 'HUB_UNAUTHENTICATED', status: 401 });
    });
  });
});
