import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  diskImageLayerOf,
  nextLinkOf,
  parseAuthChallenges,
  parseOciManifest,
} from '../../../../src/formats/oci/index.js';
import { HttpClient, HttpError, type HttpRequest } from '../../../../src/http/index.js';
import type { OciSourceConfig } from '../../../../src/site/images/images-config.js';
import { listOciSource, ociBlobDownload } from '../../../../src/site/images/oci-source.js';
import { useStubServers } from '../../../helpers/stub-server.js';

const startStub = useStubServers();
const REPO = 'egi_vm_images/ubuntu';
const hex = (c: string) => c.repeat(64);

function manifestOf(layerHex: string, size = 1000, title = 'ubuntu.qcow2'): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${hex('e')}`, size: 2 },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: `sha256:${layerHex}`,
        size,
        annotations: { 'org.opencontainers.image.title': title },
      },
    ],
    annotations: { 'eu.egi.cloud.tag': '2025-09-04-4d7122d6' },
  });
}

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

function sendManifest(res: ServerResponse, body: string, digest = sha256(body)): void {
  res.writeHead(200, {
    'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
    'Docker-Content-Digest': digest,
  });
  res.end(body);
}

function sourceOf(url: string, overrides: Partial<OciSourceConfig> = {}): OciSourceConfig {
  return {
    kind: 'oci',
    name: 'egi',
    isEnabled: true,
    images: [],
    prefix: '',
    registry: url,
    repository: REPO,
    ...overrides,
  };
}

const options = (env: NodeJS.ProcessEnv = {}) => ({
  httpClient: new HttpClient({ timeoutMs: 5000 }),
  configFile: '/nonexistent/site.yaml',
  index: 0,
  env,
});

const TAGS = ['20.04', '22.04', '22.04-2025-01-01', `sha256-${hex('a')}.sig`, '24.04'];

/** A registry of TAGS, two per page, every manifest with its own layer. */
function pagedRegistry(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, 'http://x');
  if (url.pathname === `/v2/${REPO}/tags/list`) {
    const n = Number(url.searchParams.get('n'));
    const last = url.searchParams.get('last');
    const start = last === null ? 0 : TAGS.indexOf(last) + 1;
    const page = TAGS.slice(start, start + 2);
    const more = start + 2 < TAGS.length;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      ...(more ? { Link: `</v2/${REPO}/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"` } : {}),
    });
    res.end(JSON.stringify({ name: REPO, tags: page }));
    return;
  }
  const m = new RegExp(`^/v2/${REPO}/manifests/(.+)$`).exec(url.pathname);
  if (m) {
    const tag = decodeURIComponent(m[1]!);
    sendManifest(res, manifestOf(createHash('sha256').update(tag).digest('hex')));
    return;
  }
  res.writeHead(404).end();
}

describe('listOciSource', () => {
  it('follows the Link pagination of the tag list and keeps the tags the pattern matches', async () => {
    const stub = await startStub(pagedRegistry);
    const { list, problems } = await listOciSource(sourceOf(stub.url, { tagPattern: '^[^-]*$' }), options());
    expect(problems).toEqual([]);
    expect(list.images.map((i) => i.version)).toEqual(['20.04', '22.04', '24.04']);
    const tagPages = stub.requests.filter((r) => r.url.includes('/tags/list'));
    expect(tagPages).toHaveLength(3);
    // the cosign signature tag is never read, nor the tags the pattern leaves out
    expect(stub.requests.filter((r) => r.url.includes('/manifests/')).map((r) => r.url)).toEqual(
      ['20.04', '22.04', '24.04'].map((t) => `/v2/${REPO}/manifests/${t}`),
    );
    const accept = stub.requests.find((r) => r.url.includes('/manifests/'))!.headers.accept;
    expect(accept).toContain('application/vnd.oci.image.manifest.v1+json');
    expect(accept).toContain('application/vnd.docker.distribution.manifest.v2+json');
    const host = new URL(stub.url).host;
    expect(list.images[1]).toMatchObject({
      id: `${host}/${REPO}:22.04`,
      hash: { algorithm: 'sha256', value: createHash('sha256').update('22.04').digest('hex') },
      sizeBytes: 1000,
      format: 'qcow2',
      marketplaceUri: `docker://${host}/${REPO}:22.04`,
      attributes: { 'eu.egi.cloud.image_ref': `${REPO}:22.04`, 'eu.egi.cloud.tag': '2025-09-04-4d7122d6' },
    });
  });

  it('every tag without a pattern, the accessory tags left out', async () => {
    const stub = await startStub(pagedRegistry);
    const { list } = await listOciSource(sourceOf(stub.url), options());
    expect(list.images.map((i) => i.version)).toEqual(['20.04', '22.04', '22.04-2025-01-01', '24.04']);
  });

  it('a manifest whose bytes do not match the registry digest is a problem, the other tags still listed', async () => {
    const stub = await startStub((req, res) => {
      if (req.url!.includes('/tags/list')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ name: REPO, tags: ['a', 'b', 'c'] }));
      } else if (req.url!.endsWith('/manifests/a'))
        sendManifest(res, manifestOf(hex('1')), `sha256:${hex('0')}`);
      else if (req.url!.endsWith('/manifests/b')) sendManifest(res, manifestOf(hex('2')));
      else {
        res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.index.v1+json' });
        res.end(JSON.stringify({ schemaVersion: 2, manifests: [] }));
      }
    });
    const { list, problems } = await listOciSource(sourceOf(stub.url), options());
    expect(list.images.map((i) => i.version)).toEqual(['b']);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /:a: the manifest's digest is sha256:[0-9a-f]{64}, the registry says sha256:0{64}/,
    );
    expect(problems[1]).toMatch(/:c: the tag names an image index/);
  });

  it('answers a Bearer challenge with a token of the realm (Basic credentials), once per scope', async () => {
    let realm = '';
    const stub = await startStub((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/service/token') {
        const expected = `Basic ${Buffer.from('robot$sync:pw-1').toString('base64')}`;
        if (req.headers.authorization !== expected) return void res.writeHead(401).end();
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ token: `tok-${url.searchParams.get('scope')}` }));
        return;
      }
      if (req.headers.authorization !== `Bearer tok-repository:${REPO}:pull`) {
        res.writeHead(401, {
          'WWW-Authenticate': `Bearer realm="${realm}",service="harbor-registry",scope="repository:${REPO}:pull"`,
        });
        res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        return;
      }
      if (url.pathname.endsWith('/tags/list')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ name: REPO, tags: ['22.04'] }));
      } else if (req.method === 'HEAD') res.writeHead(307, { Location: 'https://s3.example.org/blob' }).end();
      else sendManifest(res, manifestOf(hex('3')));
    });
    realm = `${stub.url}/service/token`;
    const source = sourceOf(stub.url, { username: 'robot$sync', passwordEnv: 'REG_PW' });
    const { list, problems } = await listOciSource(source, options({ REG_PW: 'pw-1' }));
    expect(problems).toEqual([]);
    expect(list.images).toHaveLength(1);
    const tokenCalls = stub.requests.filter((r) => r.url.startsWith('/service/token'));
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0]!.url).toBe(
      `/service/token?service=harbor-registry&scope=${encodeURIComponent(`repository:${REPO}:pull`)}`,
    );
    // the first request went with Basic, the rest with the token
    const registryCalls = stub.requests.filter((r) => r.url.startsWith('/v2/'));
    expect(registryCalls.map((r) => r.headers.authorization?.split(' ')[0])).toEqual([
      'Basic',
      'Bearer',
      'Bearer',
    ]);

    const download = await ociBlobDownload(source, list.images[0]!, options({ REG_PW: 'pw-1' }));
    expect(download).toEqual({
      url: `${stub.url}/v2/${REPO}/blobs/sha256:${hex('3')}`,
      headers: { Authorization: `Bearer tok-repository:${REPO}:pull` },
    });
  });

  it('sends a configured token as Bearer and does not go to a token service', async () => {
    const stub = await startStub((req, res) => {
      if (req.headers.authorization !== 'Bearer static-token') return void res.writeHead(401).end();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ name: REPO, tags: [] }));
    });
    const { list, problems } = await listOciSource(
      sourceOf(stub.url, { tokenEnv: 'REG_TOKEN' }),
      options({ REG_TOKEN: 'static-token' }),
    );
    expect(problems).toEqual([]);
    expect(list.images).toEqual([]);
  });

  it('refuses an HTTP token service for an HTTPS registry (the password is never sent to it)', async () => {
    const sent: string[] = [];
    const client = new (class extends HttpClient {
      override request(request: HttpRequest): Promise<Response> {
        sent.push(String(request.url));
        const headers = new Headers({
          'WWW-Authenticate': 'Bearer realm="http://registry.example.org/token"',
        });
        const details = { kind: 'status' as const, method: 'GET', url: String(request.url), status: 401 };
        return Promise.reject(new HttpError({ ...details, attempts: 1, headers }, 'answered 401'));
      }
    })();
    const source = sourceOf('https://registry.example.org', { username: 'u', passwordEnv: 'P' });
    await expect(listOciSource(source, { ...options({ P: 'p' }), httpClient: client })).rejects.toThrow(
      /token service http:\/\/registry.example.org is not HTTPS/,
    );
    expect(sent).toEqual([`https://registry.example.org/v2/${REPO}/tags/list?n=100`]);
  });

  it('lists the repositories of a Harbor project through the Harbor API, paged', async () => {
    const stub = await startStub((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/api/v2.0/projects/egi_vm_images/repositories') {
        const page = Number(url.searchParams.get('page'));
        res.writeHead(200, {
          'Content-Type': 'application/json',
          ...(page === 1
            ? { Link: '</api/v2.0/projects/egi_vm_images/repositories?page=2&page_size=100>; rel="next"' }
            : {}),
        });
        res.end(
          JSON.stringify(page === 1 ? [{ name: 'egi_vm_images/ubuntu' }] : [{ name: 'egi_vm_images/alma' }]),
        );
      } else if (url.pathname.endsWith('/tags/list')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ tags: ['9'] }));
      } else sendManifest(res, manifestOf(createHash('sha256').update(url.pathname).digest('hex')));
    });
    const { list, problems } = await listOciSource(
      sourceOf(stub.url, { repository: undefined, project: 'egi_vm_images' }),
      options(),
    );
    expect(problems).toEqual([]);
    expect(list.images.map((i) => i.title)).toEqual(['egi_vm_images/alma:9', 'egi_vm_images/ubuntu:9']);
  });
});

describe('OCI codecs', () => {
  it('parses Bearer and Basic challenges, quoted commas included', () => {
    expect(
      parseAuthChallenges(
        'Bearer realm="https://registry.egi.eu/service/token",service="harbor-registry",scope="repository:a/b:pull,push", Basic realm="x"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://registry.egi.eu/service/token',
          service: 'harbor-registry',
          scope: 'repository:a/b:pull,push',
        },
      },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
    expect(parseAuthChallenges(null)).toEqual([]);
  });

  it('finds the next link', () => {
    expect(nextLinkOf('</v2/a/tags/list?n=2&last=b>; rel="next"')).toBe('/v2/a/tags/list?n=2&last=b');
    expect(nextLinkOf('<https://x/a?page=1>; rel="prev", <https://x/a?page=3>; rel="next"')).toBe(
      'https://x/a?page=3',
    );
    expect(nextLinkOf('<https://x/a?page=1>; rel="prev"')).toBeUndefined();
  });

  it('takes the disk-named layer, else the largest', () => {
    const layer = (digestChar: string, size: number, title?: string) => ({
      mediaType: 'application/octet-stream',
      digest: `sha256:${hex(digestChar)}`,
      size,
      ...(title ? { annotations: { 'org.opencontainers.image.title': title } } : {}),
    });
    const parse = (layers: unknown[]) => {
      const r = parseOciManifest(
        JSON.stringify({ schemaVersion: 2, config: layer('c', 2), layers }),
        'application/vnd.oci.image.manifest.v1+json',
      );
      if (r.kind !== 'manifest') throw new Error(r.message);
      return diskImageLayerOf(r.manifest)?.digest;
    };
    expect(parse([layer('1', 9000, 'README.md'), layer('2', 500, 'disk.img')])).toBe(`sha256:${hex('2')}`);
    expect(parse([layer('1', 10), layer('2', 500)])).toBe(`sha256:${hex('2')}`);
    expect(parse([])).toBeUndefined();
    expect(parseOciManifest('{"schemaVersion":2,"config":{},"layers":[]}')).toMatchObject({
      kind: 'invalid',
    });
  });
});
