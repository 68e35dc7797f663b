import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/log.js';
import { revokeToken } from '../../../../src/hub/store/token-queries.js';
import { openTestHub } from '../../../helpers/test-hub.js';
import type { TestHub } from '../../../helpers/test-hub.js';

/** The parts of answers these tests read. */
interface Body {
  error: { code: string; message: string };
  openapi: string;
  paths: Record<string, Record<string, { parameters: { name: string }[]; summary: string }>>;
  status: string;
}

describe('hub routes (inject, SQLite)', () => {
  let h: TestHub | undefined;
  afterEach(async () => {
    await h?.dispose();
    h = undefined;
  });

  async function get(url: string, token?: string) {
    const res = await h!.app.inject({ method: 'GET', url, headers: token ? { 'x-api-key': token } : {} });
    return { status: res.statusCode, body: res.json() as Body };
  }

  it('serves an OpenAPI 3.1 document covering the AMS and accounting routes without a token', async () => {
    h = await openTestHub('sqlite');
    const { status, body } = await get('/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/projects/{project}/topics/{topic}:publish',
        '/v1/projects/{project}/subscriptions/{subscription}:pull',
        '/v1/projects/{project}/subscriptions/{subscription}:acknowledge',
        '/v1/accounting/summaries',
        '/v1/accounting/rejects',
        '/v1/accounting/sites',
      ]),
    );
    const params = body.paths['/v1/accounting/summaries']!.get!.parameters.map((p) => p.name);
    expect(params).toEqual(expect.arrayContaining(['site', 'vo', 'from', 'to', 'group_by', 'format']));
  });

  it('documents the information-system routes with their parameters, at /v1 and the cloud-info-api paths', async () => {
    h = await openTestHub('sqlite');
    const { body } = await get('/openapi.json');
    const flavors = body.paths['/v1/flavors']!.get!.parameters.map((p) => p.name);
    expect(flavors).toEqual(['vo', 'site', 'min_cpu', 'min_ram', 'gpu_vendor', 'min_gpus']);
    const sites = body.paths['/sites']!.get!.parameters.map((p) => p.name);
    expect(sites).toEqual(['vo_name', 'site_name', 'include_projects']);
    const site = body.paths['/v1/site/{name}']!;
    expect(Object.keys(site).sort()).toEqual(['delete', 'get']);
    expect(site.get!.parameters.map((p) => p.name)).toEqual(['name', 'include_projects']);
    expect(Object.keys(body.paths['/v1/site/{name}/glue']!).sort()).toEqual(['get', 'post', 'put']);
    // every route the hub serves is in the document, none only as a bare placeholder
    for (const [path, ops] of Object.entries(body.paths)) {
      for (const op of Object.values(ops)) expect(op.summary, path).not.toMatch(/^[A-Z]+ \//);
    }
  });

  it('documents the answers of every route (AMS, accounting, information system, images, registry, monitoring), errors included', async () => {
    h = await openTestHub('sqlite');
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    const paths = (
      res.json() as {
        paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
      }
    ).paths;
    for (const [path, ops] of Object.entries(paths)) {
      // liveness and readiness answer nothing but their own bodies
      if (['/v1/status', '/healthz', '/readyz'].includes(path)) continue;
      for (const [method, op] of Object.entries(ops)) {
        const codes = Object.keys(op.responses);
        expect(codes, `${method} ${path}`).toEqual(expect.arrayContaining(['4XX', '5XX']));
        // the portal's sign-in answers with redirects, its start and stop with 202
        const ok =
          op.responses['200'] ??
          op.responses['201'] ??
          op.responses['202'] ??
          op.responses['204'] ??
          op.responses['302'];
        expect(ok, `${method} ${path}`).toBeDefined();
        for (const code of ['200', '201'])
          if (op.responses[code])
            expect(op.responses[code].content, `${method} ${path} ${code}`).toBeDefined();
      }
    }
    expect(paths['/v1/status']!.get!.responses['200']!.content).toBeDefined();
    const summaries = paths['/v1/accounting/summaries']!.get!.responses['200']!.content!;
    expect(Object.keys(summaries)).toEqual(['application/json', 'text/csv', 'text/plain']);
    const pull = paths['/v1/projects/{project}/subscriptions/{subscription}:pull']!.post!.responses;
    expect(Object.keys(pull['4XX']!.content!)).toEqual(['application/json']);
    expect(Object.keys(paths['/v1/site/{name}']!.delete!.responses).sort()).toEqual(['204', '4XX', '5XX']);
  });

  it('answers /v1/status without a token', async () => {
    h = await openTestHub('sqlite');
    expect(await get('/v1/status')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('refuses accounting reads without a token, with an unknown token and with a revoked one', async () => {
    h = await openTestHub('sqlite');
    expect(await get('/v1/accounting/summaries')).toEqual({
      status: 401,
      body: { error: { code: 'HUB_UNAUTHENTICATED', message: expect.stringContaining('x-api-key') } },
    });
    expect((await get('/v1/accounting/sites', 'fsh_unknown')).status).toBe(401);
    const consumer = await h.token('consumer');
    expect((await get('/v1/accounting/sites', consumer)).status).toBe(200);
    await revokeToken(h.store.store.db, 1, 0);
    expect((await get('/v1/accounting/sites', consumer)).status).toBe(401);
  });

  it('names the parameter of a malformed accounting query', async () => {
    h = await openTestHub('sqlite');
    const month = await get('/v1/accounting/summaries?from=2024-13', h.adminToken);
    expect(month.status).toBe(400);
    expect(month.body.error).toEqual({
      code: 'HUB_REQUEST_INVALID',
      message: 'query parameter from: expected YYYY-MM',
    });
    const dimension = await get('/v1/accounting/summaries?group_by=site,planet', h.adminToken);
    expect(dimension.body.error.message).toMatch(/group_by: unknown dimension "planet"/);
    const order = await get('/v1/accounting/summaries?from=2024-05&to=2024-01', h.adminToken);
    expect(order.body.error.message).toMatch(/from: 2024-05 is after to/);
    expect((await get('/v1/accounting/rejects?limit=5000', h.adminToken)).body.error.code).toBe(
      'HUB_REQUEST_INVALID',
    );
  });

  it('answers an unknown route with HUB_NOT_FOUND', async () => {
    h = await openTestHub('sqlite');
    expect(await get('/v2/nothing')).toEqual({
      status: 404,
      body: { error: { code: 'HUB_NOT_FOUND', message: 'no route GET /v2/nothing' } },
    });
  });

  it('answers a path that is not valid percent-encoding in the shape of its area', async () => {
    h = await openTestHub('sqlite');
    expect(await get('/v1/accounting/%zz', h.adminToken)).toEqual({
      status: 400,
      body: {
        error: { code: 'HUB_REQUEST_INVALID', message: 'the request path is not valid percent-encoding' },
      },
    });
    const ams = await h.app.inject({ method: 'GET', url: '/v1/projects/p/topics/%zz' });
    expect(ams.statusCode).toBe(400);
    expect(ams.json()).toEqual({
      error: {
        code: 400,
        message: 'the request path is not valid percent-encoding',
        status: 'INVALID_ARGUMENT',
      },
    });
  });

  it('keeps a ?key= token out of the request log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    h = await openTestHub('sqlite', { logger: createLogger({ level: 'info', destination: sink }) });
    const res = await h.app.inject({ method: 'GET', url: `/v1/projects/p/topics?key=${h.adminToken}` });
    expect(res.statusCode).toBe(200);
    const log = lines.join('');
    expect(log).toContain('key=[redacted]');
    expect(log).not.toContain(h.adminToken);
  });
});
