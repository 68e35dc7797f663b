// Federated login with tokens from a real OIDC provider (the oidc-provider package), signed with the key the
// testbed's OIDC front trusts: refresh token -> access token -> Keystone OS-FEDERATION -> project-scoped token.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { exportJWK, importPKCS8 } from 'jose';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FedstackError } from '../../src/errors.js';
import { OpenStackError, listAuthProjects } from '../../src/openstack/index.js';
import { loadSiteConfig } from '../../src/site/site-config.js';
import { createSiteSession } from '../../src/site/site-session.js';
import { accountingConfig } from '../helpers/accounting.js';
import { projectIdOf, voEntitlements } from '../helpers/sessions.js';
import { testbedEnv } from '../helpers/testbed.js';

const RESOURCE = 'https://keystone.testbed.local';
const CLIENT_SECRET = 'client-secret-for-tests';

describe('OIDC login through a real OIDC provider', () => {
  const env = testbedEnv('site-a');
  let provider: Provider;
  let server: Server;
  let issuerUrl: string;
  const entitlements: Record<string, string[]> = {};

  async function refreshTokenFor(sub: string, ents: string[]): Promise<string> {
    entitlements[sub] = ents;
    const client = await provider.Client.find('fedstack');
    const grant = new provider.Grant({ accountId: sub, clientId: 'fedstack' });
    grant.addOIDCScope('openid offline_access');
    grant.addResourceScope(RESOURCE, 'openid');
    const grantId = await grant.save();
    const token = new provider.RefreshToken({
      client: client!,
      accountId: sub,
      grantId,
      scope: 'openid offline_access',
      resource: RESOURCE,
      gty: 'authorization_code',
      expiresWithSession: false,
    });
    return token.save();
  }

  function configWith(credentials: Record<string, unknown>): string {
    const cfg = accountingConfig('site-a');
    writeFileSync(path.join(cfg.dir, 'client-secret'), `${credentials.secret ?? CLIENT_SECRET}\n`);
    writeFileSync(path.join(cfg.dir, 'refresh-token'), `${credentials.refreshToken}\n`);
    const text = readFileSync(cfg.file, 'utf8').replace(
      /credentials:[\s\S]*?(?=\naccounting:)/,
      [
        'credentials:',
        '  type: oidc',
        `  issuer_url: ${issuerUrl}`,
        '  client_id: fedstack',
        '  client_secret_file: client-secret',
        '  refresh_token_file: refresh-token',
        `  federation_endpoint: ${env.TESTBED_FEDERATION_URL}`,
      ].join('\n'),
    );
    writeFileSync(cfg.file, text);
    return cfg.file;
  }

  beforeAll(async () => {
    const key = await importPKCS8(readFileSync(env.TESTBED_IDP_KEY!, 'utf8'), 'RS256', { extractable: true });
    const jwk = { ...(await exportJWK(key)), kid: 'testbed', alg: 'RS256', use: 'sig' };
    provider = new Provider(env.TESTBED_OIDC_ISSUER!, {
      clients: [
        {
          client_id: 'fedstack',
          client_secret: CLIENT_SECRET,
          grant_types: ['authorization_code', 'refresh_token'],
          redirect_uris: ['https://fedstack.example.org/callback'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: [jwk] },
      scopes: ['openid', 'offline_access'],
      ttl: { AccessToken: 600, Grant: 3600, IdToken: 600, RefreshToken: 3600 },
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
      extraTokenClaims: (_ctx, token) => {
        const sub = (token as { accountId: string }).accountId;
        return { email: `${sub.split('@')[0]}@example.org`, eduperson_entitlement: entitlements[sub] ?? [] };
      },
      features: {
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: 'openid',
            audience: 'keystone',
            accessTokenFormat: 'jwt',
            accessTokenTTL: 600,
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
    });
    server = provider.listen(0, '127.0.0.1') as unknown as Server;
    await new Promise((r) => server.once('listening', r));
    issuerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('logs in with a refresh token from the provider and scopes to the VO project', async () => {
    const refreshToken = await refreshTokenFor('dora@egi.eu', [voEntitlements()['vo.access.egi.eu']!]);
    const config = loadSiteConfig(configWith({ refreshToken }));
    const voProject = await projectIdOf('site-a', 'vo');
    const unscoped = createSiteSession(config);
    expect((await listAuthProjects(unscoped)).map((p) => p.id)).toEqual([voProject]);
    const scoped = createSiteSession(config, { projectId: voProject, voIndex: 0 });
    const token = await scoped.token();
    expect(token.project?.id).toBe(voProject);
    expect(token.userName).toBe('dora@egi.eu');
    expect(token.methods).toContain('token');
  });

  it('is refused by Keystone when the provider’s token carries no VO entitlement', async () => {
    const refreshToken = await refreshTokenFor('eve@egi.eu', [
      'urn:mace:egi.eu:group:vo.access.egi.eu:role=member#aai.egi.eu',
    ]);
    const session = createSiteSession(loadSiteConfig(configWith({ refreshToken })));
    const error = (await session.token().catch((e: unknown) => e)) as OpenStackError;
    expect(error).toBeInstanceOf(OpenStackError);
    expect(error.code).toBe('OPENSTACK_AUTH');
  });

  it('reports a refused refresh (wrong client secret) clearly and without secrets', async () => {
    const refreshToken = await refreshTokenFor('frank@egi.eu', [voEntitlements()['vo.access.egi.eu']!]);
    const session = createSiteSession(loadSiteConfig(configWith({ refreshToken, secret: 'wrong-secret' })));
    const error = (await session.token().catch((e: unknown) => e)) as FedstackError;
    expect(error).toBeInstanceOf(FedstackError);
    expect(error.code).toBe('OIDC_TOKEN');
    expect(error.message).toMatch(/refused the refresh token \(invalid_client/);
    expect(error.message).not.toContain('wrong-secret');
    expect(error.message).not.toContain(refreshToken);
  });
});
