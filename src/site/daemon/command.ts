// `fedstack site run` (the daemon) and `fedstack site status` (what it did, from its state directory).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { hasOneConfigSource, positiveInteger } from '../../cli-args.js';
import { ConfigError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { logLevelOption } from '../log-level-option.js';
import { renderTable } from '../../text-table.js';
import { SITE_EXIT } from '../exit-status.js';
import { startDaemon } from './daemon.js';
import { DEFAULT_QUEUE_SCHEMA } from './job-queue.js';

/** Where the daemon keeps its status files unless told. */
export const DEFAULT_STATE_DIR = '/var/lib/fedstack/site';

function parseListen(value: string): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ConfigError(
      `--listen: expected HOST:PORT such as 127.0.0.1:9180, found ${JSON.stringify(value)}`,
      {
        file: '(command line)',
      },
    );
  return { host: match[1]!, port };
}

interface RunOptions {
  config?: string;
  configDir?: string;
  stateDir: string;
  listen: string;
  concurrency: number;
  queue?: string;
  queueSchema: string;
  stopTimeout: number;
  logLevel: string;
}

async function run(opts: RunOptions): Promise<void> {
  if (!hasOneConfigSource(opts, 'site run')) return;
  const logger = createLogger({ level: opts.logLevel });
  if (opts.queue !== undefined && !/^postgres(ql)?:\/\//.test(opts.queue))
    throw new ConfigError('expected a postgres:// or postgresql:// URL', { path: '--queue' });
  const daemon = await startDaemon({
    ...(opts.config ? { config: opts.config } : { configDir: opts.configDir! }),
    stateDir: opts.stateDir,
    ...(opts.listen === 'off' ? {} : { listen: parseListen(opts.listen) }),
    concurrency: opts.concurrency,
    ...(opts.queue ? { queue: { url: opts.queue, schema: opts.queueSchema } } : {}),
    logger,
  });
  logger.info({ url: daemon.url, stateDir: opts.stateDir }, 'fedstack site run started');
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal, graceSeconds: opts.stopTimeout }, 'stopping: running jobs may finish');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      daemon.stop(opts.stopTimeout * 1000).then(resolve, resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  logger.info('fedstack site run stopped');
}

interface StatusOptions {
  stateDir: string;
  json?: boolean;
}

interface JobStatusFile {
  site: string;
  job: string;
  schedule?: string;
  ok?: boolean;
  lastRunAt?: string;
  lastSuccessAt?: string;
  nextRunAt?: string;
  summary?: string;
}

/** Every job status file of the state directory. */
function readStatuses(stateDir: string): JobStatusFile[] {
  if (!existsSync(stateDir)) throw new ConfigError('does not exist (give --state-dir)', { file: stateDir });
  const out: JobStatusFile[] = [];
  for (const site of readdirSync(stateDir).sort()) {
    const dir = path.join(stateDir, site);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names)
      if (/^(accounting|discovery|images)\.json$/.test(name))
        try {
          out.push(JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as JobStatusFile);
        } catch {
          out.push({
            site: decodeURIComponent(site),
            job: name.replace(/\.json$/, ''),
            summary: 'status file unreadable',
          });
        }
  }
  return out;
}

function status(opts: StatusOptions): void {
  const statuses = readStatuses(opts.stateDir);
  if (opts.json) process.stdout.write(JSON.stringify({ jobs: statuses }, null, 2) + '\n');
  else if (statuses.length === 0)
    process.stdout.write(`no job has run yet (state directory ${opts.stateDir})\n`);
  else {
    const rows = statuses.map((s) => [
      s.site,
      s.job,
      s.ok === undefined ? '-' : s.ok ? 'ok' : 'FAILED',
      s.lastRunAt ?? '-',
      s.lastSuccessAt ?? 'never',
      s.summary ?? '',
    ]);
    process.stdout.write(renderTable(['SITE', 'JOB', 'LAST', 'LAST RUN', 'LAST SUCCESS', 'SUMMARY'], rows));
  }
  process.exitCode = statuses.some((s) => s.ok === false) ? SITE_EXIT.failed : SITE_EXIT.ok;
}

/** The `run` command of `fedstack site`. */
export function createRunCommand(): Command {
  return new Command('run')
    .description(
      'keep a site (or many) in step: accounting (extract, then send), discovery and image sync on the ' +
        'schedules of the site YAML, with health, Prometheus metrics and a status file per job',
    )
    .option('-c, --config <file>', 'one site YAML, e.g. --config /etc/fedstack/site.yaml')
    .option(
      '--config-dir <dir>',
      'central mode: every site YAML of this directory; new, changed and removed files take effect without a ' +
        'restart (an invalid new version is reported and the last good one keeps running), e.g. --config-dir /etc/fedstack/sites',
    )
    .option(
      '--state-dir <dir>',
      'status files and discovery documents, one directory per site',
      DEFAULT_STATE_DIR,
    )
    .option(
      '--listen <host:port>',
      'serve /healthz, /readyz, /metrics (Prometheus) and /status (JSON) here; off: no server',
      '127.0.0.1:9180',
    )
    .option('--concurrency <n>', 'jobs of all sites running at the same time', positiveInteger, 4)
    .addOption(
      new Option(
        '--queue <postgres-url>',
        'share the sites with the other daemons of this config dir through a job queue (pg-boss) on this ' +
          "PostgreSQL, e.g. the hub's: each run is done by one daemon, and a daemon that dies hands its " +
          'jobs to the others',
      ).env('FEDSTACK_SITE_QUEUE_URL'),
    )
    .option('--queue-schema <name>', 'the PostgreSQL schema of the queue', DEFAULT_QUEUE_SCHEMA)
    .option(
      '--stop-timeout <seconds>',
      'on SIGTERM or SIGINT, how long running jobs may go on before they stop at their next safe point',
      positiveInteger,
      60,
    )
    .addOption(logLevelOption().default('info'))
    .addHelpText(
      'after',
      '\nSchedules come from each site YAML (schedules: accounting 1h, discovery 1h, images 8h, jitter 5m by\n' +
        'default; an interval such as 30m or a cron expression such as "10 * * * *", UTC). A job whose last\n' +
        'success (from its status file) is older than its period runs at start. A job never overlaps itself; a\n' +
        'run past its time limit (schedules.timeouts: accounting 30m, discovery 10m, images 6h) is stopped and\n' +
        'reported. With --queue, a run cut by the death of its daemon is given up after its time limit and the\n' +
        'next window runs at another daemon.\n' +
        "Discovery is published to the hub of the YAML's hub: { url, token_file } when it has one.\n" +
        '\nExamples:\n' +
        '  fedstack site run --config /etc/fedstack/site.yaml\n' +
        '  fedstack site run --config-dir /etc/fedstack/sites --state-dir /var/lib/fedstack --concurrency 8\n' +
        '  fedstack site run --config-dir /etc/fedstack/sites --queue postgres://fedstack@hub-db/fedstack  # on each machine\n' +
        '  curl -s 127.0.0.1:9180/metrics | grep fedstack_site_job_last_success',
    )
    .action(run);
}

/** The `status` command of `fedstack site`. */
export function createStatusCommand(): Command {
  return new Command('status')
    .description(
      "print the last run, last success and summary of every job, from the daemon's state directory",
    )
    .option('--state-dir <dir>', 'the state directory of fedstack site run', DEFAULT_STATE_DIR)
    .option('--json', 'print the status files as JSON')
    .addHelpText(
      'after',
      '\nExit status: 0 when the last run of every job was ok; 1 when one failed.\n' +
        '\nExample:\n  fedstack site status --state-dir /var/lib/fedstack/site',
    )
    .action(status);
}
