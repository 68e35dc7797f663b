// Helper of bench/image-sync.js (not a benchmark itself): in its own process, so its peak RSS is the
// sync's alone, it runs `runImageSync` (what `fedstack images sync` runs, default options) twice for
// one site config: the first run downloads and uploads the listed image, the second has nothing to
// do. Prints ONE JSON line: seconds, applied counts, errors and plan step kinds of each run, and the
// process's peak RSS (`process.resourceUsage().maxRSS`).
//
// Run:  node bench/lib/image-sync-child.js SITE_YAML
import { silentLogger } from '../../dist/log.js';
import { runImageSync } from '../../dist/site/jobs/index.js';
import { loadSiteConfig } from '../../dist/site/site-config.js';

const [siteFile] = process.argv.slice(2);
const config = loadSiteConfig(siteFile);

async function timedSync() {
  const started = performance.now();
  const outcome = await runImageSync({
    config,
    logger: silentLogger,
    signal: new AbortController().signal,
    clock: Date.now,
  });
  return {
    seconds: (performance.now() - started) / 1000,
    applied: outcome.applied ?? null,
    errors: outcome.errors.map((e) => String(e.message ?? JSON.stringify(e))),
    failure: outcome.failure ? String(outcome.failure.message ?? JSON.stringify(outcome.failure)) : null,
    sources: outcome.sources.map((s) => ({ status: s.status, trusted: s.trusted, reasons: s.reasons })),
    steps: outcome.plan ? outcome.plan.steps.map((s) => s.kind) : null,
  };
}

const first = await timedSync();
const second = await timedSync();
process.stdout.write(`${JSON.stringify({ first, second, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
