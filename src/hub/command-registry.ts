// `fedstack hub registry import|sites`: load GOCDB exports or catch-all site files into the registry, list it.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { positiveInteger } from '../cli-args.js';
import { ConfigError } from '../errors.js';
import { parseGocdbXml, seedFromSiteYaml, type GocdbDocument } from '../formats/gocdb/index.js';
import { httpRequest } from '../http/index.js';
import type { StoreOptions } from './command-options.js';
import { DATABASE_HELP, storeLocation } from './command-options.js';
import { Registry, type ImportReport } from './registry/index.js';
import { migrateToLatest } from './store/hub-migrator.js';
import { HubStore } from './store/hub-store.js';

/** GOCDB methods an import reads from a PI URL, paged where GOCDB pages. */
const IMPORT_METHODS: readonly { method: string; isPaged: boolean }[] = [
  { method: 'get_site', isPaged: false },
  { method: 'get_service_endpoint', isPaged: true },
  { method: 'get_downtime', isPaged: true },
];

async function fetchText(url: URL, timeoutMs: number): Promise<string> {
  const res = await httpRequest(
    { method: 'GET', url, deadlineAtMs: Date.now() + timeoutMs },
    { timeoutMs, logName: 'gocdb' },
  );
  return res.text();
}

/** Every page of one method at a GOCDB PI URL, following the `meta` next links (at most 1000 pages). */
async function fetchMethod(
  base: string,
  method: string,
  isPaged: boolean,
  timeoutMs: number,
  windowStart: string,
): Promise<GocdbDocument[]> {
  const url = new URL(base);
  url.searchParams.set('method', method);
  if (method === 'get_downtime') url.searchParams.set('windowstart', windowStart);
  if (isPaged) url.searchParams.set('next_cursor', '0');
  const pages: GocdbDocument[] = [];
  for (let n = 0; n < 1000; n++) {
    const doc = parseGocdbXml(
      await fetchText(url, timeoutMs),
      `${url.origin}${url.pathname}?method=${method}`,
    );
    pages.push(doc);
    if (!doc.nextPage) break;
    const next = new URL(doc.nextPage, url);
    if (next.href === url.href) break;
    url.href = next.href;
  }
  return pages;
}

function merge(docs: readonly GocdbDocument[]): GocdbDocument {
  return {
    sites: docs.flatMap((d) => d.sites),
    endpoints: docs.flatMap((d) => d.endpoints),
    downtimes: docs.flatMap((d) => d.downtimes),
    serviceTypes: docs.flatMap((d) => d.serviceTypes),
  };
}

/** Reads `--gocdb` sources: an http(s) PI URL (every method an import needs) or an XML file. */
export async function readGocdbSource(
  source: string,
  timeoutMs: number,
  nowMs = Date.now(),
): Promise<GocdbDocument> {
  if (/^https?:\/\//.test(source)) {
    const windowStart = new Date(nowMs - 90 * 86_400_000).toISOString().slice(0, 10);
    const docs = [];
    for (const m of IMPORT_METHODS)
      docs.push(...(await fetchMethod(source, m.method, m.isPaged, timeoutMs, windowStart)));
    return merge(docs);
  }
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${source}: ${(error as Error).message}`, { path: '--gocdb' });
  }
  return parseGocdbXml(text, source);
}

/** Reads every `*.yaml` of a catch-all site directory. */
export function readSiteDirectory(dir: string): GocdbDocument {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch (error) {
    throw new ConfigError(`cannot list ${dir}: ${(error as Error).message}`, { path: '--site-dir' });
  }
  return merge(
    files.map((f) => seedFromSiteYaml(readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f))),
  );
}

function printReport(what: string, r: ImportReport): void {
  process.stdout.write(
    `${what}: ${r.sites} site(s), ${r.endpoints} endpoint(s), ${r.downtimes} downtime(s)\n`,
  );
  for (const s of r.skipped) process.stdout.write(`  skipped ${s}\n`);
}

interface ImportOptions {
  readonly gocdb: string[];
  readonly siteDir: string[];
  readonly timeout: number;
}

/** The `registry` command group. */
export function createRegistryCommand(): Command {
  const registry = new Command('registry').description(
    'the registry of sites, service endpoints and downtimes (served at /v1/registry and as GOCDB at /gocdbpi/public/)',
  );
  registry
    .command('import')
    .description(
      'load sites, endpoints and downtimes from GOCDB (a PI URL or an XML export) or from catch-all site YAML files; ' +
        'importing the same data again changes nothing',
    )
    .option(
      '--gocdb <url-or-file>',
      'GOCDB PI base URL (e.g. https://goc.egi.eu/gocdbpi/public/) or a saved XML answer; repeatable',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option(
      '--site-dir <dir>',
      'a directory of catch-all site YAML files (gocdb, endpoint): seeds each site and its nova endpoint; repeatable',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--timeout <seconds>', 'time limit of each GOCDB request', positiveInteger, 60)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  fedstack hub registry import --gocdb https://goc.egi.eu/gocdbpi/public/\n' +
        '  fedstack hub registry import --gocdb sites.xml --gocdb endpoints.xml --gocdb downtimes.xml\n' +
        '  fedstack hub registry import --site-dir fedcloud-catchall-operations/sites\n' +
        '\nEndpoints of service types the registry does not know, and records of sites that are neither\n' +
        'registered nor in the import, are skipped and listed.' +
        DATABASE_HELP,
    )
    .action(async (opts: ImportOptions, command: Command) => {
      if (opts.gocdb.length === 0 && opts.siteDir.length === 0) {
        process.stderr.write('fedstack: hub registry import: give --gocdb or --site-dir\n');
        process.exitCode = 2;
        return;
      }
      // read everything first: a bad source changes nothing
      const sources: [string, GocdbDocument][] = [];
      for (const dir of opts.siteDir) sources.push([dir, readSiteDirectory(dir)]);
      for (const g of opts.gocdb) sources.push([g, await readGocdbSource(g, opts.timeout * 1000)]);
      const store = HubStore.open(storeLocation(command.optsWithGlobals<StoreOptions>()));
      try {
        await migrateToLatest(store);
        const reg = new Registry(store);
        for (const [name, doc] of sources) printReport(name, await reg.importDocument(doc));
      } finally {
        await store.close();
      }
    });
  registry
    .command('sites')
    .description('list the registered sites with their endpoints')
    .option('--json', 'one JSON object per site')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const store = HubStore.open(storeLocation(command.optsWithGlobals<StoreOptions>()));
      try {
        await migrateToLatest(store);
        const reg = new Registry(store);
        for (const site of await reg.sites()) {
          const endpoints = await reg.endpoints({ siteName: site.shortName });
          if (opts.json) {
            process.stdout.write(JSON.stringify({ ...site, endpoints }) + '\n');
            continue;
          }
          process.stdout.write(
            `${site.shortName} (${site.primaryKey}) ${site.certificationStatus} ${site.productionStatus}\n`,
          );
          for (const e of endpoints)
            process.stdout.write(`  ${e.primaryKey} ${e.serviceType} ${e.url ?? e.hostname}\n`);
        }
      } finally {
        await store.close();
      }
    })
    .addHelpText('after', DATABASE_HELP);
  return registry;
}
