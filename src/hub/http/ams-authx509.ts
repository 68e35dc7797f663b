// AMS's certificate-to-token exchange: `GET /v1/service-types/ams/hosts/{host}:authx509` with a
// client certificate answers a token of the site whose registered eu.egi.cloud.accounting endpoint
// has the certificate's DN as HOSTDN, as ssmsend asks for one when it has no token configured.
import { TLSSocket } from 'node:tls';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { certificateSubject, parseCertificates, type CertificateName } from '../../formats/smime/index.js';
import { generateHubToken, hashHubToken } from '../auth/hub-token.js';
import { ACCOUNTING_SERVICE_TYPE, type Registry } from '../registry/index.js';
import { AmsError } from '../messaging/ams-error.js';
import type { HubStore } from '../store/hub-store.js';
import { insertToken, listTokens, revokeToken } from '../store/token-queries.js';
import { AMS_ERROR_SHAPE } from './ams-http.js';
import { installErrorHandler } from './error-handler.js';
import { AMS_ERROR_RESPONSES } from './ams-schemas.js';
import { installRouteSchemas } from './route-schema.js';

/** Options of {@link authx509Plugin}. */
export interface Authx509PluginOptions {
  readonly registry: Registry;
  readonly store: HubStore;
  readonly clock: () => number;
}

const PARAMS = z.object({ serviceType: z.string(), target: z.string() });

/**
 * The verified client certificate's subject.
 * @throws AmsError 401 (AMS's shape, with the reason) without TLS, without a client certificate, or when
 *   the certificate does not chain to the hub's client CAs (`--tls-client-ca`).
 */
export function clientCertificateSubject(request: FastifyRequest): CertificateName {
  const socket = request.raw.socket;
  if (!(socket instanceof TLSSocket)) {
    throw new AmsError(
      401,
      'UNAUTHORIZED',
      'authx509 needs a TLS connection with a client certificate: run the hub with --tls-cert, --tls-key and --tls-client-ca',
    );
  }
  const peer = socket.getPeerCertificate();
  if (!peer || !peer.raw) throw new AmsError(401, 'UNAUTHORIZED', 'no client certificate was presented');
  if (!socket.authorized) {
    throw new AmsError(
      401,
      'UNAUTHORIZED',
      `the client certificate is not trusted (${String(socket.authorizationError)}); its CA must be in --tls-client-ca`,
    );
  }
  return certificateSubject(parseCertificates(new Uint8Array(peer.raw), 'client certificate')[0]!);
}

/** The exchange route (registered under the prefix `/v1/service-types`), with AMS's error shape. */
export const authx509Plugin: FastifyPluginAsync<Authx509PluginOptions> = async (
  app,
  { registry, store, clock },
) => {
  installRouteSchemas(app);
  installErrorHandler(app, AMS_ERROR_SHAPE);
  app.withTypeProvider<ZodTypeProvider>().get(
    '/:serviceType/hosts/:target',
    {
      config: { roles: 'public' },
      schema: {
        tags: ['messaging (AMS)'],
        summary:
          'AMS’s certificate-to-token exchange, `ams/hosts/{host}:authx509`: a client certificate whose DN is the HOSTDN of a registered eu.egi.cloud.accounting endpoint gets a publisher token of its site',
        params: PARAMS,
        response: { 200: z.object({ token: z.string() }), ...AMS_ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { serviceType, target } = request.params;
      if (serviceType !== 'ams' || !target.endsWith(':authx509'))
        throw new AmsError(
          404,
          'NOT_FOUND',
          `no such AMS resource: service type ${serviceType}, host ${target}`,
        );
      const subject = clientCertificateSubject(request);
      const endpoints = await registry.accountingEndpointsOf(subject.dn);
      const site = endpoints[0]?.siteName;
      if (site === undefined) {
        throw new AmsError(
          403,
          'FORBIDDEN',
          `the certificate ${subject.slash} is not the HOSTDN of any registered ${ACCOUNTING_SERVICE_TYPE} endpoint`,
        );
      }
      // one token per host certificate: the one from an earlier exchange is revoked
      const label = `authx509 ${subject.slash}`;
      const now = Math.floor(clock() / 1000);
      for (const row of await listTokens(store.db))
        if (row.label === label && row.revoked_at === null) await revokeToken(store.db, Number(row.id), now);
      const token = generateHubToken();
      await insertToken(store.db, { hash: hashHubToken(token), role: 'publisher', site, label, now });
      request.log.info({ site, subject: subject.slash }, 'authx509 token issued');
      return { token };
    },
  );
};
