// httpRequestStream against real local servers: the body as a Node stream, with the policy of
// httpRequest (retries, redirect rules, errors, timeouts, abort, progress).
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HttpClient, HttpError, httpRequestStream, type HttpProgress } from '../../../src/http/index.js';
import { rejectionOf } from '../../helpers/expect-rejection.js';
import { useStubServers } from '../../helpers/stub-server.js';

const stub = useStubServers();
const quick = { backoff: { baseDelayMs: 5, maxDelayMs: 20 } };

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('httpRequestStream', () => {
  it('answers with status, headers and the whole body as a Node stream, uncompressed', async () => {
    const data = randomBytes(3 * 2 ** 20 + 17);
    const s = await stub((_req, res) => {
      res.writeHead(200, { 'content-length': data.length, 'x-request-id': 'r-1' });
      res.end(data);
    });
    const res = await httpRequestStream({ method: 'GET', url: `${s.url}/disk.img` });
    expect(res.status).toBe(200);
    expect(res.statusText).toBe('OK');
    expect(res.headers.get('content-length')).toBe(String(data.length));
    expect(res.url).toBe(`${s.url}/disk.img`);
    expect((await readAll(res.body)).equals(data)).toBe(true);
  });

  it('retries a GET after 503, then sends the request headers of the caller', async () => {
    const s = await stub((_req, res, n) => {
      if (n === 1) res.writeHead(503).end('busy');
      else res.writeHead(206, { 'content-range': 'bytes 5-7/8' }).end('abc');
    });
    const client = new HttpClient(quick);
    const res = await client.requestStream({ method: 'GET', url: s.url, headers: { range: 'bytes=5-' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 5-7/8');
    expect((await readAll(res.body)).toString()).toBe('abc');
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1]?.headers.range).toBe('bytes=5-');
  });

  it('fails with an HttpError holding status and body text for an error status', async () => {
    const s = await stub((_req, res) => res.writeHead(404).end('no such image'));
    const error = await rejectionOf(httpRequestStream({ method: 'GET', url: s.url }, quick), HttpError);
    expect(error).toMatchObject({ kind: 'status', status: 404, bodyText: 'no such image', attempts: 1 });
  });

  it('follows a redirect on its origin, refuses one elsewhere, and drops secret headers with follow', async () => {
    const other = await stub((req, res) =>
      res.writeHead(200).end(String(req.headers['x-api-key'] ?? 'none')),
    );
    const s = await stub((req, res) => {
      if (req.url === '/old') res.writeHead(301, { location: '/new' }).end();
      else if (req.url === '/away') res.writeHead(302, { location: `${other.url}/there` }).end();
      else res.writeHead(200).end(`at ${req.url}`);
    });
    const headers = { 'x-api-key': 'secret-key-value' };
    const moved = await httpRequestStream({ method: 'GET', url: `${s.url}/old`, headers });
    expect(moved.url).toBe(`${s.url}/new`);
    expect((await readAll(moved.body)).toString()).toBe('at /new');
    const error = await rejectionOf(
      httpRequestStream({ method: 'GET', url: `${s.url}/away`, headers }),
      HttpError,
    );
    expect(error).toMatchObject({ kind: 'redirect', status: 302 });
    expect(other.requests).toHaveLength(0);
    const followed = await httpRequestStream({
      method: 'GET',
      url: `${s.url}/away`,
      headers,
      redirect: 'follow',
    });
    expect((await readAll(followed.body)).toString()).toBe('none');
  });

  it('refuses a URL with credentials and reports an unreachable host as network, both redacted', async () => {
    const refused = await rejectionOf(
      httpRequestStream({ method: 'GET', url: 'http://user:pw-123@127.0.0.1:1/x' }),
      HttpError,
    );
    expect(refused.kind).toBe('refused');
    expect(refused.message).not.toContain('pw-123');
    const unreachable = await rejectionOf(
      httpRequestStream({ method: 'GET', url: 'http://127.0.0.1:1/x?token=tok-1', maxAttempts: 1 }),
      HttpError,
    );
    expect(unreachable.kind).toBe('network');
    expect(unreachable.message).toContain('ECONNREFUSED');
    expect(unreachable.message).not.toContain('tok-1');
  });

  it('ends a body that stalls past the attempt time limit, and one the caller aborts, with the reason', async () => {
    const s = await stub((_req, res) => {
      res.writeHead(200, { 'content-length': 10 });
      res.write('12345'); // and never the rest
    });
    const slow = await httpRequestStream({ method: 'GET', url: s.url, timeoutMs: 200 });
    await expect(readAll(slow.body)).rejects.toThrow();
    const controller = new AbortController();
    const res = await httpRequestStream({ method: 'GET', url: s.url, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(readAll(res.body)).rejects.toThrow('stop');
  });

  it('rejects at once with the reason when the caller aborts before the answer', async () => {
    const s = await stub(() => undefined); // never answers
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled')), 50);
    await expect(httpRequestStream({ method: 'GET', url: s.url, signal: controller.signal })).rejects.toThrow(
      'cancelled',
    );
  });

  it('reports download progress up to Content-Length when asked, keeping every byte', async () => {
    const data = randomBytes(2 ** 20 + 5);
    const s = await stub((_req, res) => res.writeHead(200, { 'content-length': data.length }).end(data));
    const seen: HttpProgress[] = [];
    const res = await httpRequestStream({ method: 'GET', url: s.url, onProgress: (p) => seen.push(p) });
    expect((await readAll(res.body)).equals(data)).toBe(true);
    expect(seen.at(-1)).toEqual({ direction: 'download', doneBytes: data.length, totalBytes: data.length });
  });

  it('sends a text body with a POST', async () => {
    const s = await stub((req, res) => {
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => res.writeHead(200).end(`got ${text}`));
    });
    const res = await httpRequestStream({ method: 'POST', url: s.url, body: 'hello' });
    expect((await readAll(res.body)).toString()).toBe('got hello');
  });
});
