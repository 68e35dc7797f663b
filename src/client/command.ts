// The researcher's commands, mounted at the top of `fedstack`: token, vos, sites, images,
// flavors, servers, env, config.
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { positiveInteger } from '../cli-args.js';
import { FedstackError } from '../errors.js';
import { voAccessOf, type VoAccess } from '../formats/entitlements/index.js';
import type { FlavorResponse } from '../hub-client/index.js';
import { claimsOf, type TokenClaims } from './access-token.js';
import { accessTokenOf, addCommon, configOf, print, tokenOf, type CommonOptions } from './command-common.js';
import { clientSites, infosysFlavors, infosysImages, siteNamer, type ClientSite } from './client-sites.js';
import { gib } from '../federation/index.js';
import { outputFormat, renderListing, type Listing } from './output.js';
import { siteSession } from './site-calls.js';
import { envScript, keystoneTokenVariables, SHELLS, type Shell } from './env-script.js';
import { openstackCommand } from './openstack-command.js';
import { serversCommand } from './servers-command.js';
import { loginCommand, logoutCommand } from './login-command.js';

function minutesLeft(claims: TokenClaims): string {
  if (claims.expiresAtMs === undefined) return 'no expiry';
  const s = Math.round((claims.expiresAtMs - Date.now()) / 1000);
  if (s <= 0) return `expired ${Math.round(-s / 60)} min ago`;
  return s < 120 ? `${s} s left` : `${Math.round(s / 60)} min left`;
}

// ---- token, vos

function tokenCommand(): Command {
  const token = new Command('token').description(
    'the OIDC access token: what it says, whether it is still good',
  );
  token.addCommand(
    addCommon(new Command('show'), { output: false })
      .description(
        'print the issuer, subject, expiry and entitlements of the access token (never the token, unless --raw)',
      )
      .option('--raw', 'print the token itself, only')
      .option('--json', 'print the claims as JSON')
      .addHelpText(
        'after',
        '\nExamples:\n  fedstack token show --oidc-agent egi\n  FEDSTACK_OIDC_ACCESS_TOKEN=$(oidc-token egi) fedstack token show --json',
      )
      .action(async (opts: CommonOptions & { raw?: boolean; json?: boolean }) => {
        // an expired token is shown too (tokenOf would refuse it)
        const accessToken = await accessTokenOf(opts);
        const claims = claimsOf(accessToken.token);
        if (opts.raw) return print(`${accessToken.token}\n`);
        const shown = {
          source: accessToken.source,
          issuer: claims.issuer,
          subject: claims.subject,
          expires: claims.expiresAtMs === undefined ? undefined : new Date(claims.expiresAtMs).toISOString(),
          left: minutesLeft(claims),
          entitlements: claims.entitlements,
        };
        if (opts.json) return print(JSON.stringify(shown, null, 2) + '\n');
        print(
          [
            `source        ${shown.source}`,
            `issuer        ${shown.issuer ?? '-'}`,
            `subject       ${shown.subject ?? '-'}`,
            `expires       ${shown.expires ?? '-'} (${shown.left})`,
            `entitlements  ${claims.entitlements.length === 0 ? '(none in the token)' : claims.entitlements.join('\n              ')}`,
          ].join('\n') + '\n',
        );
      }),
  );
  token.addCommand(
    addCommon(new Command('check'), { output: false })
      .description('exit 0 when the access token is good for at least --min-seconds more, else 1')
      .option('--min-seconds <n>', 'time the token must still be good for', positiveInteger, 60)
      .addHelpText('after', '\nExample:\n  fedstack token check --min-seconds 600 || oidc-add egi')
      .action(async (opts: CommonOptions & { minSeconds: number }) => {
        const accessToken = await accessTokenOf(opts);
        const claims = claimsOf(accessToken.token);
        const isGood =
          claims.expiresAtMs === undefined || claims.expiresAtMs - Date.now() >= opts.minSeconds * 1000;
        print(`${isGood ? 'ok' : 'NOT OK'}: ${minutesLeft(claims)} (${claims.issuer ?? 'no issuer'})\n`);
        process.exitCode = isGood ? 0 : 1;
      }),
  );
  return token;
}

function vosCommand(): Command {
  return addCommon(new Command('vos'))
    .description("the VOs of the token's entitlements, and which of them may launch VMs (vm_operator)")
    .addHelpText(
      'after',
      '\nA VO whose CLOUD column says no lets you in as a member but not launch VMs: its cloud entitlement\n' +
        '(ENTITLEMENT NEEDED) is missing from the token. VO mappings of the client config override the rule.\n' +
        '\nExample:\n  fedstack vos --oidc-agent egi',
    )
    .action(async (opts: CommonOptions) => {
      const config = configOf(opts);
      const { claims } = await tokenOf(opts, config);
      const vos = voAccessOf(claims.entitlements, { mappings: config.voMappings });
      const listing: Listing<VoAccess> = {
        name: 'vos',
        items: vos,
        key: (v) => v.vo,
        columns: [
          { header: 'VO', cell: (v) => v.vo },
          { header: 'CLOUD', cell: (v) => (v.canLaunch ? 'yes' : 'no') },
          { header: 'ROLES', cell: (v) => v.roles.join(', ') },
          { header: 'ENTITLEMENT NEEDED', cell: (v) => (v.canLaunch ? '' : v.cloudEntitlement) },
        ],
      };
      print(renderListing(listing, outputFormat(opts.output)));
    });
}

// ---- information system: sites, images, flavors

function sitesCommand(): Command {
  return addCommon(new Command('sites'))
    .description('the sites of the information system (and of the client config), with their state and VOs')
    .option('--vo <vo>', 'only sites where this VO has a project')
    .option('--refresh', 'ask the information system again instead of the copy on disk')
    .addHelpText(
      'after',
      '\nExamples:\n  fedstack sites --vo vo.access.egi.eu\n  fedstack sites --output json | jq -r ".sites[].name"',
    )
    .action(async (opts: CommonOptions) => {
      const config = configOf({ ...opts, vo: undefined });
      const sites = await clientSites(config, { ...(opts.vo ? { vo: opts.vo } : {}), refresh: opts.refresh });
      const listing: Listing<ClientSite> = {
        name: 'sites',
        items: sites,
        key: (s) => s.name,
        columns: [
          { header: 'SITE', cell: (s) => s.name },
          { header: 'STATE', cell: (s) => s.state },
          opts.vo
            ? { header: 'PROJECT', cell: (s) => s.projects[opts.vo!] ?? '' }
            : { header: 'VOS', cell: (s) => Object.keys(s.projects).sort().join(', ') },
          { header: 'ENDPOINT', cell: (s) => s.endpoint },
        ],
      };
      print(renderListing(listing, outputFormat(opts.output)));
    });
}

/** `~regex` is a regular expression, anything else a case-insensitive substring. */
function matcher(pattern: string | undefined, what: string): (text: string) => boolean {
  if (!pattern) return () => true;
  if (pattern.startsWith('~')) {
    let re: RegExp;
    try {
      re = new RegExp(pattern.slice(1), 'i');
    } catch (error) {
      throw new FedstackError('CONFIG_INVALID', `${what}: ${(error as Error).message}`);
    }
    return (text) => re.test(text);
  }
  const needle = pattern.toLowerCase();
  return (text) => text.toLowerCase().includes(needle);
}

interface ImagesOptions extends CommonOptions {
  os?: string;
  name?: string;
}

function imagesCommand(): Command {
  return addCommon(new Command('images'))
    .description('the images each VO has at each site, from the information system')
    .option('--vo <vo>', 'only images this VO may use (default: the client config’s vo)')
    .option('--site <site>', 'only images at this site')
    .option('--os <name>', 'only images whose name names this OS, e.g. ubuntu')
    .option('--name <pattern>', 'only images whose name contains this, or matches ~REGEX')
    .option('--refresh', 'ask the information system again instead of the copy on disk')
    .addHelpText(
      'after',
      '\nExamples:\n  fedstack images --vo vo.access.egi.eu --os ubuntu\n  fedstack images --vo vo.access.egi.eu --name "~22\\.04" --output first',
    )
    .action(async (opts: ImagesOptions) => {
      const config = configOf(opts);
      const images = await infosysImages(config, config.vo, { what: 'images', refresh: opts.refresh });
      const siteOf = siteNamer(await clientSites(config, { refresh: opts.refresh }));
      const byName = matcher(opts.name, '--name');
      const byOs = matcher(opts.os, '--os');
      const rows = images
        .map((i) => ({ ...i, site: siteOf(i.endpoint) ?? i.endpoint }))
        .filter((i) => (!opts.site || i.site === opts.site) && byName(i.name) && byOs(i.name))
        .sort((a, b) => a.site.localeCompare(b.site) || a.name.localeCompare(b.name));
      print(
        renderListing(
          {
            name: 'images',
            items: rows,
            key: (i) => i.id,
            columns: [
              { header: 'SITE', cell: (i) => i.site },
              { header: 'NAME', cell: (i) => i.name },
              { header: 'VO', cell: (i) => i.vo },
              { header: 'ID', cell: (i) => i.id },
              { header: 'MARKETPLACE', cell: (i) => i.mpuri },
            ],
          },
          outputFormat(opts.output),
        ),
      );
    });
}

interface FlavorsOptions extends CommonOptions {
  gpu?: boolean;
  minCpu?: number;
  minRam?: number;
  gpuModel?: string;
}

function flavorsCommand(): Command {
  return addCommon(new Command('flavors'))
    .description('the flavors each VO may use at each site, from the information system')
    .option('--vo <vo>', 'only flavors of this VO (default: the client config’s vo)')
    .option('--site <site>', 'only flavors at this site')
    .option('--gpu', 'only flavors with a GPU')
    .option('--gpu-model <pattern>', 'only GPUs whose model contains this, or matches ~REGEX')
    .option('--min-cpu <n>', 'at least this many virtual CPUs', positiveInteger)
    .option('--min-ram <GiB>', 'at least this much RAM, in GiB', positiveInteger)
    .option('--refresh', 'ask the information system again instead of the copy on disk')
    .addHelpText(
      'after',
      '\nExamples:\n  fedstack flavors --vo vo.access.egi.eu --gpu\n  fedstack flavors --min-cpu 4 --min-ram 8 --output first',
    )
    .action(async (opts: FlavorsOptions) => {
      const config = configOf(opts);
      const query = {
        ...(config.vo ? { vo: config.vo } : {}),
        ...(opts.site ? { site: opts.site } : {}),
        ...(opts.minCpu ? { min_cpu: opts.minCpu } : {}),
        ...(opts.minRam ? { min_ram: opts.minRam * 1024 } : {}),
        ...(opts.gpu || opts.gpuModel ? { min_gpus: 1 } : {}),
      };
      const flavors = await infosysFlavors(config, query, { what: 'flavors', refresh: opts.refresh });
      const byModel = matcher(opts.gpuModel, '--gpu-model');
      const rows = flavors
        .filter((f) => !opts.gpuModel || byModel(f.accelerator?.model ?? ''))
        .sort((a, b) => a.cpu - b.cpu || a.ram_mb - b.ram_mb || a.site.localeCompare(b.site));
      const gpuOf = (f: FlavorResponse) =>
        f.accelerator
          ? `${f.accelerator.number}× ${[f.accelerator.vendor, f.accelerator.model].filter(Boolean).join(' ') || f.accelerator.type}`
          : '';
      print(
        renderListing(
          {
            name: 'flavors',
            items: rows,
            key: (f) => f.name,
            columns: [
              { header: 'SITE', cell: (f) => f.site },
              { header: 'NAME', cell: (f) => f.name },
              { header: 'CPU', cell: (f) => String(f.cpu) },
              { header: 'RAM GiB', cell: (f) => String(gib(f.ram_mb)) },
              { header: 'DISK GB', cell: (f) => String(f.disk_gb) },
              { header: 'GPU', cell: gpuOf },
              { header: 'VOS', cell: (f) => f.vos.join(', ') },
            ],
          },
          outputFormat(opts.output),
        ),
      );
    });
}

// ---- env, config

interface EnvOptions extends CommonOptions {
  shell: Shell;
  oidc?: boolean;
}

function envCommand(): Command {
  return addCommon(new Command('env'), { output: false })
    .description('print the OS_* variables for the openstack CLI and Terraform at one site and VO')
    .requiredOption('--site <site>', 'the site')
    .option('--vo <vo>', 'the VO (default: the client config’s vo)')
    .addOption(new Option('--shell <shell>', 'syntax of the output').choices(SHELLS).default('sh'))
    .option('--oidc', 'the v3oidcaccesstoken plugin with the access token, instead of a Keystone token')
    .addHelpText(
      'after',
      '\nThe output holds a token (that is its purpose): evaluate it, do not paste it anywhere. It also unsets\n' +
        'the OS_* variables of other logins (OS_USERNAME, OS_PASSWORD, …) that would conflict.\n' +
        '\nExamples:\n  eval "$(fedstack env --site CESGA --vo vo.access.egi.eu)" && openstack server list\n' +
        '  fedstack env --site CESGA --vo vo.access.egi.eu --shell fish | source',
    )
    .action(async (opts: EnvOptions) => {
      const config = configOf(opts);
      if (!config.vo)
        throw new FedstackError('CONFIG_INVALID', '--vo: give the VO (or vo: in the client config)');
      const { accessToken, claims } = await tokenOf(opts, config);
      const [site] = await clientSites(config, { site: opts.site, vo: config.vo });
      const projectId = site!.projects[config.vo]!;
      if (opts.oidc) {
        print(
          envScript(opts.shell, {
            OS_AUTH_TYPE: 'v3oidcaccesstoken',
            OS_AUTH_URL: site!.federationEndpoint ?? site!.endpoint,
            OS_IDENTITY_PROVIDER: site!.identityProvider,
            OS_PROTOCOL: site!.protocol ?? 'openid',
            OS_ACCESS_TOKEN: accessToken.token,
            OS_PROJECT_ID: projectId,
            OS_IDENTITY_API_VERSION: '3',
          }),
        );
        return;
      }
      const session = siteSession({ config, accessToken, claims }, site!, config.vo);
      const token = await session.token(AbortSignal.timeout(config.timeoutMs));
      print(envScript(opts.shell, keystoneTokenVariables(site!.endpoint, projectId, token.token)));
    });
}

function configCommand(): Command {
  const config = new Command('config').description('the client config');
  config.addCommand(
    addCommon(new Command('show'), { output: false })
      .description('print the client config as read: file, then FEDSTACK_* variables, then options')
      .option('--vo <vo>', 'as --vo would give it')
      .option('--site <site>', 'as --site would give it')
      .addHelpText('after', '\nExample:\n  FEDSTACK_VO=vo.access.egi.eu fedstack config show')
      .action((opts: CommonOptions) => {
        const c = configOf(opts);
        print(
          stringify({
            file: c.file ?? '(none: defaults)',
            hub: c.hub ?? null,
            issuer: c.issuer,
            client_id: c.clientId ?? null,
            vo: c.vo ?? null,
            site: c.site ?? null,
            timeout_seconds: c.timeoutMs / 1000,
            concurrency: c.concurrency,
            cache_ttl_seconds: c.cacheTtlMs / 1000,
            identity_provider: c.identityProvider,
            cache_dir: c.cacheDir,
            sites: c.sites,
            vo_mappings: c.voMappings,
          }),
        );
      }),
  );
  return config;
}

/** The researcher's commands, each a top-level `fedstack` command. */
export function createClientCommands(): Command[] {
  return [
    loginCommand(),
    logoutCommand(),
    tokenCommand(),
    vosCommand(),
    sitesCommand(),
    imagesCommand(),
    flavorsCommand(),
    serversCommand(),
    envCommand(),
    openstackCommand(),
    configCommand(),
  ];
}
