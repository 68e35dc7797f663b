// `fedstack servers list|create|show|delete|stop|start|ssh`: the researcher's VMs at every site.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { positiveInteger } from '../cli-args.js';
import { ConfigError, FedstackError } from '../errors.js';
import {
  chooseSite as chooseFederationSite,
  deleteServerAndIps,
  launchServer,
  listServers,
  serverRowOf,
  sshAddressOf,
  type ServerRow,
  type SiteChoice,
  type SiteImage,
  type SiteVo,
} from '../federation/index.js';
import { voAccessOf } from '../formats/entitlements/index.js';
import type { FlavorResponse } from '../hub-client/index.js';
import {
  getImage,
  getServer,
  startServer,
  stopServer,
  type OpenStackSession,
  type Server,
} from '../openstack/index.js';
import type { TokenClaims } from './access-token.js';
import type { ClientConfig } from './client-config.js';
import { clientSites, infosysFlavors, infosysImages, siteNamer, type ClientSite } from './client-sites.js';
import { addCommon, configOf, print, tokenOf, type CommonOptions } from './command-common.js';
import { outputFormat, renderListing, type Listing } from './output.js';
import { siteCallerOf, siteSession, type SiteCallContext } from './site-calls.js';

/** The (site, VO) pairs a command works on: the given VO, else every VO of the token. */
async function siteVoPairs(
  config: ClientConfig,
  claims: TokenClaims,
  opts: { allSites?: boolean; refresh?: boolean },
): Promise<SiteVo[]> {
  const vos = config.vo
    ? [config.vo]
    : voAccessOf(claims.entitlements, { mappings: config.voMappings }).map((v) => v.vo);
  if (vos.length === 0)
    throw new FedstackError(
      'CLIENT_NO_SITE',
      'the token names no VO: give --vo, or vo: in the client config',
    );
  const sites = await clientSites(config, {
    ...(config.site && !opts.allSites ? { site: config.site } : {}),
    ...(vos.length === 1 ? { vo: vos[0] } : {}),
    refresh: opts.refresh,
  });
  return sites.flatMap((site) => vos.filter((vo) => site.projects[vo]).map((vo) => ({ site, vo })));
}

function serverListing(rows: readonly ServerRow[], extra?: Record<string, unknown>): Listing<ServerRow> {
  return {
    name: 'servers',
    items: rows,
    key: (r) => r.id,
    ...(extra ? { extra } : {}),
    columns: [
      { header: 'SITE', cell: (r) => r.site },
      { header: 'VO', cell: (r) => r.vo },
      { header: 'NAME', cell: (r) => r.name },
      { header: 'STATUS', cell: (r) => r.status },
      { header: 'FLAVOR', cell: (r) => r.flavor },
      { header: 'ADDRESSES', cell: (r) => r.addresses.join(', ') },
      { header: 'ID', cell: (r) => r.id },
    ],
  };
}

interface ServersOptions extends CommonOptions {
  allSites?: boolean;
}

function listCommand(): Command {
  return addCommon(new Command('list'))
    .description(
      'list the servers of your VOs at every site at once; a site that fails or does not answer in time costs one line',
    )
    .option('--vo <vo>', 'only this VO (default: the client config’s vo, else every VO of the token)')
    .option('--site <site>', 'only this site (default: the client config’s site, else all)')
    .option('--all-sites', 'every site, even when the client config names one')
    .option('--refresh', 'ask the information system again instead of the copy on disk')
    .addHelpText(
      'after',
      '\nExit status: 0 when every site answered, 1 when one did not (its servers are missing; stderr and\n' +
        'the JSON "errors" say which and why). Keystone tokens are kept 0600 under ~/.cache/fedstack and\n' +
        'reused until five minutes before they expire.\n' +
        '\nExamples:\n  fedstack servers list --all-sites --vo vo.access.egi.eu\n' +
        '  fedstack servers list --output json | jq ".servers[] | {site, name, status}"',
    )
    .action(async (opts: ServersOptions) => {
      const config = configOf(opts);
      const { accessToken, claims } = await tokenOf(opts, config);
      const pairs = await siteVoPairs(config, claims, opts);
      const { rows, errors, sites } = await listServers(siteCallerOf({ config, accessToken, claims }), pairs);
      print(renderListing(serverListing(rows, { errors, sites }), outputFormat(opts.output)));
      for (const e of errors) process.stderr.write(`fedstack: ${e.error}\n`);
      process.exitCode = errors.length > 0 ? 1 : 0;
    });
}

// ---- create

interface CreateOptions extends CommonOptions {
  image: string;
  flavor?: string;
  minCpu?: number;
  minRam?: number;
  gpu?: boolean;
  name?: string;
  keyFile?: string;
  userData?: string;
  network: string;
  floatingIp?: boolean;
  wait?: boolean;
}

/** The VO, checked to be one the token may launch VMs in, before anything is created. */
function launchVoOf(config: ClientConfig, claims: TokenClaims): string {
  if (!config.vo)
    throw new ConfigError('give the VO to launch in (or vo: in the client config)', { path: '--vo' });
  const access = voAccessOf(claims.entitlements, { mappings: config.voMappings }).find(
    (v) => v.vo === config.vo,
  );
  if (!access?.canLaunch)
    throw new FedstackError(
      'CLIENT_VO_NOT_ALLOWED',
      `VO ${config.vo}: the token ${access ? 'is a member but ' : 'is not in the VO and '}lacks its cloud entitlement ` +
        `${access?.cloudEntitlement ?? `(${config.vo}:role=vm_operator)`}, so it may not launch VMs; nothing was created. ` +
        '`fedstack vos` shows what each VO allows',
    );
  return config.vo;
}

/** The images and flavors the VO has, by site, from the information system. */
async function offersOf(
  config: ClientConfig,
  vo: string,
  sites: readonly ClientSite[],
  refresh: boolean | undefined,
): Promise<{ images: SiteImage[]; flavors: FlavorResponse[] }> {
  const what = 'choosing a site';
  const [images, flavors] = await Promise.all([
    infosysImages(config, vo, { what, refresh }),
    infosysFlavors(config, { vo }, { what, refresh }),
  ]);
  const siteOf = siteNamer(sites);
  return {
    images: images.flatMap((i) => {
      const site = siteOf(i.endpoint);
      return site ? [{ ...i, site }] : [];
    }),
    flavors,
  };
}

/** The site to launch at, with why: `--site S`, or the best candidate of matchmaking. */
async function chooseSite(ctx: SiteCallContext, vo: string, opts: CreateOptions): Promise<SiteChoice> {
  const { config } = ctx;
  const fixed = config.site && config.site !== 'auto' ? config.site : undefined;
  const sites = await clientSites(config, { vo, ...(fixed ? { site: fixed } : {}), refresh: opts.refresh });
  return chooseFederationSite(siteCallerOf(ctx), vo, sites, await offersOf(config, vo, sites, opts.refresh), {
    image: opts.image,
    ...(opts.flavor ? { flavor: opts.flavor } : {}),
    ...(opts.minCpu ? { minCpu: opts.minCpu } : {}),
    ...(opts.minRam ? { minRamMb: opts.minRam * 1024 } : {}),
    ...(opts.gpu ? { gpu: true } : {}),
  });
}

function readPublicKey(file: string): string {
  const resolved = file.startsWith('~/') ? path.join(homedir(), file.slice(2)) : file;
  let key: string;
  try {
    key = readFileSync(resolved, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`cannot read the public key (${(error as NodeJS.ErrnoException).code})`, {
      file: resolved,
    });
  }
  if (!/^(ssh-|ecdsa-|sk-)/.test(key))
    throw new ConfigError(
      'expected an OpenSSH public key (ssh-ed25519 …, ssh-rsa …); is this the private key?',
      {
        file: resolved,
      },
    );
  return key;
}

function createCommand(): Command {
  return addCommon(new Command('create'))
    .description(
      'launch a VM: at a given site, or (--site auto) where the VO has the image and a fitting flavor',
    )
    .option(
      '--vo <vo>',
      'the VO (default: the client config’s vo); the token must hold its cloud entitlement',
    )
    .requiredOption('--image <image>', 'image name, ~regex, Glance id, or marketplace URL (ad:mpuri)')
    .option('--flavor <name>', 'flavor name; without it the smallest with --min-cpu, --min-ram and --gpu')
    .option('--min-cpu <n>', 'at least this many virtual CPUs', positiveInteger)
    .option('--min-ram <GiB>', 'at least this much RAM, in GiB', positiveInteger)
    .option('--gpu', 'a flavor with a GPU')
    .option('--site <site>', 'the site, or auto: ranked by free quota (read live), then flavor size', 'auto')
    .option('--name <name>', 'server name (default fedstack-<date>-<random>)')
    .option('--key-file <file>', 'OpenSSH public key to log in with, e.g. ~/.ssh/id_ed25519.pub')
    .option('--user-data <file>', 'cloud-init user data')
    .option('--network <network>', 'auto, none, or a network name or id', 'auto')
    .option('--floating-ip', 'put a public IP on it (implies --wait; released again by servers delete)')
    .option('--wait', 'wait until it is ACTIVE')
    .option('--refresh', 'ask the information system again instead of the copy on disk')
    .addHelpText(
      'after',
      '\nWith --site auto the command prints the site it chose and why (the others and why not).\n' +
        '\nExamples:\n' +
        '  fedstack servers create --vo vo.access.egi.eu --image "Ubuntu 22.04" --min-cpu 2 --min-ram 4 \\\n' +
        '      --key-file ~/.ssh/id_ed25519.pub --floating-ip\n' +
        '  fedstack servers create --vo vo.access.egi.eu --site CESGA --image ~ubuntu --flavor m1.small --wait',
    )
    .action(async (opts: CreateOptions) => {
      const config = configOf(opts);
      const { accessToken, claims } = await tokenOf(opts, config);
      const vo = launchVoOf(config, claims);
      const ctx: SiteCallContext = { config, accessToken, claims };
      const { site, candidate, why } = await chooseSite(ctx, vo, opts);
      process.stderr.write(`fedstack: chose ${why}\n`);
      const userData = opts.userData
        ? (() => {
            try {
              return readFileSync(opts.userData);
            } catch (error) {
              throw new ConfigError(`cannot read the user data (${(error as NodeJS.ErrnoException).code})`, {
                file: opts.userData,
              });
            }
          })()
        : undefined;
      const publicKey = opts.keyFile ? readPublicKey(opts.keyFile) : undefined;
      const { server, floatingIp } = await launchServer(siteSession(ctx, site, vo), {
        candidate,
        network: opts.network,
        ...(opts.name ? { name: opts.name } : {}),
        ...(publicKey ? { publicKey } : {}),
        ...(userData ? { userData } : {}),
        ...(opts.wait ? { wait: true } : {}),
        ...(opts.floatingIp ? { floatingIp: true } : {}),
      });
      if (floatingIp) process.stderr.write(`fedstack: floating IP ${floatingIp}\n`);
      print(renderListing(serverListing([serverRowOf(site.name, vo, server)]), outputFormat(opts.output)));
    });
}

// ---- one server: show, delete, stop, start, ssh

interface OneServerOptions extends ServersOptions {
  run?: boolean;
  user?: string;
}

/** Finds the server `ref` (id or name) at the given site, or at every site of the VOs. */
async function locate(
  ref: string,
  opts: OneServerOptions,
): Promise<{ ctx: SiteCallContext; site: ClientSite; vo: string; server: ServerRow }> {
  const config = configOf(opts);
  const { accessToken, claims } = await tokenOf(opts, config);
  const ctx: SiteCallContext = { config, accessToken, claims };
  const pairs = await siteVoPairs(config, claims, { allSites: !opts.site, refresh: opts.refresh });
  const { rows, errors } = await listServers(siteCallerOf(ctx), pairs);
  const hits = rows.filter((r) => r.id === ref || r.name === ref);
  if (hits.length === 0)
    throw new FedstackError(
      'CLIENT_NO_SITE',
      `no server ${ref} at ${pairs.map((p) => p.site.name).join(', ')}` +
        (errors.length > 0 ? ` (not asked: ${errors.map((e) => e.error).join('; ')})` : ''),
    );
  if (hits.length > 1)
    throw new FedstackError(
      'CLIENT_NO_SITE',
      `${hits.length} servers are named ${ref} (${hits.map((h) => `${h.site} ${h.id}`).join(', ')}); give the id`,
    );
  const hit = hits[0]!;
  const pair = pairs.find((p) => p.site.name === hit.site && p.vo === hit.vo)!;
  return { ctx, site: pair.site, vo: pair.vo, server: hit };
}

function oneServerCommand(
  name: string,
  description: string,
  example: string,
  act: (found: Awaited<ReturnType<typeof locate>>, opts: OneServerOptions) => Promise<void>,
): Command {
  return addCommon(new Command(name))
    .description(description)
    .argument('<server>', 'server id or name')
    .option('--vo <vo>', 'the VO (default: the client config’s vo, else every VO of the token)')
    .option('--site <site>', 'the site (default: every site is searched)')
    .option('--refresh', 'ask the information system again instead of the copy on disk')
    .addHelpText('after', `\nExample:\n  ${example}`)
    .action(async (ref: string, opts: OneServerOptions) => act(await locate(ref, opts), opts));
}

/** The login user of a server's image: its `os_admin_user` property, else by the OS. */
async function loginUserOf(session: OpenStackSession, server: Server): Promise<string> {
  if (!server.imageId) return 'root';
  try {
    const image = await getImage(session, server.imageId);
    const props = image.properties as Record<string, unknown>;
    if (typeof props.os_admin_user === 'string') return props.os_admin_user;
    const os = String(props.os_distro ?? image.name).toLowerCase();
    for (const known of ['ubuntu', 'debian', 'centos', 'fedora', 'rocky', 'almalinux', 'cirros'])
      if (os.includes(known)) return known;
  } catch {
    // the image may be gone: fall through
  }
  return 'root';
}

function serverActions(): Command[] {
  const show = oneServerCommand(
    'show',
    'show one server (found at whichever site has it)',
    'fedstack servers show my-vm --output json',
    async ({ ctx, site, vo, server }, opts) => {
      const full = await getServer(siteSession(ctx, site, vo), server.id);
      print(
        outputFormat(opts.output) === 'table'
          ? renderListing(serverListing([serverRowOf(site.name, vo, full)]), 'table')
          : renderListing(
              { ...serverListing([serverRowOf(site.name, vo, full)]), extra: { server: full } },
              outputFormat(opts.output),
            ),
      );
    },
  );
  const del = oneServerCommand(
    'delete',
    'delete a server, and release the floating IPs servers create gave it',
    'fedstack servers delete my-vm --vo vo.access.egi.eu',
    async ({ ctx, site, vo, server }) => {
      const { released, errors } = await deleteServerAndIps(siteSession(ctx, site, vo), server.id);
      for (const e of errors) process.stderr.write(`fedstack: ${site.name}: ${e}\n`);
      print(
        `deleted ${server.name} (${server.id}) at ${site.name}${released ? `; released ${released} floating IP(s)` : ''}\n`,
      );
    },
  );
  const stop = oneServerCommand(
    'stop',
    'stop a server',
    'fedstack servers stop my-vm',
    async ({ ctx, site, vo, server }) => {
      await stopServer(siteSession(ctx, site, vo), server.id);
      print(`stopping ${server.name} at ${site.name}\n`);
    },
  );
  const start = oneServerCommand(
    'start',
    'start a stopped server',
    'fedstack servers start my-vm',
    async ({ ctx, site, vo, server }) => {
      await startServer(siteSession(ctx, site, vo), server.id);
      print(`starting ${server.name} at ${site.name}\n`);
    },
  );
  const ssh = oneServerCommand(
    'ssh',
    'print the ssh command for a server (its floating or first address, the image’s login user), or run it with --run',
    'fedstack servers ssh my-vm --run',
    async ({ ctx, site, vo, server }, opts) => {
      const session = siteSession(ctx, site, vo);
      const full = await getServer(session, server.id);
      const address = sshAddressOf(full);
      if (!address)
        throw new FedstackError(
          'CLIENT_NO_SITE',
          `${server.name} at ${site.name} has no address (servers create --floating-ip gives one)`,
        );
      const user = opts.user ?? (await loginUserOf(session, full));
      const target = `${user}@${address}`;
      if (!opts.run) return print(`ssh ${target}\n`);
      await new Promise<void>((resolve) => {
        const child = spawn('ssh', [target], { stdio: 'inherit' });
        child.on('exit', (code) => {
          process.exitCode = code ?? 1;
          resolve();
        });
        child.on('error', (error) => {
          process.stderr.write(`fedstack: cannot run ssh: ${error.message}\n`);
          process.exitCode = 1;
          resolve();
        });
      });
    },
  );
  ssh
    .option('--run', 'run ssh instead of printing the command')
    .addOption(new Option('--user <user>', 'log in as this user'));
  return [show, del, stop, start, ssh];
}

/** `fedstack servers …`. */
export function serversCommand(): Command {
  const servers = new Command('servers').description(
    'your VMs at every site: list, create, show, delete, stop, start, ssh',
  );
  servers.addCommand(listCommand());
  servers.addCommand(createCommand());
  for (const c of serverActions()) servers.addCommand(c);
  return servers;
}
