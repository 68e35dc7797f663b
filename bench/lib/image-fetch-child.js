// Helper of bench/image-sync.js (not a benchmark itself): in its own process, so its peak RSS is the
// downloader's alone, it calls `fetchToCache` twice for one image (a download into an empty cache,
// then a cache hit) and prints ONE JSON line: the seconds and requests of each call and the process's
// peak RSS (`process.resourceUsage().maxRSS`).
//
// Run:  node bench/lib/image-fetch-child.js URL SHA512_HEX SIZE_BYTES CACHE_DIR
import { fetchToCache } from '../../dist/site/images/index.js';

const [url, hex, sizeText, cacheDir] = process.argv.slice(2);
const expected = { algorithm: 'sha512', hex, sizeBytes: Number(sizeText) };
// the bench's temp directory may sit on a small /tmp: no free-space margin beyond the image
const common = { url, expected, cacheDir, freeSpaceMarginBytes: 0 };

let progressCalls = 0;
let t = performance.now();
const first = await fetchToCache({ ...common, onProgress: () => progressCalls++ });
const firstSeconds = (performance.now() - t) / 1000;
const cpuAfterFirst = process.cpuUsage();
t = performance.now();
const second = await fetchToCache(common);
const secondSeconds = (performance.now() - t) / 1000;

process.stdout.write(
  `${JSON.stringify({
    first: {
      seconds: firstSeconds,
      source: first.source,
      requests: first.requests,
      receivedBytes: first.receivedBytes,
    },
    second: { seconds: secondSeconds, source: second.source, requests: second.requests },
    progressCalls,
    cpuSecondsFirst: (cpuAfterFirst.user + cpuAfterFirst.system) / 1e6,
    maxRssKiB: process.resourceUsage().maxRSS,
  })}\n`,
);
