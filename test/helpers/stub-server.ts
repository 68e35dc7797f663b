// A tiny real HTTP server on 127.0.0.1:0 for unit tests of edge cases (timeouts, retries, odd bodies).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** A handler that also sees how many requests came before. */
export type StubHandler = (req: IncomingMessage, res: ServerResponse, count: number) => void;

/** Starts a server; returns its base URL, the received requests and a close function. */
export async function startStub(handler: StubHandler): Promise<{
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  close: () => Promise<void>;
}> {
  const requests: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, headers: req.headers });
    handler(req, res, requests.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A started stub server. */
export type StubServer = Awaited<ReturnType<typeof startStub>>;

/**
 * Registers an `afterEach` that closes every server the returned function started during the test;
 * call it at the top of a test file and start stubs with what it returns.
 */
export function useStubServers(): (handler: StubHandler) => Promise<StubServer> {
  const started: StubServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });
  return async (handler) => {
    const server = await startStub(handler);
    started.push(server);
    return server;
  };
}

/** A Keystone token body with a catalog pointing every service at `base`. */
export function tokenBody(base: string, expiresAt = new Date(Date.now() + 3_600_000).toISOString()): string {
  const endpoint = (type: string, path: string) => ({
    type,
    name: type,
    endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}${path}` }],
  });
  return JSON.stringify({
    token: {
      expires_at: expiresAt,
      methods: ['password'],
      user: { id: 'u1', name: 'user' },
      project: { id: 'p1', name: 'project' },
      roles: [{ name: 'member' }],
      catalog: [
        endpoint('compute', '/compute/v2.1'),
        endpoint('image', '/image'),
        endpoint('network', '/network'),
      ],
    },
  });
}
