// `fedstack hub`: runs the federation hub (AMS messaging, accounting) and manages its database and tokens.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { positiveInteger } from '../cli-args.js';
import { ConfigError } from '../errors.js';
import { createLogger } from '../log.js';
import type { Logger } from '../log.js';
import { buildHub } from './app.js';
import type { HubImageOptions, HubTlsOptions } from './app.js';
import { loadCaCertificates } from '../http/index.js';
import { SIGNATURE_MODES, type SignatureMode } from './accounting/signature-gate.js';
import type { IngestSource } from './accounting/ingest-consumer.js';
import { DEFAULT_INGEST_SOURCES } from './accounting/ingest-consumer.js';
import { Summariser } from './accounting/summariser.js';
import { createDbCommand } from './command-db.js';
import { createRegistryCommand } from './command-registry.js';
import type { StoreOptions } from './command-options.js';
import {
  ADMIN_TOKEN_ENV,
  DEFAULT_LISTEN,
  parseListen,
  readAdminToken,
  storeLocation,
  storeOptions,
} from './command-options.js';
import { createTokenCommand } from './command-token.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './messaging/messaging-service.js';
import { Monitor, loadMonitorConfig } from './monitor/index.js';
import { DEFAULT_PORTAL, loadPortalConfig, type PortalAccess, type PortalOptions } from './portal/index.js';
import { Registry } from './registry/index.js';
import { migrateToLatest } from './store/hub-migrator.js';
import { HubStore, describeLocation } from './store/hub-store.js';

interface ServeOptions extends StoreOptions {
  listen: string;
  adminTokenFile?: string;
  migrate: boolean;
  ingest: boolean;
  ingestTopic?: IngestSource[];
  maxMessageBytes: number;
  logLevel: string;
  imageListCert?: string;
  imageListKey?: string;
  imageListEmail?: string;
  imageListExpiryDays: number;
  publicUrl?: string;
  monitor: boolean;
  monitorConfig?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  accountingSignatures: SignatureMode;
  accountingCa?: string;
  portalConfig?: string;
  portalAccess?: PortalAccess;
}

/** Reads a PEM file of the image list options; the error names the option and file, never the content. */
function readPem(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      'cannot read the file',
      { file, path: option, code: 'CONFIG_SECRET_MISSING' },
      { cause: error },
    );
  }
}

/** The image catalogue's options from the command line. */
function imageOptions(opts: ServeOptions, listen: { host: string; port: number }): HubImageOptions {
  if ((opts.imageListCert === undefined) !== (opts.imageListKey === undefined)) {
    throw new ConfigError('give both --image-list-cert and --image-list-key, or neither', {
      path: opts.imageListCert === undefined ? '--image-list-cert' : '--image-list-key',
    });
  }
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    ...(opts.imageListCert !== undefined && opts.imageListKey !== undefined
      ? {
          signing: {
            certificatePem: readPem(opts.imageListCert, '--image-list-cert'),
            privateKeyPem: readPem(opts.imageListKey, '--image-list-key'),
          },
        }
      : {}),
    ...(opts.imageListEmail !== undefined ? { endorser: { email: opts.imageListEmail } } : {}),
    expiryMs: opts.imageListExpiryDays * 24 * 3600 * 1000,
    publicUrl: opts.publicUrl ?? `${opts.tlsCert ? 'https' : 'http'}://${host}:${listen.port}`,
  };
}

/** The hub's own TLS from the command line, or undefined to serve plain HTTP. */
function tlsOptions(opts: ServeOptions): HubTlsOptions | undefined {
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
    throw new ConfigError('give both --tls-cert and --tls-key, or neither', {
      path: opts.tlsCert === undefined ? '--tls-cert' : '--tls-key',
    });
  }
  if (opts.tlsCert === undefined || opts.tlsKey === undefined) {
    if (opts.tlsClientCa !== undefined)
      throw new ConfigError('client certificates need the hub to serve TLS: add --tls-cert and --tls-key', {
        path: '--tls-client-ca',
      });
    return undefined;
  }
  return {
    certificatePem: readPem(opts.tlsCert, '--tls-cert'),
    privateKeyPem: readPem(opts.tlsKey, '--tls-key'),
    ...(opts.tlsClientCa !== undefined ? { clientCaPems: loadCaCertificates(opts.tlsClientCa) } : {}),
  };
}

/** The accounting signature check from the command line. */
function signatureOptions(
  opts: ServeOptions,
  tls: HubTlsOptions | undefined,
): {
  signatures?: {
    mode: SignatureMode;
    caPems: string[];
    decryption?: { certificatePem: string; privateKeyPem: string };
  };
} {
  // the hub's TLS certificate is the one sites encrypt for (ssmsend's server_cert)
  const decryption = tls
    ? { certificatePem: tls.certificatePem, privateKeyPem: tls.privateKeyPem }
    : undefined;
  if (opts.accountingSignatures === 'off')
    return decryption ? { signatures: { mode: 'off', caPems: [], decryption } } : {};
  const ca = opts.accountingCa ?? opts.tlsClientCa;
  if (ca === undefined)
    throw new ConfigError(
      'the signature check needs the trusted CAs: give --accounting-ca (or --tls-client-ca)',
      {
        path: '--accounting-signatures',
      },
    );
  return {
    signatures: {
      mode: opts.accountingSignatures,
      caPems: loadCaCertificates(ca),
      ...(decryption ? { decryption } : {}),
    },
  };
}

function ingestTopic(value: string, previous: IngestSource[] | undefined): IngestSource[] {
  const m = /^([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)$/.exec(value);
  if (!m) throw new Error(`--ingest-topic: expected PROJECT/TOPIC (found ${JSON.stringify(value)})`);
  return [...(previous ?? []), { project: m[1]!, topic: m[2]! }];
}

/** The portal's settings: its file, then --portal-access over the file's `access`. */
function portalOptions(opts: ServeOptions): PortalOptions {
  const portal = opts.portalConfig ? loadPortalConfig(opts.portalConfig) : DEFAULT_PORTAL;
  return opts.portalAccess ? { ...portal, access: opts.portalAccess } : portal;
}

async function serve(opts: ServeOptions, logger: Logger): Promise<void> {
  const { host, port } = parseListen(opts.listen);
  const adminToken = readAdminToken(opts.adminTokenFile);
  const images = imageOptions(opts, { host, port });
  const tls = tlsOptions(opts);
  const portal = portalOptions(opts);
  const store = HubStore.open(storeLocation(opts));
  try {
    if (opts.migrate) {
      for (const m of await migrateToLatest(store)) logger.info({ migration: m.name }, 'migration applied');
    }
    const app = await buildHub({
      store,
      logger,
      ...(adminToken ? { adminToken } : {}),
      messaging: { maxMessageBytes: opts.maxMessageBytes },
      ingest: opts.ingest ? { sources: opts.ingestTopic ?? DEFAULT_INGEST_SOURCES } : false,
      images,
      ...(tls ? { tls } : {}),
      ...signatureOptions(opts, tls),
      portal,
      monitor: {
        config: loadMonitorConfig(opts.monitorConfig),
        isRunning: opts.monitor,
        hubUrl: images.publicUrl ?? `http://${host}:${port}`,
      },
    });
    const stop = async (signal: string) => {
      logger.info({ signal }, 'hub stopping');
      await app.close();
      await store.close();
    };
    process.once('SIGINT', (s) => void stop(s));
    process.once('SIGTERM', (s) => void stop(s));
    await app.listen({ host, port });
    logger.info(
      {
        database: describeLocation(store.location),
        isAdminTokenSet: adminToken !== undefined,
        isImageListSigned: images.signing !== undefined,
        portal: `http${tls ? 's' : ''}://${host}:${port}/ (data pages: ${portal.access}, sign-in: ${portal.login ? 'on' : 'off'})`,
      },
      'hub ready',
    );
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * The `fedstack hub` command: without a subcommand it runs the hub; `db`, `token` and `summarise`
 * manage it. Database options (`--data-dir`, `--database-url`) apply to every subcommand.
 * @example
 * program.addCommand(createHubCommand());
 * // fedstack hub --listen 0.0.0.0:8080 --database-url postgres://fedstack@db/fedstack
 */
export function createHubCommand(): Command {
  const hub = new Command('hub')
    .description(
      'run the federation hub: AMS-compatible messaging (/v1/projects/...), the accounting repository fed from the ' +
        'accounting topic, monthly summaries and the accounting API (/v1/accounting/...), /openapi.json',
    )
    .option(
      '--listen <host:port>',
      'address to listen on; use 0.0.0.0:PORT (behind a TLS proxy) for other hosts',
      DEFAULT_LISTEN,
    )
    .option(
      '--admin-token-file <file>',
      `file whose first line is the bootstrap admin token (default: the ${ADMIN_TOKEN_ENV} environment variable)`,
    )
    .option(
      '--no-migrate',
      'do not apply pending database migrations at start; refuse to start if any are pending',
    )
    .option('--no-ingest', 'do not load accounting messages (messaging only)')
    .option(
      '--ingest-topic <project/topic>',
      `accounting topic to consume; repeat for several (default ${DEFAULT_INGEST_SOURCES.map((s) => `${s.project}/${s.topic}`).join(', ')})`,
      ingestTopic,
    )
    .option(
      '--max-message-bytes <n>',
      "largest message data accepted by :publish, in decoded bytes (AMS/EGI's limit is 1 MB)",
      positiveInteger,
      DEFAULT_MAX_MESSAGE_BYTES,
    )
    .option(
      '--image-list-cert <file>',
      'PEM certificate the VO image lists (/store/vo/VO/image.list) are signed with; its DNs are the endorser',
    )
    .option(
      '--image-list-key <file>',
      'unencrypted PEM PKCS#8 private key of --image-list-cert (never logged)',
    )
    .option('--image-list-email <address>', "hv:email of the lists' endorser (default: the certificate's)")
    .option(
      '--image-list-expiry-days <n>',
      'lifetime of each image list version (dc:date:expires); lists are re-issued before they expire',
      positiveInteger,
      30,
    )
    .option(
      '--public-url <url>',
      'the hub as subscribers reach it (the TLS proxy), written into image lists as hv:uri (default http://LISTEN)',
    )
    .option(
      '--tls-cert <file>',
      'PEM certificate (with its chain) to serve HTTPS with, instead of plain HTTP behind a proxy',
    )
    .option('--tls-key <file>', 'unencrypted PEM private key of --tls-cert (never logged)')
    .option(
      '--tls-client-ca <dir-or-file>',
      'CA directory of hashed *.0 files (IGTF style, e.g. /etc/grid-security/certificates) or a bundle: client certificates are asked for and checked against it (AMS authx509)',
    )
    .addOption(
      new Option(
        '--accounting-signatures <mode>',
        'S/MIME check of accounting messages at publish: the signer must chain to --accounting-ca and be the HOSTDN of a registered eu.egi.cloud.accounting endpoint of the token’s site; warn logs, enforce refuses',
      )
        .choices(SIGNATURE_MODES)
        .default('off'),
    )
    .option(
      '--accounting-ca <dir-or-file>',
      'CA directory or bundle for --accounting-signatures (default: --tls-client-ca)',
    )
    .option(
      '--monitor',
      'also run the monitor: the checks of the registry’s monitored endpoints (see docs/monitoring.md)',
    )
    .option(
      '--monitor-config <file>',
      'YAML of the monitor: metrics, profile, concurrency, webhook (default: the EGI cloud profile); the A/R reports read it too',
    )
    .option(
      '--portal-config <file>',
      'YAML of the web portal: access, oidc (the sign-in client), admins, sites (see docs/portal.md)',
    )
    .addOption(
      new Option(
        '--portal-access <who>',
        'who may read the portal’s accounting, status and catalogue pages without a token: public, or admin (signed-in admins); default admin, or the config’s access',
      ).choices(['public', 'admin']),
    )
    .addOption(
      new Option('--log-level <level>', 'log verbosity on stderr (JSON lines); tokens are never logged')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
    )
    .addHelpText(
      'after',
      '\nData: SQLite in --data-dir by default (fine for one hub process); PostgreSQL with --database-url for ' +
        'production.\nTokens: set ' +
        ADMIN_TOKEN_ENV +
        ' (or --admin-token-file) for the operator, then create per-site publisher tokens with ' +
        '`fedstack hub token create --site NAME`.\n' +
        '\nExamples:\n  ' +
        ADMIN_TOKEN_ENV +
        '=$(openssl rand -hex 32) fedstack hub\n' +
        '  FEDSTACK_HUB_DATABASE_URL=postgres://fedstack@db/fedstack fedstack hub --listen 0.0.0.0:8080\n' +
        '  fedstack hub --portal-access public   (the portal at http://127.0.0.1:8080/, readable by all)\n' +
        '  fedstack hub db status\n  fedstack hub token create --site CESGA-CLOUD\n\nSee docs/hub.md.',
    );
  for (const o of storeOptions()) hub.addOption(o);
  hub.action(async (opts: ServeOptions) => serve(opts, createLogger({ level: opts.logLevel })));
  hub.addCommand(createDbCommand());
  hub.addCommand(createTokenCommand());
  hub.addCommand(createRegistryCommand());
  hub
    .command('monitor')
    .description(
      'run only the monitor, as its own process against the hub database: every metric of the profile against every ' +
        'monitored endpoint of the registry, soft/hard states, results into the status history',
    )
    .option(
      '--hub-url <url>',
      'the hub the information-system and accounting checks read',
      'http://127.0.0.1:8080',
    )
    .addHelpText(
      'after',
      '\nThe configuration (--monitor-config) and --log-level are those of `fedstack hub`, written before or after `monitor`.\n' +
        '\nExamples:\n  fedstack hub monitor --monitor-config monitor.yaml --hub-url https://hub.example.org\n' +
        '  fedstack hub --monitor   (the same, inside the hub process)\n\nSee docs/monitoring.md.',
    )
    .action(async (opts: { hubUrl: string }, command: Command) => {
      // `fedstack hub` has --monitor-config and --log-level: they are its, wherever they are written
      const shared = command.optsWithGlobals<{ monitorConfig?: string; logLevel: string }>();
      const logger = createLogger({ level: shared.logLevel });
      const config = loadMonitorConfig(shared.monitorConfig);
      const store = HubStore.open(storeLocation(command.optsWithGlobals<StoreOptions>()));
      await migrateToLatest(store);
      const monitor = new Monitor({
        store,
        registry: new Registry(store),
        config,
        hubUrl: opts.hubUrl,
        logger,
      });
      await monitor.start();
      logger.info(
        { checks: monitor.stats().checks, database: describeLocation(store.location) },
        'monitor running',
      );
      const stop = async (signal: string) => {
        logger.info({ signal }, 'monitor stopping');
        await monitor.stop();
        await store.close();
      };
      process.once('SIGINT', (s) => void stop(s));
      process.once('SIGTERM', (s) => void stop(s));
    });
  hub
    .command('summarise')
    .description(
      'rebuild the monthly cloud summaries now and print how long it took (the API rebuilds on demand)',
    )
    .action(async (_opts, command: Command) => {
      const store = HubStore.open(storeLocation(command.optsWithGlobals<StoreOptions>()));
      try {
        const outcome = await new Summariser(store).refresh(true);
        process.stdout.write(`${outcome.rows} summary rows in ${outcome.durationMs} ms\n`);
        if (outcome.skipped > 0) {
          process.stdout.write(
            `${outcome.skipped} stored cloud record(s) left out: values outside the summable range\n`,
          );
        }
      } finally {
        await store.close();
      }
    });
  return hub;
}
