import { afterEach, describe, expect, it } from 'vitest';
import { DirqOutbox } from '../../../../src/site/accounting/outbox.js';
import { runAccountingSend } from '../../../../src/site/jobs/index.js';
import { startStub } from '../../../helpers/stub-server.js';
import { NOW_MS, contextOf, siteConfig } from '../../../helpers/job-fixtures.js';

const TOKEN_ENV = 'FEDSTACK_TEST_JOB_AMS_TOKEN';
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  delete process.env[TOKEN_ENV];
  await close?.();
  close = undefined;
});

describe('runAccountingSend', () => {
  it('publishes every outbox element and removes it once AMS returned its id', async () => {
    const stub = await startStub((_req, res) => res.end(JSON.stringify({ messageIds: ['1'] })));
    close = stub.close;
    process.env[TOKEN_ENV] = 'ams-token';
    const { config, stateDir } = siteConfig('http://127.0.0.1:1/v3', {
      ams: { url: stub.url, token_env: TOKEN_ENV },
    });
    const outbox = new DirqOutbox(`${stateDir}/outgoing`, { nowMs: () => NOW_MS });
    await outbox.add('APEL-cloud-message: v0.4\n');
    await outbox.add('APEL-cloud-message: v0.4\n');
    const outcome = await runAccountingSend(contextOf(config));
    expect(outcome).toEqual({ sent: 2, failed: 0 });
    expect(stub.requests.map((r) => r.url)).toEqual([
      '/v1/projects/accounting/topics/eu-egi-cloud-accounting:publish',
      '/v1/projects/accounting/topics/eu-egi-cloud-accounting:publish',
    ]);
    expect(stub.requests[0]!.headers['x-api-key']).toBe('ams-token');
  });

  it('stops at the first refusal, keeping the element', async () => {
    const stub = await startStub((_req, res) =>
      res.writeHead(403).end(JSON.stringify({ error: { message: 'bad token' } })),
    );
    close = stub.close;
    process.env[TOKEN_ENV] = 'ams-token';
    const { config, stateDir } = siteConfig('http://127.0.0.1:1/v3', {
      ams: { url: stub.url, token_env: TOKEN_ENV },
    });
    const outbox = new DirqOutbox(`${stateDir}/outgoing`);
    await outbox.add('APEL-cloud-message: v0.4\n');
    const outcome = await runAccountingSend(contextOf(config));
    expect(outcome).toMatchObject({ sent: 0, failed: 1, error: expect.stringMatching(/403: bad token/) });
    expect(await outbox.count()).toBe(1);
  });

  it('sends nothing once the signal aborted', async () => {
    process.env[TOKEN_ENV] = 'ams-token';
    const { config, stateDir } = siteConfig('http://127.0.0.1:1/v3', {
      ams: { url: 'http://127.0.0.1:1', token_env: TOKEN_ENV },
    });
    await new DirqOutbox(`${stateDir}/outgoing`).add('APEL-cloud-message: v0.4\n');
    const outcome = await runAccountingSend(contextOf(config, AbortSignal.abort()));
    expect(outcome).toEqual({ sent: 0, failed: 1, error: 'the run was aborted' });
  });

  it('throws a config error naming accounting.ams when it is missing or its token cannot be read', async () => {
    const none = siteConfig('http://127.0.0.1:1/v3').config;
    await expect(runAccountingSend(contextOf(none))).rejects.toMatchObject({ path: 'accounting.ams' });
    const unset = siteConfig('http://127.0.0.1:1/v3', {
      ams: { url: 'http://127.0.0.1:1', token_env: TOKEN_ENV },
    }).config;
    await expect(runAccountingSend(contextOf(unset))).rejects.toMatchObject({
      code: 'CONFIG_SECRET_MISSING',
      path: 'accounting.ams.token_env',
    });
  });
});
