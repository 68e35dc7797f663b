import { afterEach, describe, expect, it } from 'vitest';
import { openTestHub, type TestHub } from '../../../helpers/test-hub.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.dispose();
  hub = undefined;
});

describe('the hub health and metrics endpoints', () => {
  it('answers /healthz and /readyz without a token while the database answers', async () => {
    hub = await openTestHub('sqlite');
    expect((await hub.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await hub.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok' });
  });

  it('says 503 on /readyz with the reason once the database is gone, and still lives', async () => {
    hub = await openTestHub('sqlite');
    await hub.store.store.db.destroy();
    const ready = await hub.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unavailable', reason: expect.any(String) });
    expect((await hub.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('counts requests per route pattern and status in /metrics, never with the URL or its key', async () => {
    hub = await openTestHub('sqlite');
    await hub.app.inject({
      method: 'GET',
      url: '/v1/projects/accounting/topics/secret-topic-name?key=s3cr3t',
    });
    await hub.app.inject({ method: 'GET', url: '/healthz' });
    const metrics = await hub.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = metrics.body;
    expect(text).toMatch(
      /^fedstack_hub_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1$/m,
    );
    expect(text).toMatch(
      /fedstack_hub_http_requests_total\{method="GET",route="\/v1\/projects\/:project\/topics\/:target",status="401"\} 1/,
    );
    expect(text).toMatch(/^fedstack_hub_process_resident_memory_bytes \d+/m);
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('secret-topic-name');
  });
});
