// `fedstack site discovery`: GLUE 2.1 discovery of one site, or of a directory of sites (central mode).
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { positiveInteger } from '../../cli-args.js';
import { createLogger } from '../../log.js';
import { logLevelOption } from '../log-level-option.js';
import { DEFAULT_GOCDB_URL } from './gocdb-lookup.js';
import {
  runDiscoveryForDirectory,
  runSiteDiscovery,
  type DiscoveryOutcome,
  type DiscoveryRunOptions,
} from '../jobs/index.js';
import { renderDocument } from './render-document.js';
import type { FlavorSelection } from './snapshot-mapping.js';
import { writeAtomically } from '../write-atomically.js';
import { SITE_EXIT } from '../exit-status.js';

/** Exit codes of `fedstack site discovery` (see {@link SITE_EXIT}). */
export const DISCOVERY_EXIT = SITE_EXIT;

interface DiscoveryOptions {
  config?: string;
  configDir?: string;
  output?: string;
  format: 'json' | 'ldif';
  publish?: string;
  tokenFile?: string;
  tokenDir?: string;
  validity: number;
  siteTimeout: number;
  concurrency: number;
  selectFlavors: FlavorSelection;
  gocdb: boolean;
  gocdbUrl: string;
  gocdbId?: string;
  publishAms?: string;
  amsProject: string;
  amsTokenFile?: string;
  amsGzip: boolean;
  logLevel: string;
}

function readToken(file: string): string {
  const token = readFileSync(file, 'utf8').split('\n')[0]!.trim();
  if (!token) throw new Error(`the token file ${file} is empty`);
  return token;
}

function tokenSource(opts: DiscoveryOptions): (site: string) => string | undefined {
  if (opts.tokenFile) {
    const token = readToken(opts.tokenFile);
    return () => token;
  }
  const dir = opts.tokenDir!;
  return (site) => {
    try {
      return readToken(path.join(dir, `${site}.token`));
    } catch {
      return undefined;
    }
  };
}

function render(result: DiscoveryOutcome, format: 'json' | 'ldif'): string | undefined {
  return result.document ? renderDocument(result.document, format) : undefined;
}

/** The per-site line of the status output (everything but the document). */
function statusOf(result: DiscoveryOutcome, output?: string): Record<string, unknown> {
  const { document: _document, ...rest } = result;
  return { ...rest, output };
}

function exitCodeOf(results: readonly DiscoveryOutcome[], isSingle: boolean): number {
  if (isSingle && results[0]?.errorCode?.startsWith('CONFIG')) return DISCOVERY_EXIT.badConfig;
  const isBad = (r: DiscoveryOutcome) => r.status === 'failed' || r.status === 'critical' || r.publishError;
  return results.some(isBad) ? DISCOVERY_EXIT.failed : DISCOVERY_EXIT.ok;
}

async function runCommand(opts: DiscoveryOptions): Promise<void> {
  const problem =
    !opts.config === !opts.configDir
      ? 'give exactly one of --config or --config-dir'
      : opts.publish && !opts.tokenFile && !opts.tokenDir
        ? '--publish needs --token-file or --token-dir'
        : opts.gocdbId && opts.configDir
          ? '--gocdb-id applies to one site; use it with --config'
          : opts.publishAms && !opts.amsTokenFile
            ? '--publish-ams needs --ams-token-file'
            : undefined;
  if (problem) {
    process.stderr.write(`fedstack: site discovery: ${problem}\n`);
    process.exitCode = DISCOVERY_EXIT.badConfig;
    return;
  }
  const logger = createLogger({ level: opts.logLevel });
  let options: DiscoveryRunOptions = {
    logger,
    validitySeconds: opts.validity,
    siteTimeoutMs: opts.siteTimeout * 1000,
    concurrency: opts.concurrency,
    flavorSelection: opts.selectFlavors,
    gocdbUrl: opts.gocdb ? opts.gocdbUrl : false,
    gocdbId: opts.gocdbId,
    publish: opts.publish ? { url: opts.publish, tokenFor: tokenSource(opts) } : undefined,
    clock: Date.now,
  };
  if (opts.publishAms) {
    const target = {
      url: opts.publishAms,
      project: opts.amsProject,
      token: readToken(opts.amsTokenFile!),
      gzip: opts.amsGzip,
    };
    options = { ...options, ams: { target, format: opts.format } };
  }
  if (opts.config) {
    const result = await runSiteDiscovery(opts.config, options);
    const text = render(result, opts.format);
    if (opts.output && text !== undefined) await writeAtomically(opts.output, text);
    if (opts.output || text === undefined)
      process.stdout.write(
        JSON.stringify(statusOf(result, text === undefined ? undefined : opts.output)) + '\n',
      );
    else process.stdout.write(text);
    if (result.error) process.stderr.write(`fedstack: ${result.site}: ${result.error}\n`);
    process.exitCode = exitCodeOf([result], true);
    return;
  }
  if (opts.output) mkdirSync(opts.output, { recursive: true });
  const results = await runDiscoveryForDirectory(opts.configDir!, options);
  const sites = [];
  for (const result of results) {
    const text = render(result, opts.format);
    if (!opts.output || text === undefined) {
      sites.push(statusOf(result));
      continue;
    }
    const file = path.join(opts.output, `${result.site}.${opts.format}`);
    await writeAtomically(file, text);
    sites.push(statusOf(result, file));
  }
  process.stdout.write(JSON.stringify({ sites }, null, 2) + '\n');
  process.exitCode = exitCodeOf(results, false);
}

/**
 * The `discovery` command of `fedstack site`: collects what a site offers each of its VOs
 * (images, flavors incl. GPUs, quotas, VM counts, health per share) and writes a GLUE 2.1
 * document (JSON, or LDIF for BDII-era consumers), optionally publishing it to the hub.
 * @example fedstack site discovery --config site.yaml --publish https://hub.example.org --token-file hub.token
 */
export function createDiscoveryCommand(): Command {
  return new Command('discovery')
    .description('describe the site in GLUE 2.1 (what each VO can use) and write or publish it')
    .option('-c, --config <file>', 'site YAML (EGI catch-all format plus `credentials`)')
    .option('--config-dir <dir>', 'central mode: run every *.yaml site config of this directory')
    .option(
      '-o, --output <path>',
      'write the document to this file (central mode: a directory, one <site>.<format> per site)',
    )
    .addOption(new Option('--format <format>', 'document format').choices(['json', 'ldif']).default('json'))
    .option(
      '--publish <url>',
      'publish to this hub (base URL); a site where no share works sends a failed-run report instead',
    )
    .option(
      '--token-file <file>',
      'hub token for --publish (a publisher token of the site, or admin in central mode)',
    )
    .option('--token-dir <dir>', 'central mode: per-site hub tokens, read from <dir>/<site>.token')
    .option(
      '--publish-ams <url>',
      'also publish each document to AMS (base URL, e.g. https://msg.argo.grnet.gr) on the legacy topic ' +
        'SITE_<site>_ENDPOINT_<GOCDB service id>',
    )
    .option('--ams-project <name>', 'AMS project of --publish-ams', 'egi_cloud_info')
    .option('--ams-token-file <file>', 'file holding the AMS token (x-api-key) for --publish-ams')
    .option(
      '--no-ams-gzip',
      'send the document uncompressed (default: gzip, then base64, as the catch-all did)',
    )
    .option('--validity <seconds>', 'validity of the document', positiveInteger, 43_200)
    .option(
      '--site-timeout <seconds>',
      'time limit of one site; requests never outlive it',
      positiveInteger,
      600,
    )
    .option('--concurrency <n>', 'central mode: sites collected at the same time', positiveInteger, 4)
    .addOption(
      new Option('--select-flavors <which>', 'flavors to publish')
        .choices(['all', 'public', 'private'])
        .default('all'),
    )
    .option(
      '--gocdb-url <url>',
      'GOCDB programmatic interface to find the endpoint service id in',
      DEFAULT_GOCDB_URL,
    )
    .option(
      '--no-gocdb',
      'do not query GOCDB; with --publish the id is taken from the hub registry, else the document has no gocdb_id unless --gocdb-id is given',
    )
    .option('--gocdb-id <id>', 'the GOCDB service id of the endpoint, e.g. 7513G0 (skips the lookup)')
    .addOption(logLevelOption())
    .addHelpText(
      'after',
      '\nOutput: with --config and no --output, the document goes to stdout; otherwise stdout gets the per-site\n' +
        'status as JSON (status ok|warning|critical|unknown|failed, error, shares with their health, output file).\n' +
        'Exit status: 0 when every site produced a document with at least one working share (and was published\n' +
        'when asked), 1 otherwise (also when Keystone is unreachable or refuses the credentials), 2 when the\n' +
        'single site config is invalid or a secret it references (*_env, *_file) cannot be read.\n' +
        '\nExamples:\n' +
        '  fedstack site discovery --config site.yaml --output site.json\n' +
        '  fedstack site discovery --config site.yaml --format ldif --no-gocdb\n' +
        '  fedstack site discovery --config-dir sites/ --output out/ --publish https://hub.example.org --token-file admin.token',
    )
    .action(runCommand);
}
