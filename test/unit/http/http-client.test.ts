// The outbound HTTP layer against real local servers: retries, timeouts, deadlines, redirects,
// redaction, progress and a custom CA directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { HttpError, RetryBudget, httpRequest, type HttpProgress } from '../../../src/http/index.js';
import { rejectionOf } from '../../helpers/expect-rejection.js';
import { createTestTlsHost } from '../../helpers/openssl-ca.js';
import { useStubServers } from '../../helpers/stub-server.js';

const stub = useStubServers();

const quick = { backoff: { baseDelayMs: 5, maxDelayMs: 20 } };

describe('httpRequest', () => {
  it('retries a GET after 503 and 429 (Retry-After: 0) and returns the answer', async () => {
    const s = await stub((_req, res, n) => {
      if (n === 1) res.writeHead(503).end();
      else if (n === 2) res.writeHead(429, { 'retry-after': '0' }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    const res = await httpRequest({ method: 'GET', url: `${s.url}/x` }, quick);
    expect(await res.text()).toBe('ok');
    expect(s.requests).toHaveLength(3);
  });

  it('sends a POST once, unless the caller marks it safe to repeat', async () => {
    const s = await stub((_req, res) => res.writeHead(503).end('busy'));
    const error = await rejectionOf(httpRequest({ method: 'POST', url: s.url, body: 'x' }, quick), HttpError);
    expect(s.requests).toHaveLength(1);
    expect(error).toMatchObject({
      kind: 'status',
      status: 503,
      attempts: 1,
      fault: 'server',
      bodyText: 'busy',
    });
    await rejectionOf(
      httpRequest({ method: 'POST', url: s.url, body: 'x', isRetrySafe: true, maxAttempts: 3 }, quick),
      HttpError,
    );
    expect(s.requests).toHaveLength(4);
  });

  it('does not retry a client error and names it the caller fault', async () => {
    const s = await stub((_req, res) => res.writeHead(404).end());
    const error = await rejectionOf(httpRequest({ method: 'GET', url: s.url }, quick), HttpError);
    expect(s.requests).toHaveLength(1);
    expect(error).toMatchObject({
      code: 'HTTP_REQUEST_FAILED',
      fault: 'client',
      status: 404,
      errorClass: 'client',
    });
  });

  it('gives up on a silent server within the attempt timeout', async () => {
    const s = await stub(() => undefined);
    const started = Date.now();
    const error = await rejectionOf(
      httpRequest({ method: 'GET', url: s.url, timeoutMs: 200, maxAttempts: 2 }, quick),
      HttpError,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ kind: 'timeout', attempts: 2, fault: 'server' });
    expect(error.message).toMatch(/no answer within 200 ms/);
  });

  it('does not wait for a Retry-After that ends past the deadline', async () => {
    const s = await stub((_req, res) => res.writeHead(503, { 'retry-after': '10' }).end());
    const started = Date.now();
    const error = await rejectionOf(
      httpRequest({ method: 'GET', url: s.url, deadlineAtMs: Date.now() + 1000 }, quick),
      HttpError,
    );
    expect(Date.now() - started).toBeLessThan(900);
    expect(error).toMatchObject({ status: 503, attempts: 1 });
  });

  it('stops at once with the caller abort reason', async () => {
    const s = await stub(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopping')), 50);
    const started = Date.now();
    await expect(
      httpRequest({ method: 'GET', url: s.url, signal: controller.signal, timeoutMs: 10_000 }),
    ).rejects.toThrow('stopping');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops retrying when the shared budget runs dry', async () => {
    const s = await stub((_req, res) => res.writeHead(502).end());
    const retryBudget = new RetryBudget({ capacity: 10, retryCost: 5 });
    await rejectionOf(
      httpRequest({ method: 'GET', url: s.url, maxAttempts: 10 }, { ...quick, retryBudget }),
      HttpError,
    );
    expect(s.requests).toHaveLength(3);
    await rejectionOf(
      httpRequest({ method: 'GET', url: s.url, maxAttempts: 10 }, { ...quick, retryBudget }),
      HttpError,
    );
    expect(s.requests).toHaveLength(4);
  });

  it('follows a redirect on its origin and refuses one to another host (the token would go along)', async () => {
    const other = await stub((req, res) =>
      res.writeHead(200).end(String(req.headers['x-api-key'] ?? 'none')),
    );
    const s = await stub((req, res) => {
      if (req.url === '/old') res.writeHead(301, { location: '/new' }).end();
      else if (req.url === '/away') res.writeHead(302, { location: `${other.url}/there` }).end();
      else res.writeHead(200).end(`at ${req.url}`);
    });
    const headers = { 'x-api-key': 'secret-key-value' };
    expect(await (await httpRequest({ method: 'GET', url: `${s.url}/old`, headers })).text()).toBe('at /new');
    const error = await rejectionOf(httpRequest({ method: 'GET', url: `${s.url}/away`, headers }), HttpError);
    expect(error).toMatchObject({ kind: 'redirect', status: 302 });
    expect(other.requests).toHaveLength(0);
    const followed = await httpRequest({ method: 'GET', url: `${s.url}/away`, headers, redirect: 'follow' });
    expect(await followed.text()).toBe('none');
  });

  it('keeps secrets out of its errors', async () => {
    const s = await stub((_req, res) => res.writeHead(500).end());
    const error = await rejectionOf(
      httpRequest({
        method: 'GET',
        url: `${s.url}/a?access_token=tok-123456&x=1`,
        headers: { 'x-api-key': 'k-999' },
      }),
      HttpError,
    );
    expect(error.message).not.toContain('tok-123456');
    expect(error.message).not.toContain('k-999');
    expect(error.url).not.toContain('tok-123456');
    const refused = await rejectionOf(
      httpRequest({ method: 'GET', url: `http://user:pa55word@127.0.0.1:1/` }),
      HttpError,
    );
    expect(refused).toMatchObject({ kind: 'refused', fault: 'client' });
    expect(refused.message).not.toContain('pa55word');
  });

  it('reports progress of a streamed upload and a download', async () => {
    const size = 4 << 20;
    const s = await stub((req, res) => {
      let got = 0;
      req.on('data', (c: Buffer) => (got += c.length));
      req.on('end', () =>
        res.writeHead(200, { 'content-length': String(size) }).end(Buffer.alloc(size, got % 256)),
      );
    });
    const seen: HttpProgress[] = [];
    async function* chunks() {
      for (let i = 0; i < 16; i++) yield new Uint8Array(64 << 10);
    }
    const res = await httpRequest({
      method: 'PUT',
      url: s.url,
      body: chunks(),
      bodySizeBytes: 1 << 20,
      onProgress: (p) => seen.push(p),
    });
    const body = new Uint8Array(await res.arrayBuffer());
    expect(body.byteLength).toBe(size);
    const up = seen.filter((p) => p.direction === 'upload');
    const down = seen.filter((p) => p.direction === 'download');
    expect(up.at(-1)).toEqual({ direction: 'upload', doneBytes: 1 << 20, totalBytes: 1 << 20 });
    expect(down.at(-1)).toEqual({ direction: 'download', doneBytes: size, totalBytes: size });
    expect(down.length).toBeGreaterThan(1);
  });
});

describe('httpRequest with a CA directory of hashed files', () => {
  let dir: string;
  let url: string;
  let close: () => void;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fedstack-ca-'));
    const host = createTestTlsHost(dir);
    const server = createHttpsServer({ key: host.key, cert: host.cert }, (_req, res) =>
      res.writeHead(200).end('trusted'),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    close = () => server.close();
  });
  afterAll(() => {
    close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trusts a host certificate issued by a CA of the directory', async () => {
    const res = await httpRequest({ method: 'GET', url }, { caPath: path.join(dir, 'certificates') });
    expect(await res.text()).toBe('trusted');
  });

  it('refuses it with only the built-in roots, as a connection failure', async () => {
    const error = await rejectionOf(httpRequest({ method: 'GET', url, maxAttempts: 1 }), HttpError);
    expect(error.kind).toBe('network');
  });

  it('names the path when it holds no certificate', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'fedstack-noca-'));
    await expect(httpRequest({ method: 'GET', url }, { caPath: empty })).rejects.toThrow(ConfigError);
    await expect(httpRequest({ method: 'GET', url }, { caPath: empty })).rejects.toThrow(empty);
    rmSync(empty, { recursive: true });
  });
});
