// Runs one check of one endpoint: an external Nagios plugin (spawned, no shell) or one of our probes in-process.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import {
  accountingProbe,
  infoProviderProbe,
  keystoneProbe,
  perfdataOf,
  swiftProbe,
  settleProbe,
  tcpProbe,
  imageListProbe,
  vmProbe,
  type ProbeResult,
} from '../../probe/index.js';
import type { CheckStatus } from './check-state.js';
import type { MetricSpec } from './monitor-config.js';

/** What a check is run against. */
export interface CheckTarget {
  readonly site: string;
  readonly hostname: string;
  /** The endpoint's registry extensions, as `{ext.KEY}` placeholders (GOCDB extension properties). */
  readonly extensions?: Readonly<Record<string, string>>;
  /** The endpoint URL (for nova: Keystone's), or `https://<hostname>` when it has none. */
  readonly url: string;
}

/** One check's outcome, as stored. */
export interface CheckOutcome {
  readonly status: CheckStatus;
  readonly summary: string;
  /** The plugin's performance data, as it wrote it. */
  readonly perfdata: string;
  readonly durationMs: number;
}

/** Where Debian's monitoring-plugins packages put their plugins. */
const PLUGIN_DIRS = ['/usr/lib/nagios/plugins', '/usr/lib/monitoring-plugins'];
const STATUS_BY_EXIT: readonly CheckStatus[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];
/** A plugin's output beyond this is cut (Nagios keeps 8 KiB of it too). */
const MAX_OUTPUT_BYTES = 8192;

function placeholders(target: CheckTarget, spec: MetricSpec): Record<string, string> {
  const u = new URL(target.url);
  return {
    host: u.hostname,
    port: u.port || (u.protocol === 'http:' ? '80' : '443'),
    url: target.url,
    hostname: target.hostname,
    site: target.site,
    timeout: String(Math.ceil(spec.timeout)),
    ...Object.fromEntries(Object.entries(target.extensions ?? {}).map(([k, v]) => [`ext.${k}`, v])),
  };
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{([A-Za-z0-9_.:-]+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** Splits a command line into words, with '…' and "…" quoting (no shell is involved). */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  for (const m of command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

function resolvePlugin(name: string): string {
  if (name.includes('/')) return name;
  for (const dir of PLUGIN_DIRS) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next directory
    }
  }
  return name; // left to PATH
}

/** Reads a plugin's first line: `STATUS: summary | perfdata` (the status word is kept in the summary). */
export function parsePluginOutput(text: string): { summary: string; perfdata: string } {
  const first = text.split('\n')[0]!.trim();
  const bar = first.indexOf('|');
  return bar < 0
    ? { summary: first, perfdata: '' }
    : { summary: first.slice(0, bar).trim(), perfdata: first.slice(bar + 1).trim() };
}

/**
 * Runs an external plugin. Its exit code is its status; an exit code outside 0–3, no output, a
 * plugin that cannot be started, or one still running at the time limit (killed) is UNKNOWN with
 * the reason.
 */
export function runExternal(command: string, target: CheckTarget, spec: MetricSpec): Promise<CheckOutcome> {
  // split first: a filled-in value with spaces stays one argument
  const values = placeholders(target, spec);
  const words = splitCommand(command).map((w) => fill(w, values));
  const started = Date.now();
  const done = (status: CheckStatus, summary: string, perfdata = ''): CheckOutcome => ({
    status,
    summary,
    perfdata,
    durationMs: Date.now() - started,
  });
  return new Promise((resolve) => {
    let out = '';
    let settled = false;
    const finish = (outcome: CheckOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const child = spawn(resolvePlugin(words[0]!), words.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(done('UNKNOWN', `UNKNOWN: ${words[0]} did not finish within ${spec.timeout} s (killed)`));
    }, spec.timeout * 1000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (out.length < MAX_OUTPUT_BYTES) out += chunk.toString('utf8');
    });
    child.once('error', (error) =>
      finish(done('UNKNOWN', `UNKNOWN: cannot run ${words[0]}: ${error.message}`)),
    );
    child.once('close', (code) => {
      const { summary, perfdata } = parsePluginOutput(out);
      if (!summary)
        return finish(done('UNKNOWN', `UNKNOWN: ${words[0]} printed nothing (exit code ${code})`));
      const status = code !== null && code >= 0 && code <= 3 ? STATUS_BY_EXIT[code]! : undefined;
      if (!status)
        return finish(done('UNKNOWN', `UNKNOWN: ${words[0]} exited with code ${code}: ${summary}`));
      finish(done(status, summary, perfdata));
    });
  });
}

/** The in-process probe `spec.check` against `target`, its string arguments filled in. */
async function runProbe(target: CheckTarget, spec: MetricSpec, hubUrl: string): Promise<ProbeResult> {
  const values = placeholders(target, spec);
  const args = Object.fromEntries(
    Object.entries(spec.args).map(([k, v]) => [k, typeof v === 'string' ? fill(v, values) : v]),
  ) as Record<string, string | number | boolean>;
  const common = {
    endpoint: target.url,
    identityProvider: 'egi.eu',
    ...args,
    timeout: spec.timeout,
  };
  switch (spec.check) {
    case 'tcp':
      return settleProbe('tcp', spec.timeout, () => tcpProbe({ url: target.url, timeout: spec.timeout }));
    case 'keystone':
      return settleProbe('keystone', spec.timeout, () => keystoneProbe(common));
    case 'swift':
      return settleProbe('swift', spec.timeout, () => swiftProbe(common));
    case 'vm':
      return settleProbe('vm', spec.timeout, () =>
        vmProbe({ vmTimeout: spec.timeout, monitorHost: 'fedstack-hub', ...common }),
      );
    case 'infoprovider':
      return settleProbe('infoprovider', spec.timeout, () =>
        infoProviderProbe({ isEndpoint: hubUrl, ...common, endpoint: target.url }),
      );
    case 'accounting':
      return settleProbe('accounting', spec.timeout, () =>
        accountingProbe({
          hub: hubUrl,
          site: target.site,
          warning: 7,
          critical: 30,
          ...args,
          timeout: spec.timeout,
        }),
      );
    case 'imagelist':
      return settleProbe('imagelist', spec.timeout, () =>
        imageListProbe({ url: target.url, warning: 168, critical: 720, ...args, timeout: spec.timeout }),
      );
    default:
      return { status: 'UNKNOWN', summary: 'no check configured' };
  }
}

/** Runs `spec`'s check against `target`; never rejects. */
export async function runCheck(target: CheckTarget, spec: MetricSpec, hubUrl: string): Promise<CheckOutcome> {
  if (spec.command !== undefined) return runExternal(spec.command, target, spec);
  const started = Date.now();
  const result = await runProbe(target, spec, hubUrl);
  return {
    status: result.status,
    summary: `${result.status}: ${result.summary}`,
    perfdata: perfdataOf(result.perfdata ?? {}),
    durationMs: Date.now() - started,
  };
}
