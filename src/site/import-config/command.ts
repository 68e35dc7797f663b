// `fedstack site import-config`: reads the FedCloud appliance's config files and writes one site YAML.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { stringify } from 'yaml';
import { ConfigError } from '../../errors.js';
import { SITE_EXIT } from '../exit-status.js';
import { loadSiteConfig } from '../site-config.js';
import { writeAtomically } from '../write-atomically.js';
import {
  importUpstreamConfigs,
  SECRETS_DIR,
  type ImportResult,
  type UpstreamConfigs,
  type UpstreamFile,
} from './upstream-config.js';

interface ImportOptions {
  output: string;
  fromEtc?: string;
  caso?: string;
  voms?: string;
  cloudInfo?: string;
  openstackRc?: string;
  atropeSources?: string;
  atropeConf?: string;
  voMap?: string;
  cloudkeeper?: string;
  ssm?: string;
  secrets: boolean;
  force?: boolean;
  json?: boolean;
}

/** Where the appliance keeps each file, below /etc (or --from-etc). */
const DEFAULT_PATHS: Readonly<Record<keyof UpstreamConfigs | 'voMap', string>> = {
  caso: 'caso/caso.conf',
  voMapping: 'caso/voms.json',
  cloudInfo: 'cloud-info-provider/openstack.yaml',
  openstackRc: 'cloud-info-provider/openstack.rc',
  atropeSources: 'atrope/sources.yaml',
  atropeConf: 'atrope/atrope.conf',
  voMap: 'atrope/vo_map.yaml',
  cloudkeeper: 'cloudkeeper/cloudkeeper.yml',
  ssmSender: 'apel/sender.cfg',
};

function read(file: string): UpstreamFile {
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (error) {
    throw new ConfigError(`cannot read it: ${(error as Error).message}`, { file }, { cause: error });
  }
}

/** The files to read: each given option, else (with --from-etc) the default path when it exists. */
function inputsOf(opts: ImportOptions): { inputs: UpstreamConfigs; voMap?: UpstreamFile } {
  const given: Record<keyof typeof DEFAULT_PATHS, string | undefined> = {
    caso: opts.caso,
    voMapping: opts.voms,
    cloudInfo: opts.cloudInfo,
    openstackRc: opts.openstackRc,
    atropeSources: opts.atropeSources,
    atropeConf: opts.atropeConf,
    voMap: opts.voMap,
    cloudkeeper: opts.cloudkeeper,
    ssmSender: opts.ssm,
  };
  const files: Partial<Record<keyof typeof DEFAULT_PATHS, UpstreamFile>> = {};
  for (const [key, file] of Object.entries(given) as [keyof typeof DEFAULT_PATHS, string | undefined][]) {
    const fallback = opts.fromEtc ? path.join(opts.fromEtc, DEFAULT_PATHS[key]) : undefined;
    if (file) files[key] = read(file);
    else if (fallback && existsSync(fallback)) files[key] = read(fallback);
  }
  const { voMap, ...inputs } = files;
  return { inputs, ...(voMap ? { voMap } : {}) };
}

function summary(result: ImportResult, output: string, secretsWritten: boolean): string {
  const site = result.site as { vos: unknown[]; accounting?: object; images?: { sources?: unknown[] } };
  const lines = [
    `wrote ${output}: site ${String(result.site.gocdb)}, ${site.vos.length} VO(s)` +
      (site.accounting ? ', accounting' : '') +
      (site.images ? `, image sync with ${site.images.sources?.length ?? 0} source(s)` : ''),
  ];
  if (result.secrets.length > 0)
    lines.push(
      secretsWritten
        ? `${result.secrets.length} secret(s) written to ${path.join(path.dirname(output), SECRETS_DIR)} (mode 0600): ` +
            result.secrets.map((s) => `${s.name} (from ${s.from})`).join(', ')
        : `${result.secrets.length} secret(s) not written (--no-secrets); create them (mode 0600): ` +
            result.secrets.map((s) => `${SECRETS_DIR}/${s.name} (from ${s.from})`).join(', '),
    );
  if (result.unmapped.length === 0) lines.push('every option was carried over');
  else {
    lines.push(`${result.unmapped.length} option(s) not carried over:`);
    for (const u of result.unmapped) lines.push(`  ${u.file} ${u.option}: ${u.reason}`);
  }
  return lines.join('\n') + '\n';
}

async function runImport(opts: ImportOptions): Promise<void> {
  const output = path.resolve(opts.output);
  if (existsSync(output) && !opts.force)
    throw new ConfigError('exists; give --force to replace it', { file: output });
  const { inputs, voMap } = inputsOf(opts);
  if (Object.keys(inputs).length === 0)
    throw new ConfigError(
      'no upstream file given or found: name them (--caso, --cloud-info, …) or give --from-etc /etc',
      { file: opts.fromEtc ?? '(none)' },
    );
  const result = importUpstreamConfigs(inputs, voMap ? { atropeVoMap: voMap } : {});
  const header =
    '# Fedstack site config, imported from: ' +
    Object.values(inputs)
      .map((f) => f.file)
      .join(', ') +
    '\n# Check the options listed as not carried over, then: fedstack site check --config <this file>\n';
  mkdirSync(path.dirname(output), { recursive: true });
  if (opts.secrets && result.secrets.length > 0) {
    const dir = path.join(path.dirname(output), SECRETS_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const s of result.secrets) await writeAtomically(path.join(dir, s.name), `${s.value}\n`, 0o600);
  }
  await writeAtomically(output, header + stringify(result.site));
  let problem: string | undefined;
  try {
    loadSiteConfig(output);
  } catch (error) {
    problem = (error as Error).message;
  }
  if (opts.json)
    process.stdout.write(
      JSON.stringify(
        {
          output,
          valid: problem === undefined,
          ...(problem ? { problem } : {}),
          secrets: result.secrets.map((s) => ({ name: s.name, from: s.from })),
          unmapped: result.unmapped,
        },
        null,
        2,
      ) + '\n',
    );
  else process.stdout.write(summary(result, output, opts.secrets));
  if (problem) {
    process.stderr.write(`fedstack: the written file does not load yet: ${problem}\n`);
    process.exitCode = SITE_EXIT.badConfig;
  }
}

/** The `import-config` command of `fedstack site`. */
export function createImportConfigCommand(): Command {
  return new Command('import-config')
    .description(
      "migrate from the FedCloud appliance: read cASO's, cloud-info-provider's, atrope's, cloudkeeper's and SSM's " +
        'config files and write one site YAML, listing every option it could not carry over and why',
    )
    .requiredOption('-o, --output <file>', 'the site YAML to write, e.g. --output /etc/fedstack/site.yaml')
    .option(
      '--from-etc <dir>',
      'read every known file that exists below this directory (caso/caso.conf, caso/voms.json, cloud-info-provider/' +
        'openstack.yaml and openstack.rc, atrope/sources.yaml, atrope.conf and vo_map.yaml, cloudkeeper/' +
        'cloudkeeper.yml, apel/sender.cfg), e.g. --from-etc /etc',
    )
    .option('--caso <file>', "cASO's config, e.g. --caso /etc/caso/caso.conf")
    .option(
      '--voms <file>',
      "cASO's VO mapping (or cloudkeeper-os's mapping.json), e.g. --voms /etc/caso/voms.json",
    )
    .option(
      '--cloud-info <file>',
      "cloud-info-provider's site YAML, e.g. --cloud-info /etc/cloud-info-provider/openstack.yaml",
    )
    .option(
      '--openstack-rc <file>',
      "cloud-info-provider's credentials, e.g. --openstack-rc /etc/cloud-info-provider/openstack.rc",
    )
    .option(
      '--atrope-sources <file>',
      "atrope's image sources, e.g. --atrope-sources /etc/atrope/sources.yaml",
    )
    .option('--atrope-conf <file>', "atrope's config, e.g. --atrope-conf /etc/atrope/atrope.conf")
    .option('--vo-map <file>', "atrope's VO → project map, e.g. --vo-map /etc/atrope/vo_map.yaml")
    .option(
      '--cloudkeeper <file>',
      "cloudkeeper's config, e.g. --cloudkeeper /etc/cloudkeeper/cloudkeeper.yml",
    )
    .option('--ssm <file>', "SSM's sender config, e.g. --ssm /etc/apel/sender.cfg")
    .option(
      '--no-secrets',
      `do not write the passwords and tokens found to ${SECRETS_DIR}/ beside the output (mode 0600); the YAML refers to them there either way`,
    )
    .option('--force', 'replace the output file when it exists')
    .option('--json', 'print what was written and every option not carried over as JSON')
    .addHelpText(
      'after',
      '\nSecrets are never written into the YAML: each password or token found is stored in its own file\n' +
        `under ${SECRETS_DIR}/ beside the output, and the YAML refers to it (*_file); they are never printed.\n` +
        'Exit status: 0 when the YAML was written and loads; 2 when an input cannot be read or parsed (naming the\n' +
        'file and line), the output exists without --force, or the written YAML does not load yet.\n' +
        '\nExamples:\n' +
        '  fedstack site import-config --from-etc /etc --output /etc/fedstack/site.yaml\n' +
        '  fedstack site import-config --caso caso.conf --voms voms.json --ssm sender.cfg --output site.yaml',
    )
    .action(runImport);
}
