// Helper of bench/hub-ingest.js (not a benchmark itself): from its own process, so the hub's event
// loop is measured and not this one's, it calls GET routes of a hub one after another, a pause
// between calls, until a line arrives on stdin; then it prints the latencies (ms) per path as JSON.
//
// Run:  node bench/lib/api-probe.js BASE_URL TOKEN PATH [PATH...]
const [base, token, ...paths] = process.argv.slice(2);
const PAUSE_MS = 20;
const TIMEOUT_MS = 30_000;
const samples = Object.fromEntries(paths.map((p) => [p, []]));
let errors = 0;
let isStopping = false;
process.stdin.on('data', () => (isStopping = true));
process.stdin.on('end', () => (isStopping = true));

while (!isStopping) {
  for (const p of paths) {
    const t = performance.now();
    try {
      const res = await fetch(base + p, {
        headers: { 'x-api-key': token },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.arrayBuffer();
      if (!res.ok) errors++;
    } catch {
      errors++;
    }
    samples[p].push(performance.now() - t);
  }
  await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
}
process.stdout.write(`${JSON.stringify({ samples, errors })}\n`);
