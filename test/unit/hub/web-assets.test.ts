// Unit tests of how the hub serves the portal's built pages: index.html for every page path with
// no-cache and a CSP, the hashed assets cached for a year, brotli or gzip as accepted, no path out of
// the build's folder, 503 before a build, and cloud-info-api's unprefixed paths left alone.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHub, type HubApp } from '../../../src/hub/app.js';
import { generateHubToken } from '../../../src/hub/auth/hub-token.js';
import { DEFAULT_PORTAL } from '../../../src/hub/portal/index.js';
import { openTestStore, type TestStore } from '../../helpers/test-stores.js';

const INDEX =
  '<!doctype html><html><head><title>Fedstack</title></head><body><main id="app"></main></body></html>\n';

/** About 5 KB of script that compresses the way a bundle does (repeated, but not uniform). */
const SCRIPT = Array.from(
  { length: 120 },
  (_, i) => `export function f${i}(x){return x*${i}+${(i * 7919) % 1000};}\n`,
)
  .join('')
  .padEnd(5 * 1024, '/');

let root: string;
let store: TestStore | undefined;
let app: HubApp | undefined;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'fedstack-web-assets-'));
  // a file beside the build's folder, which no URL may reach
  writeFileSync(path.join(root, 'secret.txt'), 'not to be served\n');
});
afterEach(async () => {
  await app?.close();
  await store?.dispose();
  app = undefined;
  store = undefined;
  rmSync(root, { recursive: true, force: true });
});

/** A built front end in `root/web`: index.html and assets/app-abc123.js. */
function writeBuild(): string {
  const dir = path.join(root, 'web');
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), INDEX);
  writeFileSync(path.join(dir, 'assets', 'app-abc123.js'), SCRIPT);
  return dir;
}

async function openHub(assetsDir: string): Promise<HubApp> {
  store = await openTestStore('sqlite');
  app = await buildHub({
    store: store.store,
    adminToken: generateHubToken(),
    ingest: false,
    portal: { ...DEFAULT_PORTAL, assetsDir },
  });
  return app;
}

/** GET `url` exactly as written (no dot segments resolved) from the hub listening on `port`. */
function rawGet(port: number, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: url }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

const get = (url: string, headers: Record<string, string> = {}) =>
  app!.inject({ method: 'GET', url, headers });

describe('the portal pages', () => {
  beforeEach(async () => {
    await openHub(writeBuild());
  });

  it('answers index.html at / and every page path, never cached without revalidation, with a CSP', async () => {
    for (const url of [
      '/',
      '/portal',
      '/portal/accounting',
      '/portal/sites/X',
      '/portal/vms?sign_in_error=x',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('sends a file under 1 KB as it is, whatever the browser accepts', async () => {
    const res = await get('/', { 'accept-encoding': 'br, gzip' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body).toBe(INDEX);
  });

  it('caches the hashed assets for a year, immutable', async () => {
    const res = await get('/assets/app-abc123.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const cache = String(res.headers['cache-control']);
    expect(cache).toContain('immutable');
    expect(cache).toContain('max-age=31536000');
    expect(res.headers['content-security-policy']).toBeUndefined();
  });

  it('sends brotli when the browser accepts br, else gzip, else the file as it is', async () => {
    const br = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(br.rawPayload.length).toBeLessThan(SCRIPT.length / 2);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(SCRIPT);

    const gzip = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip, deflate' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.rawPayload.length).toBeLessThan(SCRIPT.length / 2);
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(SCRIPT);

    const plainAsked: Record<string, string>[] = [
      {},
      { 'accept-encoding': 'identity' },
      { 'accept-encoding': 'deflate' },
    ];
    for (const headers of plainAsked) {
      const plain = await get('/assets/app-abc123.js', headers);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.rawPayload.equals(Buffer.from(SCRIPT))).toBe(true);
    }
  });

  it('sends the same compressed bytes again (compressed once and kept)', async () => {
    const first = await get('/assets/app-abc123.js', { 'accept-encoding': 'br' });
    const second = await get('/assets/app-abc123.js', { 'accept-encoding': 'br' });
    expect(second.rawPayload.equals(first.rawPayload)).toBe(true);
  });

  it('answers 404 for an asset that is not there', async () => {
    const res = await get('/assets/app-000000.js');
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('no asset app-000000.js');
  });

  it('refuses every way out of the assets folder with 404, for the paths as sent', async () => {
    // over a socket: inject() would resolve the dot segments before the hub sees them
    await app!.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app!.server.address() as AddressInfo;
    for (const url of [
      '/assets/../index.html',
      '/assets/%2e%2e/index.html',
      '/assets/..%2findex.html',
      '/assets/../../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/assets/..',
      '/assets/.',
      '/assets/',
    ]) {
      const res = await rawGet(port, url);
      expect(res.status, url).toBe(404);
      expect(res.body, url).not.toContain('not to be served');
      expect(res.body, url).not.toContain('<!doctype html>');
    }
  });

  it('leaves the unprefixed cloud-info-api paths to the information system', async () => {
    const res = await get('/sites');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual([]);
    expect(res.body).not.toContain('<html');
  });
});

describe('a portal that was not built', () => {
  it('answers 503 at the pages and the assets, saying to run npm run build', async () => {
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    await openHub(empty);
    for (const url of ['/', '/portal/sites', '/assets/app-abc123.js']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(503);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.body, url).toContain('npm run build');
      expect(res.body).toContain('empty/index.html');
    }
    // the API is not affected
    expect((await get('/v1/status')).json()).toEqual({ status: 'ok' });
  });
});
