// Helper of bench/image-sync.js (not a benchmark itself): from its own process, so its CPU time is
// not the downloader's, it serves one file at any path over loopback HTTP with `Range: bytes=N-`
// support (206 with Content-Range; 416 past the end), never compressed. Prints the port on stdout
// once it listens; runs until killed.
//
// Run:  node bench/lib/range-file-server.js FILE
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';

const [file] = process.argv.slice(2);
const READ_CHUNK_BYTES = 1 << 20;

const server = createServer((req, res) => {
  const size = statSync(file).size;
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = size - 1;
  if (range) {
    start = Number(range[1]);
    if (range[2] !== '') end = Math.min(end, Number(range[2]));
    if (start >= size || start > end) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-length': end - start + 1,
      'content-range': `bytes ${start}-${end}/${size}`,
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
    });
  } else {
    res.writeHead(200, {
      'content-length': size,
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
    });
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file, { start, end, highWaterMark: READ_CHUNK_BYTES })
    .on('error', () => res.destroy())
    .pipe(res);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
