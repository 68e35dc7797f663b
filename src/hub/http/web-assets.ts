// The portal's pages: the built front end (`npm run build` writes it to dist/web), served by the
// hub itself at / and /portal/… (the paths without a prefix are cloud-info-api's). Every page
// path answers index.html (the pages route in the browser) and must be
// revalidated; the hashed files under /assets/ are cached for a year. Brotli or gzip as the
// browser accepts, compressed once per file and kept.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** The paths of the portal's pages (each answers index.html). */
export const PAGE_PATHS = [
  '/',
  '/portal',
  '/portal/accounting',
  '/portal/sites',
  '/portal/sites/:name',
  '/portal/images',
  '/portal/flavors',
  '/portal/vms',
] as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
};
/** Below this size a file is sent as it is. */
const COMPRESS_FROM = 1024;
const PAGE_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/** Where the built pages are: beside the compiled hub (dist/web), or dist/web when run from source. */
export function defaultAssetsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const built = path.resolve(here, '../../web');
  return existsSync(path.join(built, 'index.html')) ? built : path.resolve(here, '../../../dist/web');
}

interface Asset {
  readonly type: string;
  readonly mtimeMs: number;
  readonly raw: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

/** One file of the build, read once; its compressed forms made on first use. */
class AssetFiles {
  private readonly files = new Map<string, Asset>();
  constructor(readonly dir: string) {}

  /** The file, read again when it changed on disk (a new build while the hub runs). */
  get(relative: string): Asset | undefined {
    const file = path.resolve(this.dir, relative);
    if (!file.startsWith(this.dir + path.sep)) return undefined;
    let mtimeMs: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) return undefined;
      mtimeMs = stat.mtimeMs;
    } catch {
      this.files.delete(relative);
      return undefined;
    }
    const cached = this.files.get(relative);
    if (cached?.mtimeMs === mtimeMs) return cached;
    const asset: Asset = {
      type: TYPES[path.extname(file)] ?? 'application/octet-stream',
      mtimeMs,
      raw: readFileSync(file),
    };
    this.files.set(relative, asset);
    return asset;
  }

  /** Whether the front end has been built. */
  isBuilt(): boolean {
    return existsSync(path.join(this.dir, 'index.html')) && readdirSync(this.dir).includes('assets');
  }
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  reply.header('content-type', asset.type).header('vary', 'accept-encoding');
  const accepted = String(request.headers['accept-encoding'] ?? '');
  if (asset.raw.length >= COMPRESS_FROM && /\bbr\b/.test(accepted)) {
    asset.br ??= brotliCompressSync(asset.raw, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: asset.raw.length },
    });
    return reply.header('content-encoding', 'br').send(asset.br);
  }
  if (asset.raw.length >= COMPRESS_FROM && /\bgzip\b/.test(accepted)) {
    asset.gzip ??= gzipSync(asset.raw, { level: 9 });
    return reply.header('content-encoding', 'gzip').send(asset.gzip);
  }
  return reply.send(asset.raw);
}

/** Options of {@link webAssetsPlugin}. */
export interface WebAssetsOptions {
  /** The build's folder (index.html, assets/); default {@link defaultAssetsDir}. */
  readonly dir?: string;
}

/**
 * Serves the portal: its pages at {@link PAGE_PATHS} and the built files at `/assets/*`. Answers
 * 503 with what to do when the front end has not been built.
 */
export const webAssetsPlugin: FastifyPluginAsync<WebAssetsOptions> = async (app, o) => {
  const files = new AssetFiles(path.resolve(o.dir ?? defaultAssetsDir()));
  const notBuilt = (reply: FastifyReply) =>
    reply
      .code(503)
      .type('text/plain; charset=utf-8')
      .send(
        `The portal's pages are not built (no ${path.basename(files.dir)}/index.html): run npm run build.\n`,
      );
  const hidden = { hide: true } as const;
  for (const url of PAGE_PATHS) {
    app.get(url, { config: { roles: 'public' }, schema: hidden }, async (request, reply) => {
      const page = files.get('index.html');
      if (!page) return notBuilt(reply);
      reply.header('cache-control', 'no-cache').header('content-security-policy', PAGE_POLICY);
      reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin');
      return send(request, reply, page);
    });
  }
  app.get('/assets/*', { config: { roles: 'public' }, schema: hidden }, async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    const asset = /^[\w.-]+$/.test(name) ? files.get(`assets/${name}`) : undefined;
    if (!asset) {
      if (!files.isBuilt()) return notBuilt(reply);
      return reply.code(404).type('text/plain; charset=utf-8').send(`no asset ${name}\n`);
    }
    reply.header('cache-control', 'public, max-age=31536000, immutable');
    reply.header('x-content-type-options', 'nosniff');
    return send(request, reply, asset);
  });
};
