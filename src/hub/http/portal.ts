// The portal's own API: sign-in (authorization code with PKCE) and sign-out, who is signed in, and
// the user's VMs at every site their VOs reach (list, launch, start, stop, delete). The user's
// tokens stay in the hub; the browser holds an HttpOnly session cookie.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FedstackError } from '../../errors.js';
import {
  chooseSite,
  deleteServerAndIps,
  launchServer,
  listServers,
  mergeSites,
  serverRowOf,
  siteNamer,
  siteSession,
  type FederationSite,
  type OfferedFlavor,
  type SiteCaller,
  type SiteImage,
} from '../../federation/index.js';
import type { Logger } from '../../log.js';
import { startServer, stopServer } from '../../openstack/index.js';
import type { HubAuth } from '../auth/hub-auth.js';
import type { HubCaller } from '../auth/hub-token.js';
import type { InfosysService } from '../infosys/index.js';
import type { PortalOptions } from '../portal/portal-config.js';
import type { PortalSession, PortalSessions } from '../portal/portal-sessions.js';
import { ERROR_RESPONSES } from './accounting-schemas.js';
import { installAuth } from './route-auth.js';
import { installRouteSchemas } from './route-schema.js';

/** Options of {@link portalPlugin}. */
export interface PortalPluginOptions {
  readonly options: PortalOptions;
  /** Undefined when no sign-in is configured. */
  readonly sessions: PortalSessions | undefined;
  readonly infosys: InfosysService;
  readonly auth: HubAuth;
  /** The session cookie gets `Secure` (the hub serves TLS or is reached over https). */
  readonly isSecure: boolean;
  readonly logger: Logger;
}

const TAGS = ['portal'];
/** The session cookie's name. */
export const SESSION_COOKIE = 'fedstack_session';
/** The header every changing portal request must carry (a cross-site form cannot send it). */
export const PORTAL_HEADER = 'x-fedstack-portal';

/** The anonymous reader of public pages. */
const PUBLIC_READER: HubCaller = { role: 'consumer', site: null, tokenId: null, isAnonymous: true };

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined; // not percent-encoding: no session of ours
      }
    }
  }
  return undefined;
}

function setCookie(reply: FastifyReply, value: string, maxAgeSeconds: number, isSecure: boolean): void {
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${isSecure ? '; Secure' : ''}`,
  );
}

/** A local path to return to after sign-in (never another origin). */
function localPath(value: string | undefined): string {
  return value && /^\/(?![/\\])/.test(value) ? value : '/portal/vms';
}

const SERVER_ROW = z.object({
  site: z.string(),
  vo: z.string(),
  id: z.string(),
  name: z.string(),
  status: z.string(),
  flavor: z.string(),
  addresses: z.array(z.string()),
  ssh_address: z.string().optional().describe('the floating address, else the first IPv4 one'),
  created: z.string(),
});
const SESSION_RESPONSE = z.object({
  signed_in: z.boolean(),
  can_sign_in: z.boolean().describe('the hub has an OIDC client configured'),
  access: z.enum(['public', 'admin']).describe('who may read the accounting and registry pages'),
  may_read_data: z.boolean().describe('this browser may read the accounting and registry pages'),
  user: z
    .object({
      sub: z.string(),
      name: z.string().optional(),
      email: z.string().optional(),
      is_admin: z.boolean(),
      vos: z.array(z.object({ vo: z.string(), can_launch: z.boolean(), roles: z.array(z.string()) })),
    })
    .optional(),
});
const SERVERS_RESPONSE = z.object({
  servers: z.array(SERVER_ROW),
  errors: z
    .array(z.object({ site: z.string(), error: z.string() }))
    .describe('one line per site that failed'),
  sites: z.array(z.object({ site: z.string(), ok: z.boolean(), ms: z.number(), logins: z.number() })),
});
const LAUNCH_BODY = z.object({
  vo: z.string().min(1),
  image: z.string().min(1).describe('image name, Glance id, or marketplace URL'),
  flavor: z.string().min(1).optional().describe('flavor name; without it the smallest that fits'),
  min_cpu: z.number().int().positive().optional(),
  min_ram_gb: z.number().positive().optional(),
  gpu: z.boolean().optional(),
  site: z.string().min(1).default('auto').describe('a site, or auto (matchmaking)'),
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'expected letters, digits, . _ - (at most 63)')
    .optional(),
  public_key: z
    .string()
    .regex(/^(ssh-|ecdsa-|sk-)\S+ \S+/, 'expected an OpenSSH public key (ssh-ed25519 AAAA…)')
    .optional(),
  network: z.string().min(1).default('auto'),
});
const LAUNCH_RESPONSE = z.object({ server: SERVER_ROW, why: z.string().describe('why this site') });
const SERVER_PARAMS = z.object({ site: z.string(), vo: z.string(), id: z.string() });
const ACTION_PARAMS = SERVER_PARAMS.extend({ action: z.enum(['start', 'stop']) });

function signInRefused(why: 'none' | 'ended' | 'unconfigured'): FedstackError {
  return new FedstackError(
    'PORTAL_SIGN_IN',
    why === 'unconfigured'
      ? 'this hub has no sign-in configured (oidc: in its --portal-config)'
      : why === 'none'
        ? 'sign in to see and launch your VMs'
        : 'your session has ended; sign in again',
  );
}

/** The plugin's wiring: sessions, sites and the caller of the sites for a session. */
class PortalContext {
  constructor(private readonly o: PortalPluginOptions) {}

  sessionOf(request: FastifyRequest): PortalSession {
    if (!this.o.sessions) throw signInRefused('unconfigured');
    const found = this.o.sessions.find(cookieValue(request.headers.cookie, SESSION_COOKIE));
    if (typeof found === 'string') throw signInRefused(found);
    return found;
  }

  /** Refuses a changing request without the portal's header (cross-site forgery). */
  checkHeader(request: FastifyRequest): void {
    if (request.headers[PORTAL_HEADER] !== '1')
      throw new FedstackError(
        'HUB_FORBIDDEN',
        `changing portal requests must carry the header ${PORTAL_HEADER}: 1`,
      );
  }

  callerOf(session: PortalSession): SiteCaller {
    const sessions = this.o.sessions!;
    return {
      accessToken: () => sessions.accessToken(session),
      tokens: session.keystone,
      timeoutMs: this.o.options.timeoutMs,
      concurrency: this.o.options.concurrency,
      logger: this.o.logger,
    };
  }

  /** The sites of the information system (with the config's settings) where `vo` has a project. */
  sitesOf(vo?: string): FederationSite[] {
    const listed = this.o.infosys.current().sites({ includeProjects: true });
    const { identityProvider, caPath, sites } = this.o.options;
    return mergeSites(listed, sites, { identityProvider, ...(caPath ? { caPath } : {}) }).filter(
      (s) => vo === undefined || s.projects[vo] !== undefined,
    );
  }

  /** What the information system offers `vo` at `sites`: images (with their site) and flavors. */
  offersOf(vo: string, sites: readonly FederationSite[]): { images: SiteImage[]; flavors: OfferedFlavor[] } {
    const index = this.o.infosys.current();
    const siteOf = siteNamer(sites);
    return {
      images: index.images(vo, false).flatMap((i) => {
        const site = siteOf(i.endpoint);
        return site ? [{ ...i, site }] : [];
      }),
      flavors: index.flavors({ vo }),
    };
  }

  /** The session's VO `vo`, checked to be one of the user's. */
  voOf(session: PortalSession, vo: string, toLaunch = false): void {
    const access = session.vos.find((v) => v.vo === vo);
    if (!access)
      throw new FedstackError(
        'HUB_FORBIDDEN',
        `you are not a member of VO ${vo} (your VOs: ${session.vos.map((v) => v.vo).join(', ') || 'none'})`,
      );
    if (toLaunch && !access.canLaunch)
      throw new FedstackError(
        'CLIENT_VO_NOT_ALLOWED',
        `VO ${vo}: you lack its cloud entitlement ${access.cloudEntitlement}, so you may not launch VMs; nothing was created`,
      );
  }

  /** The site `name` where `vo` has a project. */
  siteOf(name: string, vo: string): FederationSite {
    const site = this.sitesOf(vo).find((s) => s.name === name);
    if (!site) throw new FedstackError('HUB_NOT_FOUND', `VO ${vo} has no project at a site named ${name}`);
    return site;
  }
}

function registerSignIn(app: FastifyInstance, o: PortalPluginOptions, ctx: PortalContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const back = (reply: FastifyReply, where: string, error: unknown) =>
    reply.redirect(
      `${where}${where.includes('?') ? '&' : '?'}sign_in_error=${encodeURIComponent(error instanceof Error ? error.message : String(error))}`,
    );
  routes.get(
    '/portal/login',
    {
      config: { roles: 'public' },
      schema: {
        tags: TAGS,
        summary: 'Starts the sign-in: redirects to the OIDC provider (authorization code with PKCE)',
        querystring: z.object({ return_to: z.string().optional().describe('a path of the portal') }),
        response: {
          302: z.null().describe('to the provider, or back with sign_in_error'),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const returnTo = localPath(request.query.return_to);
      if (!o.sessions) return back(reply, returnTo, signInRefused('unconfigured'));
      try {
        const { url } = await o.sessions.begin(returnTo);
        return reply.redirect(url);
      } catch (error) {
        o.logger.warn({ err: error }, 'portal sign-in could not start');
        return back(reply, returnTo, error);
      }
    },
  );
  routes.get(
    '/portal/callback',
    {
      config: { roles: 'public' },
      schema: {
        tags: TAGS,
        summary: 'The OIDC redirect URI: exchanges the code, sets the session cookie, returns to the page',
        querystring: z.object({
          code: z.string().optional(),
          state: z.string().optional(),
          error: z.string().optional(),
          error_description: z.string().optional(),
          iss: z.string().optional(),
          session_state: z.string().optional(),
        }),
        response: { 302: z.null().describe('back to the page the sign-in started from'), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const q = request.query;
      if (!o.sessions) return back(reply, '/portal/vms', signInRefused('unconfigured'));
      if (q.error || !q.code || !q.state)
        return back(
          reply,
          '/portal/vms',
          `the provider did not sign you in (${q.error_description ?? q.error ?? 'no code'})`,
        );
      try {
        const { session, returnTo } = await o.sessions.finish(q.state, q.code);
        setCookie(reply, session.id, Math.floor(o.options.sessionMaxMs / 1000), o.isSecure);
        return reply.redirect(returnTo);
      } catch (error) {
        o.logger.warn({ err: error }, 'portal sign-in failed');
        return back(reply, '/portal/vms', error);
      }
    },
  );
  routes.post(
    '/portal/logout',
    {
      config: { roles: 'public' },
      schema: {
        tags: TAGS,
        summary: 'Signs out: the session and its tokens are forgotten, the cookie cleared',
        response: { 204: z.null(), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      ctx.checkHeader(request);
      o.sessions?.end(cookieValue(request.headers.cookie, SESSION_COOKIE));
      setCookie(reply, '', 0, o.isSecure);
      return reply.code(204).send(null);
    },
  );
  routes.get(
    '/v1/portal/session',
    {
      config: { roles: 'public' },
      schema: {
        tags: TAGS,
        summary: 'Who is signed in in this browser, and their VOs',
        response: { 200: SESSION_RESPONSE, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const found = o.sessions?.find(cookieValue(request.headers.cookie, SESSION_COOKIE)) ?? 'none';
      const session = typeof found === 'string' ? undefined : found;
      return {
        signed_in: session !== undefined,
        can_sign_in: o.sessions !== undefined,
        access: o.options.access,
        may_read_data: o.options.access === 'public' || session?.isAdmin === true,
        ...(session
          ? {
              user: {
                sub: session.subject,
                ...(session.name ? { name: session.name } : {}),
                ...(session.email ? { email: session.email } : {}),
                is_admin: session.isAdmin,
                vos: session.vos.map((v) => ({ vo: v.vo, can_launch: v.canLaunch, roles: [...v.roles] })),
              },
            }
          : {}),
      };
    },
  );
}

function registerServers(app: FastifyInstance, ctx: PortalContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const publicRoute = { roles: 'public' as const };
  routes.get(
    '/v1/portal/servers',
    {
      config: publicRoute,
      schema: {
        tags: TAGS,
        summary:
          'The signed-in user’s VMs at every site of their VOs; a site that fails costs one line in errors',
        description: 'Needs the session cookie of a sign-in (GET /portal/login).',
        response: { 200: SERVERS_RESPONSE, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const session = ctx.sessionOf(request);
      const pairs = session.vos.flatMap(({ vo }) => ctx.sitesOf(vo).map((site) => ({ site, vo })));
      const { rows, errors, sites } = await listServers(ctx.callerOf(session), pairs);
      return { servers: rows, errors, sites };
    },
  );
  routes.post(
    '/v1/portal/servers',
    {
      config: publicRoute,
      schema: {
        tags: TAGS,
        summary:
          'Launches a VM: at the given site, or where matchmaking finds the image and a fitting flavor',
        description: `Needs the session cookie and the header ${PORTAL_HEADER}: 1.`,
        body: LAUNCH_BODY,
        response: { 201: LAUNCH_RESPONSE, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      ctx.checkHeader(request);
      const session = ctx.sessionOf(request);
      const b = request.body;
      ctx.voOf(session, b.vo, true);
      const sites = b.site === 'auto' ? ctx.sitesOf(b.vo) : [ctx.siteOf(b.site, b.vo)];
      if (sites.length === 0)
        throw new FedstackError('CLIENT_NO_SITE', `VO ${b.vo} has a project at no site`);
      const caller = ctx.callerOf(session);
      const { images, flavors } = ctx.offersOf(b.vo, sites);
      const choice = await chooseSite(
        caller,
        b.vo,
        sites,
        { images, flavors },
        {
          image: b.image,
          ...(b.flavor ? { flavor: b.flavor } : {}),
          ...(b.min_cpu ? { minCpu: b.min_cpu } : {}),
          ...(b.min_ram_gb ? { minRamMb: Math.round(b.min_ram_gb * 1024) } : {}),
          ...(b.gpu ? { gpu: true } : {}),
        },
      );
      const { server } = await launchServer(siteSession(caller, choice.site, b.vo), {
        candidate: choice.candidate,
        network: b.network,
        ...(b.name ? { name: b.name } : {}),
        ...(b.public_key ? { publicKey: b.public_key } : {}),
      });
      return reply.code(201).send({ server: serverRowOf(choice.site.name, b.vo, server), why: choice.why });
    },
  );
  routes.post(
    '/v1/portal/servers/:site/:vo/:id/:action',
    {
      config: publicRoute,
      schema: {
        tags: TAGS,
        summary: 'Starts or stops one of the user’s VMs',
        params: ACTION_PARAMS,
        response: { 202: z.object({ status: z.string() }), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      ctx.checkHeader(request);
      const session = ctx.sessionOf(request);
      const { site: name, vo, id, action } = request.params;
      ctx.voOf(session, vo);
      const session_ = siteSession(ctx.callerOf(session), ctx.siteOf(name, vo), vo);
      await (action === 'start' ? startServer(session_, id) : stopServer(session_, id));
      return reply.code(202).send({ status: action === 'start' ? 'starting' : 'stopping' });
    },
  );
  routes.delete(
    '/v1/portal/servers/:site/:vo/:id',
    {
      config: publicRoute,
      schema: {
        tags: TAGS,
        summary: 'Deletes one of the user’s VMs and releases the floating IPs the portal or CLI gave it',
        params: SERVER_PARAMS,
        response: {
          200: z.object({ released: z.number(), errors: z.array(z.string()) }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      ctx.checkHeader(request);
      const session = ctx.sessionOf(request);
      const { site: name, vo, id } = request.params;
      ctx.voOf(session, vo);
      return deleteServerAndIps(siteSession(ctx.callerOf(session), ctx.siteOf(name, vo), vo), id);
    },
  );
}

/**
 * The portal's API (register without a prefix): `/portal/login`, `/portal/callback`,
 * `/portal/logout`, `/v1/portal/session` and `/v1/portal/servers…`. It also tells the hub's auth
 * who reads the pages' data without a token (everyone, or signed-in admins).
 */
export const portalPlugin: FastifyPluginAsync<PortalPluginOptions> = async (app, o) => {
  installRouteSchemas(app);
  installAuth(app, o.auth);
  const ctx = new PortalContext(o);
  o.auth.portalReader = (cookieHeader) => {
    if (o.options.access === 'public') return PUBLIC_READER;
    const found = o.sessions?.find(cookieValue(cookieHeader, SESSION_COOKIE));
    return found && typeof found !== 'string' && found.isAdmin
      ? { role: 'admin', site: null, tokenId: null }
      : undefined;
  };
  registerSignIn(app, o, ctx);
  registerServers(app, ctx);
};
