// `fedstack openstack -- <args>`: the real python-openstackclient at one site or all of them, each
// with a ready Keystone token and without the OS_* variables of other logins; JSON answers of
// several sites merged into one, each row marked with its site.
import { execFile } from 'node:child_process';
import { Command } from 'commander';
import { FedstackError, describeError } from '../errors.js';
import { mapWithConcurrency } from '../map-with-concurrency.js';
import { clientSites, type ClientSite } from './client-sites.js';
import { addCommon, configOf, print, tokenOf, type CommonOptions } from './command-common.js';
import { keystoneTokenVariables, openstackEnvironment } from './env-script.js';
import { siteSession, type SiteCallContext } from './site-calls.js';

interface OpenstackOptions extends CommonOptions {
  allSites?: boolean;
}

/** openstack processes at once: each takes a second or two of CPU to start. */
const PROCESSES = 4;
/** Time limit of one openstack process, ms (its Python start alone takes a second or more). */
const PROCESS_TIMEOUT_MS = 120_000;

function runOpenstack(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'openstack',
      [...args],
      { env, timeout: PROCESS_TIMEOUT_MS, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const why =
          (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'the openstack command is not installed (Debian package python3-openstackclient)'
            : stderr.trim().split('\n').slice(-3).join(' ') || describeError(error);
        reject(new FedstackError('OPENSTACK_HTTP', why, { cause: error }));
      },
    );
  });
}

const isJsonOutput = (args: readonly string[]) =>
  args.some(
    (a, i) =>
      a === '-fjson' || a === '--format=json' || ((a === '-f' || a === '--format') && args[i + 1] === 'json'),
  );

/** The JSON answers of several sites as one: rows of lists get a `Site` key, objects are keyed by site. */
export function mergeJsonAnswers(answers: readonly { site: string; json: unknown }[]): unknown {
  if (answers.every((a) => Array.isArray(a.json)))
    return answers.flatMap((a) =>
      (a.json as unknown[]).map((row) =>
        row && typeof row === 'object' ? { Site: a.site, ...row } : { Site: a.site, value: row },
      ),
    );
  return Object.fromEntries(answers.map((a) => [a.site, a.json]));
}

/** `fedstack openstack`. */
export function openstackCommand(): Command {
  return addCommon(new Command('openstack'), { output: false })
    .description(
      'run the openstack CLI at a site (or at every site of the VO) with a ready Keystone token; JSON answers of several sites are merged',
    )
    .option('--vo <vo>', 'the VO (default: the client config’s vo)')
    .option('--site <site>', 'the site (default: the client config’s site)')
    .option('--all-sites', 'every site where the VO has a project')
    .argument('<args...>', 'the openstack arguments, after --')
    .addHelpText(
      'after',
      '\nThe OS_* variables of other logins (OS_USERNAME, OS_PASSWORD, OS_CLOUD, …) are removed from the\n' +
        'environment of each openstack process. With -f json and several sites, the answers are merged: a\n' +
        'list gets a "Site" column, an object is keyed by site. Exit status 1 when a site failed (stderr says which).\n' +
        '\nExamples:\n  fedstack openstack --site CESGA --vo vo.access.egi.eu -- server list\n' +
        '  fedstack openstack --all-sites --vo vo.access.egi.eu -- flavor list -f json',
    )
    .action(async (args: string[], opts: OpenstackOptions) => {
      const config = configOf(opts);
      if (!config.vo)
        throw new FedstackError('CONFIG_INVALID', '--vo: give the VO (or vo: in the client config)');
      if (!opts.allSites && !config.site)
        throw new FedstackError('CONFIG_INVALID', '--site: give the site, or --all-sites');
      const { accessToken, claims } = await tokenOf(opts, config);
      const ctx: SiteCallContext = { config, accessToken, claims };
      const vo = config.vo;
      const sites = await clientSites(config, { vo, ...(opts.allSites ? {} : { site: config.site }) });
      const results = await mapWithConcurrency(sites, PROCESSES, async (site: ClientSite) => {
        const token = await siteSession(ctx, site, vo).token(AbortSignal.timeout(config.timeoutMs));
        const env = openstackEnvironment(
          process.env,
          keystoneTokenVariables(site.endpoint, site.projects[vo]!, token.token),
        );
        return runOpenstack(args, env);
      });
      const failures = results.flatMap((r, i) =>
        r.status === 'rejected' ? [`${sites[i]!.name}: ${describeError(r.reason)}`] : [],
      );
      const answers = results.flatMap((r, i) =>
        r.status === 'fulfilled' ? [{ site: sites[i]!.name, ...r.value }] : [],
      );
      if (sites.length === 1 && answers.length === 1) print(answers[0]!.stdout);
      else if (isJsonOutput(args)) {
        const parsed = answers.map((a) => {
          try {
            return { site: a.site, json: JSON.parse(a.stdout) as unknown };
          } catch {
            failures.push(`${a.site}: openstack printed no JSON`);
            return undefined;
          }
        });
        print(JSON.stringify(mergeJsonAnswers(parsed.filter((p) => p !== undefined)), null, 2) + '\n');
      } else for (const a of answers) print(`== ${a.site} ==\n${a.stdout}`);
      for (const a of answers) if (a.stderr.trim()) process.stderr.write(a.stderr);
      for (const f of failures) process.stderr.write(`fedstack: ${f}\n`);
      process.exitCode = failures.length > 0 ? 1 : 0;
    });
}
