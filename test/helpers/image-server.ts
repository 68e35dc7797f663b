// A local HTTP server for the image download tests: serves one buffer with Range support, counts
// requests and bytes, and can drop the connection part-way, ignore Range or send slowly.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running image server. */
export interface ImageServer {
  readonly url: string;
  /** Headers of each request received, in order. */
  readonly requests: IncomingHttpHeaders[];
  /** Body bytes sent in all. */
  servedBytes: number;
  /** Drop the connection of the next response after this many body bytes (then cleared). */
  dropAfterBytes: number | undefined;
  /** Answer 200 with the whole body even to a Range request. */
  isRangeIgnored: boolean;
  /** The Content-Length announced instead of the real one; null: none (chunked). */
  announcedSizeBytes: number | null | undefined;
  /** Wait this long after each 256 KiB chunk, ms (a slow link); 0: none. */
  chunkDelayMs: number;
  close(): Promise<void>;
}

const CHUNK_BYTES = 256 * 1024;

/** Starts a server on 127.0.0.1 that serves `body` at any path. */
export async function startImageServer(body: Buffer): Promise<ImageServer> {
  const state: Omit<ImageServer, 'url' | 'close'> = {
    requests: [],
    servedBytes: 0,
    dropAfterBytes: undefined,
    isRangeIgnored: false,
    announcedSizeBytes: undefined,
    chunkDelayMs: 0,
  };
  const server: Server = createServer((req, res) => {
    state.requests.push(req.headers);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    if (range && !state.isRangeIgnored) {
      start = Number(range[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'accept-ranges': 'bytes',
      });
    } else {
      const length = state.announcedSizeBytes === undefined ? body.length : state.announcedSizeBytes;
      res.writeHead(200, length === null ? {} : { 'content-length': length });
    }
    const dropAfter = state.dropAfterBytes;
    state.dropAfterBytes = undefined;
    let at = start;
    const pump = (): void => {
      if (res.destroyed) return; // the client went away while the server waited
      while (at < body.length) {
        if (dropAfter !== undefined && at - start >= dropAfter) {
          res.socket?.destroy();
          return;
        }
        const end = Math.min(body.length, at + CHUNK_BYTES);
        const chunk = body.subarray(at, end);
        at = end;
        state.servedBytes += chunk.length;
        const isDrained = res.write(chunk);
        if (state.chunkDelayMs > 0 && at < body.length) {
          setTimeout(() => (res.writableNeedDrain ? res.once('drain', pump) : pump()), state.chunkDelayMs);
          return;
        }
        if (!isDrained) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/images/disk.img?token=s3cret`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
