// The hub's app factory: builds the fastify instance with every area plugin, without listening.
import { z } from 'zod';
import fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { StoreError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { redactUrl } from '../redact-url.js';
import { IngestConsumer } from './accounting/ingest-consumer.js';
import type { IngestOptions, IngestSource } from './accounting/ingest-consumer.js';
import { Summariser } from './accounting/summariser.js';
import { HubAuth } from './auth/hub-auth.js';
import { accountingPlugin } from './http/accounting.js';
import { amsPlugin } from './http/ams.js';
import { imagesPlugin } from './http/images.js';
import { infosysPlugin } from './http/infosys.js';
import { registryPlugin } from './http/registry.js';
import { authx509Plugin } from './http/ams-authx509.js';
import { SignatureGate, type SignatureMode } from './accounting/signature-gate.js';
import { DEFAULT_INGEST_SOURCES } from './accounting/ingest-consumer.js';
import { parseTrustedCas, type SmimeRecipient } from '../formats/smime/index.js';
import { monitoringPlugin } from './http/monitoring.js';
import { portalPlugin } from './http/portal.js';
import { webAssetsPlugin } from './http/web-assets.js';
import { DEFAULT_PORTAL, OidcProvider, PortalSessions, type PortalOptions } from './portal/index.js';
import {
  Monitor,
  ResultStore,
  loadMonitorConfig,
  type MonitorConfig,
  type MonitorOptions,
} from './monitor/index.js';
import { AMS_ERROR_SHAPE } from './http/ams-http.js';
import { REST_ERROR_SHAPE, installErrorHandler, sendFailure, toHubFailure } from './http/error-handler.js';
import { installOpenApi } from './http/openapi.js';
import { installHealth } from './http/health.js';
import { installRouteSchemas } from './http/route-schema.js';
import {
  DEFAULT_LIST_EXPIRY_MS,
  ImageCatalogue,
  checkListSigner,
  createListSigner,
  endorserOfCertificate,
  type EndorserDetails,
  type ImageListSigning,
} from './images/index.js';
import { InfosysService } from './infosys/index.js';
import { MessagingService } from './messaging/messaging-service.js';
import { Registry } from './registry/index.js';
import type { MessagingOptions } from './messaging/messaging-service.js';
import { migrationStatus } from './store/hub-migrator.js';
import type { HubStore } from './store/hub-store.js';

/** Options of {@link buildHub}. */
export interface HubOptions {
  /** The open database, migrated to the latest schema (see `migrateToLatest`). The caller closes it. */
  readonly store: HubStore;
  /** Bootstrap admin token (FEDSTACK_HUB_ADMIN_TOKEN or a file); kept only as a hash. */
  readonly adminToken?: string;
  /** Logger for requests and background work; default silent. Tokens never reach it. */
  readonly logger?: Logger;
  /** Clock in epoch milliseconds; default `Date.now` (tests pass their own). */
  readonly clock?: () => number;
  /** AMS limits: largest message data, long-poll wait. */
  readonly messaging?: Omit<MessagingOptions, 'clock'>;
  /** Accounting ingest; `false` turns the consumer off. Default: consume accounting/eu-egi-cloud-accounting. */
  readonly ingest?: (Omit<IngestOptions, 'clock' | 'logger'> & { readonly autoStart?: boolean }) | false;
  /** The image catalogue's lists: signing credentials, endorser, expiry, public URL. */
  readonly images?: HubImageOptions;
  /** The monitor: its configuration (the A/R reports read it too) and whether the hub runs the checks. */
  readonly monitor?: HubMonitorOptions;
  /** Serve TLS (else plain HTTP, for a TLS proxy in front). */
  readonly tls?: HubTlsOptions;
  /**
   * The portal (its pages at `/` and its API): who reads the data pages, the sign-in, the sites.
   * Default: data pages for admins only, no sign-in.
   */
  readonly portal?: PortalOptions;
  /** The S/MIME check of accounting messages at publish time; default off. */
  readonly signatures?: {
    readonly mode: SignatureMode;
    /** CAs signers must chain to (needed unless `mode` is off). */
    readonly caPems: readonly string[];
    /** The hub's certificate and key, to decrypt encrypted (enveloped) messages at publish. */
    readonly decryption?: SmimeRecipient;
  };
}

/** TLS of the hub itself (`HubOptions.tls`). */
export interface HubTlsOptions {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /**
   * CA certificates (PEM) client certificates are checked against; with them the hub asks every
   * client for a certificate, without refusing one that has none (tokens still work), and
   * `authx509` exchanges a trusted one for a token.
   */
  readonly clientCaPems?: readonly string[];
}

/** Options of the monitor (`HubOptions.monitor`). */
export interface HubMonitorOptions {
  /** Metric profile and checks; default the EGI cloud profile. */
  readonly config?: MonitorConfig;
  /** Run the checks in this process (`fedstack hub --monitor`); default false. */
  readonly isRunning?: boolean;
  /** The hub's URL for the checks that read it; default http://127.0.0.1:8080. */
  readonly hubUrl?: string;
  /** Replaces how a check runs (benchmarks). */
  readonly run?: MonitorOptions['run'];
}

/** Options of the image catalogue (`HubOptions.images`). */
export interface HubImageOptions {
  /** Certificate and key the served lists are signed with; without them `image.list` answers 503. */
  readonly signing?: ImageListSigning;
  /** `dc:creator` and `hv:email` of the endorser (its DNs come from the certificate). */
  readonly endorser?: EndorserDetails;
  /** Lifetime of a list version (`dc:date:expires` − `dc:date:created`), ms; default 30 days. */
  readonly expiryMs?: number;
  /** The hub's URL as subscribers reach it, for `hv:uri`; default `http://127.0.0.1:8080`. */
  readonly publicUrl?: string;
}

/** The endorser written into lists when the hub has no signing certificate (they cannot be served signed). */
const UNSIGNED_ENDORSER = { dn: '/CN=unsigned', ca: '/CN=unsigned' };

async function openCatalogue(
  store: HubStore,
  images: HubImageOptions,
  clock: () => number,
): Promise<{ catalogue: ImageCatalogue; signer: ReturnType<typeof createListSigner> | undefined }> {
  const signer = images.signing ? createListSigner(images.signing) : undefined;
  if (signer) await checkListSigner(signer, new Date(clock()));
  const endorser = images.signing
    ? endorserOfCertificate(images.signing.certificatePem, images.endorser)
    : {
        ...UNSIGNED_ENDORSER,
        creator: images.endorser?.creator ?? 'Fedstack hub',
        email: images.endorser?.email ?? 'not given',
      };
  const base = (images.publicUrl ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const catalogue = new ImageCatalogue(store, {
    now: clock,
    expiryMs: images.expiryMs ?? DEFAULT_LIST_EXPIRY_MS,
    endorser,
    listUrl: (vo) => `${base}/store/vo/${encodeURIComponent(vo)}/image.list`,
  });
  return { catalogue, signer };
}

/** The services behind the routes, for the CLI, tests and benchmarks. */
export interface HubServices {
  readonly store: HubStore;
  readonly auth: HubAuth;
  readonly messaging: MessagingService;
  readonly summariser: Summariser;
  readonly infosys: InfosysService;
  readonly images: ImageCatalogue;
  readonly registry: Registry;
  readonly results: ResultStore;
  /** Undefined unless the hub runs the checks. */
  readonly monitor: Monitor | undefined;
  /** Undefined when ingest is off. */
  readonly ingest: IngestConsumer | undefined;
}

/** The hub's fastify instance, with its services. */
export type HubApp = FastifyInstance & { readonly hub: HubServices };

/**
 * The request logger: fastify logs each request's URL, and the AMS `?key=` fallback puts a token
 * there (in any percent-encoding of the name), so the request serializer writes the URL redacted.
 */
function requestLogger(logger: Logger): Logger {
  return logger.child(
    {},
    {
      serializers: {
        req: (r: { method?: string; url?: string; ip?: string }) => ({
          method: r.method,
          url: redactUrl(r.url ?? ''),
          remoteAddress: r.ip,
        }),
      },
    },
  );
}

async function checkSchema(store: HubStore): Promise<void> {
  const pending = (await migrationStatus(store)).filter((m) => m.executedAt === undefined);
  if (pending.length > 0) {
    throw new StoreError(
      `the hub database lacks ${pending.length} migration(s) (first: ${pending[0]!.name}); run \`fedstack hub db migrate\``,
    );
  }
}

/**
 * Builds the hub: AMS messaging at /v1/projects, the accounting API at /v1/accounting, the
 * information system, the image catalogue (/v1/images/vo, /store/vo), the registry (/v1/registry,
 * GOCDB's /gocdbpi/public/), /openapi.json and /v1/status, plus the in-process accounting consumer (started on `ready`,
 * stopped on `close`). Does not listen: call `app.listen()` or `app.inject()`.
 * @throws StoreError (`STORE_ERROR`) when the database schema is not at the latest migration,
 *   ConfigError (`CONFIG_INVALID`) when the image list certificate or key cannot be read or do not match.
 * @example
 * const store = HubStore.open({ kind: 'sqlite', file: '.fedstack/hub/hub.sqlite' });
 * await migrateToLatest(store);
 * const app = await buildHub({ store, adminToken: process.env.FEDSTACK_HUB_ADMIN_TOKEN });
 * await app.listen({ host: '127.0.0.1', port: 8080 });
 */
export async function buildHub(options: HubOptions): Promise<HubApp> {
  const { store } = options;
  await checkSchema(store);
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const auth = new HubAuth(store, options.adminToken);
  const messaging = new MessagingService(store, { ...options.messaging, clock });
  const summariser = new Summariser(store, logger.child({ area: 'summaries' }));
  const ingestOptions = options.ingest === false ? undefined : (options.ingest ?? {});
  const ingest = ingestOptions
    ? new IngestConsumer(store, messaging, {
        ...ingestOptions,
        clock,
        logger: logger.child({ area: 'ingest' }),
      })
    : undefined;
  if (ingest) await ingest.prepare();
  const infosys = await InfosysService.open(store, { now: clock, logger: logger.child({ area: 'infosys' }) });
  const { catalogue, signer } = await openCatalogue(store, options.images ?? {}, clock);

  // typed with the default logger type: our pino Logger differs from it only in generics
  const tls = options.tls;
  const app = fastify({
    ...(tls
      ? {
          https: {
            cert: tls.certificatePem,
            key: tls.privateKeyPem,
            ...(tls.clientCaPems?.length
              ? { ca: [...tls.clientCaPems], requestCert: true, rejectUnauthorized: false }
              : {}),
          },
        }
      : {}),
    loggerInstance: requestLogger(logger),
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 64 * 1024 }, // beyond any URL Node accepts: AMS answers long names itself
    // errors the router raises before any route or plugin is chosen (a path that is not valid
    // percent-encoding): in AMS's shape under the AMS prefix, in the REST shape elsewhere
    frameworkErrors: (error, request, reply) => {
      const isAms = request.url.startsWith('/v1/projects/') || request.url.startsWith('/v1/service-types/');
      const shape = isAms ? AMS_ERROR_SHAPE : REST_ERROR_SHAPE;
      return sendFailure(reply, shape, toHubFailure(error, request));
    },
  }) as unknown as FastifyInstance;
  installErrorHandler(app);
  const registry = new Registry(store, { now: clock });
  const results = new ResultStore(store);
  const monitorConfig = options.monitor?.config ?? loadMonitorConfig();
  const monitor = options.monitor?.isRunning
    ? new Monitor({
        store,
        registry,
        config: monitorConfig,
        hubUrl: options.monitor.hubUrl ?? 'http://127.0.0.1:8080',
        logger: logger.child({ area: 'monitor' }),
        ...(options.monitor.run ? { run: options.monitor.run } : {}),
      })
    : undefined;
  const services: HubServices = {
    store,
    auth,
    messaging,
    summariser,
    infosys,
    images: catalogue,
    registry,
    results,
    monitor,
    ingest,
  };
  app.decorate('hub', services);

  await installOpenApi(app);
  await installHealth(app, { store });
  await app.register(async (scope) => {
    installRouteSchemas(scope);
    scope.get(
      '/v1/status',
      {
        config: { roles: 'public' },
        schema: {
          tags: ['hub'],
          summary: 'Liveness: {"status":"ok"} while the hub serves',
          response: { 200: z.object({ status: z.literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );
  });
  const gate =
    options.signatures && (options.signatures.mode !== 'off' || options.signatures.decryption)
      ? new SignatureGate({
          mode: options.signatures.mode,
          ...(options.signatures.decryption ? { decryption: options.signatures.decryption } : {}),
          trustedCas: parseTrustedCas(
            options.signatures.caPems.map((text, i) => ({ name: `ca-${i}.pem`, text })),
          ),
          registry,
          sources: (ingestOptions?.sources ?? DEFAULT_INGEST_SOURCES) as readonly IngestSource[],
          logger: logger.child({ area: 'signatures' }),
          clock,
        })
      : undefined;
  await app.register(amsPlugin, {
    prefix: '/v1/projects',
    messaging,
    auth,
    ...(gate ? { publishGate: gate.check.bind(gate) } : {}),
  });
  await app.register(accountingPlugin, { prefix: '/v1/accounting', store, auth, summariser, clock });
  await app.register(infosysPlugin, { infosys, auth });
  await app.register(imagesPlugin, { catalogue, infosys, auth, ...(signer ? { signer } : {}) });
  await app.register(registryPlugin, { registry, infosys, store, auth, clock });
  await app.register(monitoringPlugin, { results, registry, config: monitorConfig, auth, clock });
  await app.register(authx509Plugin, { prefix: '/v1/service-types', registry, store, clock });
  const portal = options.portal ?? DEFAULT_PORTAL;
  await app.register(portalPlugin, {
    options: portal,
    sessions: portal.login
      ? new PortalSessions(new OidcProvider(portal.login, portal.timeoutMs), portal, clock)
      : undefined,
    infosys,
    auth,
    isSecure: tls !== undefined || portal.login?.publicUrl.startsWith('https:') === true,
    logger: logger.child({ area: 'portal' }),
  });
  await app.register(webAssetsPlugin, portal.assetsDir ? { dir: portal.assetsDir } : {});

  if (ingest && (ingestOptions?.autoStart ?? true)) app.addHook('onReady', async () => ingest.start());
  if (ingest) app.addHook('onClose', async () => ingest.stop());
  if (monitor) {
    app.addHook('onReady', async () => monitor.start());
    app.addHook('onClose', async () => monitor.stop());
  }
  return app as unknown as HubApp;
}
