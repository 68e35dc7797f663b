// Debian's docker-registry (the distribution registry) on 127.0.0.1, with filesystem storage in a temp dir, and pushes through its API.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureOsPackages } from './os-packages.js';

const BINARY = '/usr/bin/docker-registry';
const START_TIMEOUT_MS = 20_000;

/** A running registry. */
export interface TestRegistry {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `127.0.0.1:<port>` */
  readonly host: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * Starts `docker-registry serve` on a free loopback port (installing the package when missing),
 * storage and config in a fresh temp dir, and waits until `/v2/` answers.
 * @throws Error with the registry's output when it does not come up in time.
 */
export async function startTestRegistry(): Promise<TestRegistry> {
  await ensureOsPackages(['docker-registry']);
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-registry-'));
  let child: ChildProcess | undefined;
  let output = '';
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const config = path.join(dir, 'config.yml');
      writeFileSync(
        config,
        [
          'version: 0.1',
          'log:',
          '  level: warn',
          'storage:',
          '  filesystem:',
          `    rootdirectory: ${path.join(dir, 'data')}`,
          '  delete:',
          '    enabled: true',
          'http:',
          `  addr: 127.0.0.1:${port}`,
          '',
        ].join('\n'),
      );
      output = '';
      const proc = spawn(BINARY, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + START_TIMEOUT_MS;
      let isUp = false;
      while (Date.now() < deadline && proc.exitCode === null) {
        try {
          const res = await fetch(`${url}/v2/`);
          await res.body?.cancel();
          if (res.status === 200) {
            isUp = true;
            break;
          }
        } catch {
          // not listening yet
        }
        await sleep(100);
      }
      if (isUp) {
        const running = proc;
        return {
          url,
          host: `127.0.0.1:${port}`,
          stop: async () => {
            if (running.exitCode === null && running.signalCode === null) {
              const exited = new Promise((r) => running.once('exit', r));
              running.kill('SIGTERM');
              await Promise.race([exited, sleep(5000)]);
              if (running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
            }
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
      proc.kill('SIGKILL');
      // the port may have been taken between the probe and the bind: one more try
      if (attempt >= 2) throw new Error(`docker-registry did not start on ${url}:\n${output.slice(-2000)}`);
    }
  } catch (error) {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** `sha256:<hex>` of `bytes`. */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function expectStatus(res: Response, status: number, what: string): Promise<void> {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  await res.body?.cancel();
}

/** Pushes one blob (monolithic upload: POST, then PUT with the digest); returns its digest. */
export async function pushBlob(registryUrl: string, repository: string, bytes: Uint8Array): Promise<string> {
  const digest = digestOf(bytes);
  const start = await fetch(`${registryUrl}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await expectStatus(start, 202, `POST upload of ${repository}`);
  const location = new URL(start.headers.get('location')!, registryUrl);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/octet-stream' },
    body: bytes,
  });
  await expectStatus(put, 201, `PUT blob ${digest}`);
  return digest;
}

/** What {@link pushDiskImage} pushed. */
export interface PushedImage {
  readonly layerDigest: string;
  readonly layerSize: number;
  readonly manifestDigest: string;
}

/**
 * Pushes a VM image artefact as ORAS does: an empty config blob, the disk image as the one layer
 * (annotated with its file name), and an OCI image manifest under `tag`.
 */
export async function pushDiskImage(
  registryUrl: string,
  repository: string,
  tag: string,
  disk: Uint8Array,
  options: { fileName?: string; annotations?: Record<string, string> } = {},
): Promise<PushedImage> {
  const config = new TextEncoder().encode('{}');
  const configDigest = await pushBlob(registryUrl, repository, config);
  const layerDigest = await pushBlob(registryUrl, repository, disk);
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: layerDigest,
          size: disk.byteLength,
          annotations: { 'org.opencontainers.image.title': options.fileName ?? 'disk.qcow2' },
        },
      ],
      annotations: options.annotations ?? {},
    }),
  );
  const put = await fetch(`${registryUrl}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  await expectStatus(put, 201, `PUT manifest ${repository}:${tag}`);
  return { layerDigest, layerSize: disk.byteLength, manifestDigest: digestOf(manifest) };
}
