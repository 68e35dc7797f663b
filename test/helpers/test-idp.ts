// A real OIDC provider (the oidc-provider package) for tests, signing with the key the testbed's
// OIDC fronts trust and issuing JWT access tokens with the entitlements a test gives each user:
// refresh tokens made directly, and the device flow with an approval the test performs.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, importPKCS8 } from 'jose';
import Provider from 'oidc-provider';
import { testbedEnv } from './testbed.js';

/** The audience the testbed's fronts accept. */
const RESOURCE = 'https://keystone.testbed.local';
/** A confidential client with the refresh grant, and a public one with the device flow. */
export const IDP_CLIENT_SECRET = 'client-secret-for-tests';
export const IDP_DEVICE_CLIENT = 'fedstack-cli';

/** A running test IdP. */
export interface TestIdp {
  readonly provider: Provider;
  /** Where it answers (its `iss` is the testbed's issuer name). */
  readonly url: string;
  /** A refresh token of client `fedstack` for `sub` with `entitlements`. */
  refreshTokenFor(sub: string, entitlements: string[]): Promise<string>;
  /** Approves a pending device login (`user_code`) as `sub` with `entitlements`. */
  approveDevice(userCode: string, sub: string, entitlements: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Starts the IdP on a free port of 127.0.0.1. */
export async function startTestIdp(): Promise<TestIdp> {
  const env = testbedEnv('site-a');
  const entitlements: Record<string, string[]> = {};
  const key = await importPKCS8(readFileSync(env.TESTBED_IDP_KEY!, 'utf8'), 'RS256', { extractable: true });
  const jwk = { ...(await exportJWK(key)), kid: 'testbed', alg: 'RS256', use: 'sig' };
  const provider = new Provider(env.TESTBED_OIDC_ISSUER!, {
    clients: [
      {
        client_id: 'fedstack',
        client_secret: IDP_CLIENT_SECRET,
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: ['https://fedstack.example.org/callback'],
        response_types: ['code'],
      },
      {
        client_id: IDP_DEVICE_CLIENT,
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        redirect_uris: [],
        response_types: [],
      },
    ],
    jwks: { keys: [jwk] },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'eduperson_entitlement'],
    ttl: { AccessToken: 600, Grant: 3600, IdToken: 600, RefreshToken: 3600, DeviceCode: 600 },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    extraTokenClaims: (_ctx, token) => {
      const sub = (token as { accountId: string }).accountId;
      return { email: `${sub.split('@')[0]}@example.org`, eduperson_entitlement: entitlements[sub] ?? [] };
    },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
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
  const server = provider.listen(0, '127.0.0.1') as unknown as Server;
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const grantFor = async (sub: string, clientId: string): Promise<string> => {
    const grant = new provider.Grant({ accountId: sub, clientId });
    grant.addOIDCScope('openid offline_access');
    grant.addResourceScope(RESOURCE, 'openid');
    return grant.save();
  };
  return {
    provider,
    url,
    async refreshTokenFor(sub, ents) {
      entitlements[sub] = ents;
      const client = await provider.Client.find('fedstack');
      const token = new provider.RefreshToken({
        client: client!,
        accountId: sub,
        grantId: await grantFor(sub, 'fedstack'),
        scope: 'openid offline_access',
        resource: RESOURCE,
        gty: 'authorization_code',
        expiresWithSession: false,
      });
      return token.save();
    },
    async approveDevice(userCode, sub, ents) {
      entitlements[sub] = ents;
      const code =
        (await provider.DeviceCode.findByUserCode(userCode)) ??
        (await provider.DeviceCode.findByUserCode(userCode.replace(/-/g, '')));
      if (!code) throw new Error(`no pending device login with code ${userCode}`);
      code.accountId = sub;
      code.grantId = await grantFor(sub, IDP_DEVICE_CLIENT);
      code.authTime = Math.floor(Date.now() / 1000);
      code.scope = 'openid offline_access';
      code.resource = RESOURCE;
      await code.save();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
