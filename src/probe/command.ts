// `fedstack probe <name>`: the probes as Nagios plugins (exit 0/1/2/3, `STATUS: summary | perfdata`),
// bad arguments UNKNOWN, an unexpected error CRITICAL, the whole run under a time limit.
import { Command, InvalidArgumentError, Option } from 'commander';
import { describeError } from '../errors.js';
import { withDeadline } from '../with-deadline.js';
import { EXIT_CODES, pluginOutput, type ProbeResult } from './plugin-output.js';
import type { ProbeOptions } from './probe-context.js';
import {
  accountingProbe,
  infoProviderProbe,
  keystoneProbe,
  swiftProbe,
  vmProbe,
  type AccountingProbeOptions,
  type InfoProviderProbeOptions,
  type VmProbeOptions,
} from './probes.js';
import { imageListProbe, type ImageListProbeOptions } from './imagelist-probe.js';

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected seconds > 0, found ${JSON.stringify(value)}`);
  return n;
}

/**
 * Writes the result as a plugin does and exits with its code at once: a request still in flight
 * past the time limit must not keep the plugin running.
 */
function report(result: ProbeResult, verbose: boolean): Promise<never> {
  return new Promise(() =>
    process.stdout.write(pluginOutput(result, verbose), () => process.exit(EXIT_CODES[result.status])),
  );
}

/** Bad arguments are UNKNOWN (exit 3), as the plugin contract wants; help and version exit 0. */
function unknownOnBadArguments(cmd: Command): Command {
  return cmd
    .exitOverride((error) => {
      if (
        error.exitCode === 0 ||
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version'
      )
        process.exit(0);
      process.stdout.write(`UNKNOWN: ${error.message.replace(/^error: /, '')}\n`);
      process.exit(EXIT_CODES.UNKNOWN);
    })
    .configureOutput({ writeErr: () => undefined });
}

/** A probe command: bad arguments UNKNOWN, `-t` and `-v`. */
function plugin(cmd: Command): Command {
  return unknownOnBadArguments(cmd)
    .addOption(
      new Option('-t, --timeout <seconds>', 'time limit of each request')
        .argParser(positiveSeconds)
        .default(60),
    )
    .option('-v, --verbose', 'the steps, with their times, after the first line');
}

/** A probe of a site's OpenStack: its Keystone URL and an access token. */
function common(cmd: Command): Command {
  return plugin(cmd)
    .requiredOption('--endpoint <url>', "the site's Keystone URL (GOCDB's org.openstack.nova URL)")
    .option(
      '--access-token-file <file>',
      'file whose first line is an OIDC access token (default FEDSTACK_OIDC_ACCESS_TOKEN)',
    )
    .option(
      '--refresh-token-file <file>',
      'instead: a file whose first line is an OIDC refresh token (rewritten when the provider rotates it)',
    )
    .option(
      '--oidc-issuer <url>',
      'the OIDC provider of --refresh-token-file, e.g. https://aai.egi.eu/auth/realms/egi',
    )
    .option('--oidc-client-id <id>', 'the OIDC client of --refresh-token-file')
    .option('--oidc-client-secret-file <file>', 'its secret, when it has one (first line)')
    .option('--identity-provider <id>', "Keystone's identity provider", 'egi.eu')
    .option('--protocol <name>', 'federation protocol (default: openid, then oidc)')
    .option('--federation-endpoint <url>', 'Keystone URL of the OIDC front, when the login goes elsewhere');
}

/**
 * Runs a probe under its whole-run time limit: past it, or on any error the probe did not turn
 * into a result itself, the result is CRITICAL with the reason.
 */
export async function settleProbe(
  what: string,
  totalSeconds: number,
  probe: () => Promise<ProbeResult>,
): Promise<ProbeResult> {
  try {
    return await withDeadline(`the ${what} probe`, totalSeconds * 1000, () => probe());
  } catch (error) {
    return { status: 'CRITICAL', summary: `Unexpected error: ${describeError(error)}` };
  }
}

async function runProbe(
  what: string,
  totalSeconds: number,
  verbose: boolean,
  probe: () => Promise<ProbeResult>,
): Promise<void> {
  await report(await settleProbe(what, totalSeconds, probe), verbose);
}

/** `fedstack probe`. */
export function createProbeCommand(): Command {
  const probe = new Command('probe').description(
    'monitoring probes as Nagios plugins (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), with ARGO’s metric names',
  );
  probe.addCommand(
    common(new Command('keystone'))
      .description(
        'org.nagios.Keystone-TCP and an OIDC login: TCP to Keystone, federated login, a token scoped to the ops (or last) project',
      )
      .addHelpText(
        'after',
        '\nExample:\n  fedstack probe keystone --endpoint https://keystone.example.org:5000/v3 --access-token-file /etc/nagios/globus/oidc',
      )
      .action(async (o: ProbeOptions) =>
        runProbe('keystone', o.timeout * 3, o.verbose === true, () => keystoneProbe(o)),
      ),
  );
  probe.addCommand(
    common(new Command('swift'))
      .description(
        'eu.egi.cloud.OpenStack-Swift: the same login, then a container and an object created in the object store, read back and deleted',
      )
      .addHelpText(
        'after',
        '\nCRITICAL at the first step that fails (no object-store endpoint in the catalog, a refused PUT, a differing read).\n' +
          '\nExample:\n  fedstack probe swift --endpoint https://keystone.example.org:5000/v3 --access-token-file /etc/nagios/globus/oidc',
      )
      .action(async (o: ProbeOptions) =>
        runProbe('swift', o.timeout * 7, o.verbose === true, () => swiftProbe(o)),
      ),
  );
  probe.addCommand(
    common(new Command('vm'))
      .description(
        'eu.egi.cloud.OpenStack-VM: boot the monitoring image on the smallest fitting flavor, wait for ACTIVE, delete it, wait until gone',
      )
      .option('--image <id>', 'Glance id of the monitoring image')
      .option('--registry-image <ref>', 'the image whose APPLIANCE_ATTRIBUTES eu.egi.cloud.image_ref is this')
      .option('--appdb-image <id>', 'the image whose APPLIANCE_ATTRIBUTES ad:appid is this')
      .option('--flavor <name>', 'flavor (default: the smallest with a root disk of 8 GB or more)')
      .addOption(
        new Option('--vm-timeout <seconds>', 'time to become ACTIVE, and to go')
          .argParser(positiveSeconds)
          .default(300),
      )
      .option('--monitor-host <name>', 'this monitoring host, tagged on the servers (default the host name)')
      .addHelpText(
        'after',
        '\nServers of an earlier run of this monitoring host are deleted first and the run ends WARNING.\n' +
          '\nExample:\n  fedstack probe vm --endpoint https://keystone.example.org:5000/v3 --access-token-file /etc/nagios/globus/oidc \\\n' +
          '      --registry-image egi_ubuntu_22_04 -t 120 --vm-timeout 300',
      )
      .action(async (o: VmProbeOptions) =>
        runProbe('vm', o.timeout * 6 + o.vmTimeout * 3, o.verbose === true, () => vmProbe(o)),
      ),
  );
  probe.addCommand(
    plugin(new Command('infoprovider'))
      .description(
        'eu.egi.cloud.InfoProvider: the site of this Keystone URL is in the information system, not expired, with its VOs',
      )
      .requiredOption('--endpoint <url>', "the site's Keystone URL")
      .requiredOption(
        '--is-endpoint <url>',
        'the information system: the hub, or cloud-info-api (e.g. https://is.cloud.egi.eu)',
      )
      .addHelpText(
        'after',
        '\nUNKNOWN when the information system cannot be read, CRITICAL when the endpoint is not in it or expired,\n' +
          'WARNING when it publishes no VO.\n' +
          '\nExample:\n  fedstack probe infoprovider --endpoint https://keystone.example.org:5000/v3 --is-endpoint https://hub.example.org',
      )
      .action(async (o: InfoProviderProbeOptions & { verbose?: boolean }) =>
        runProbe('infoprovider', o.timeout * 2, o.verbose === true, () => infoProviderProbe(o)),
      ),
  );
  probe.addCommand(
    plugin(new Command('accounting'))
      .description(
        "eu.egi.cloud.APEL-Pub: the site's last accounting data at the hub is no older than -w/-c days",
      )
      .requiredOption('--hub <url>', 'the hub')
      .requiredOption('--site <name>', 'the site (GOCDB name)')
      .option('--token-file <file>', 'a hub token (reader, or the site’s publisher token)')
      .addOption(
        new Option('-w, --warning <days>', 'WARNING when older (0: only presence)')
          .argParser(Number)
          .default(7),
      )
      .addOption(
        new Option('-c, --critical <days>', 'CRITICAL when older (0: only presence)')
          .argParser(Number)
          .default(30),
      )
      .addHelpText(
        'after',
        '\nExample:\n  fedstack probe accounting --hub https://hub.example.org --site CESGA --token-file /etc/nagios/hub.token -w 7 -c 30',
      )
      .action(async (o: AccountingProbeOptions & { verbose?: boolean }) =>
        runProbe('accounting', o.timeout * 2, o.verbose === true, () => accountingProbe(o)),
      ),
  );
  probe.addCommand(
    plugin(new Command('imagelist'))
      .description(
        'eu.egi.cloud.AppDB-Update: a VO image list is fetched, its signature verified, and created no longer ago than -w/-c hours',
      )
      .requiredOption(
        '--url <url>',
        "the list, e.g. the hub's https://hub.example.org/store/vo/VO/image.list",
      )
      .option(
        '--ca-dir <dir>',
        'CA directory (hashed *.0, IGTF style) or bundle the signer must chain to; without it the signature is not checked',
      )
      .option('--token-file <file>', 'a token for lists that need one (sent as Authorization: Bearer)')
      .addOption(
        new Option('-w, --warning <hours>', 'WARNING when created longer ago (0: off)')
          .argParser(Number)
          .default(168),
      )
      .addOption(
        new Option('-c, --critical <hours>', 'CRITICAL when created longer ago (0: off)')
          .argParser(Number)
          .default(720),
      )
      .addHelpText(
        'after',
        '\nCRITICAL when the list cannot be fetched, its signature is refused, it is expired or too old; UNKNOWN for bad arguments.\n' +
          '\nExample:\n  fedstack probe imagelist --url https://hub.example.org/store/vo/vo.access.egi.eu/image.list \\\n' +
          '    --ca-dir /etc/grid-security/certificates --token-file /etc/nagios/hub.token -w 168 -c 720',
      )
      .action(async (o: ImageListProbeOptions & { verbose?: boolean }) =>
        runProbe('imagelist', o.timeout * 2, o.verbose === true, () => imageListProbe(o)),
      ),
  );
  return probe;
}
