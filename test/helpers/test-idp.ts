// A real OIDC provider (the oidc-provider package) for tests, signing with the key the testbed's
// OIDC fronts trust and issuing JWT access tokens with the entitlements a test gives each user:
// refresh tokens made directly, the device flow with an approval the test performs, and a browser
// sign-in (authorization code + PKCE) of the portal through a small login page of its own.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, importPKCS8 } from 'jose';
import Provider from 'oidc-provider';
import { testbedEnv } from './testbed.js';

/** The audience the testbed's fronts accept. */
const RESOURCE = 'https://keystone.testbed.local';
/** A confidential client with the refresh grant, and a public one with the device flow. */
export const IDP_CLIENT_SECRET = 'client-secret-for-tests';
export const IDP_DEVICE_CLIENT = 'fedstack-cli';
/** The portal's confidential client (code flow with PKCE), present when redirect URIs are given. */
export const IDP_PORTAL_CLIENT = 'fedstack-portal';
/** The scopes the portal client is granted without a consent prompt. */
const PORTAL_SCOPE = 'openid profile email eduperson_entitlement offline_access';

/** A running test IdP. */
export interface TestIdp {
  readonly provider: Provider;
  /** Where it answers (its `iss` is the testbed's issuer name). */
  readonly url: string;
  /** A refresh token of client `fedstack` for `sub` with `entitlements`. */
  refreshTokenFor(sub: string, entitlements: string[]): Promise<string>;
  /** Approves a pending device login (`user_code`) as `sub` with `entitlements`. */
  approveDevice(userCode: string, sub: string, entitlements: string[]): Promise<void>;
  /** The entitlements of `sub`'s next tokens (set before a browser sign-in as `sub`). */
  setEntitlements(sub: string, entitlements: string[]): void;
  close(): Promise<void>;
}

/** Options of {@link startTestIdp}. */
export interface TestIdpOptions {
  /** Redirect URIs of the portal client {@link IDP_PORTAL_CLIENT}; without them there is no such client. */
  readonly portalRedirectUris?: string[];
}

/**
 * Starts the IdP on a free port of 127.0.0.1. A browser signs in at its login page
 * (`/interaction/:uid`) by typing any user name, which becomes the `sub`.
 */
export async function startTestIdp(options: TestIdpOptions = {}): Promise<TestIdp> {
  const env = testbedEnv('site-a');
  const entitlements: Record<string, string[]> = {};
  const key = await importPKCS8(readFileSync(env.TESTBED_IDP_KEY!, 'utf8'), 'RS256', { extractable: true });
  const jwk = { ...(await exportJWK(key)), kid: 'testbed', alg: 'RS256', use: 'sig' };
  const portalClients = options.portalRedirectUris
    ? [
        {
          client_id: IDP_PORTAL_CLIENT,
          client_secret: IDP_CLIENT_SECRET,
          token_endpoint_auth_method: 'client_secret_basic' as const,
          grant_types: ['authorization_code', 'refresh_token'],
          redirect_uris: options.portalRedirectUris,
          response_types: ['code' as const],
        },
      ]
    : [];
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
      ...portalClients,
    ],
    jwks: { keys: [jwk] },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'eduperson_entitlement'],
    // name and email go into the ID token itself, as the portal reads them from there
    claims: {
      acr: null,
      sid: null,
      auth_time: null,
      iss: null,
      openid: ['sub'],
      profile: ['name'],
      email: ['email'],
    },
    conformIdTokenClaims: false,
    ttl: { AccessToken: 600, Grant: 3600, IdToken: 600, RefreshToken: 3600, DeviceCode: 600 },
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, name: `Test user ${sub}`, email: `${sub.split('@')[0]}@example.org` }),
    }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // the portal is always granted its scopes: no consent prompt after the login
    loadExistingGrant: async (ctx) => {
      const { client, session } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session?.grantIdFor(client!.clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (client?.clientId !== IDP_PORTAL_CLIENT) return existing;
      const accountId = session?.accountId;
      if (!accountId) return undefined;
      const grant =
        existing?.accountId === accountId
          ? existing
          : new ctx.oidc.provider.Grant({ clientId: IDP_PORTAL_CLIENT, accountId });
      grant.addOIDCScope(PORTAL_SCOPE);
      grant.addResourceScope(RESOURCE, 'openid');
      await grant.save();
      return grant;
    },
    // a refresh token whenever the client may refresh (by default only after prompt=consent)
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // PKCE (S256, the only method) for public clients, as by default, and for the portal
    pkce: {
      required: (_ctx, client) => client.clientAuthMethod === 'none' || client.clientId === IDP_PORTAL_CLIENT,
    },
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
  // the login pages here, every other path to the provider
  const callback = provider.callback();
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/interaction/')) void interaction(provider, req, res);
    else void callback(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
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
    setEntitlements(sub, ents) {
      entitlements[sub] = ents;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // a browser keeps its connections open
        server.closeAllConnections();
      }),
  };
}

/** The login page of interaction `uid`: a form that posts the user name back to it. */
function loginPage(uid: string, error?: string): string {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Sign in - Test identity provider</title>
</head>
<body>
<main>
<h1>Test identity provider</h1>
${error ? `<p role="alert">${error}</p>\n` : ''}<form method="post" action="${action}">
<label for="user">User</label>
<input id="user" name="user" autocomplete="username" required>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;
}

/** GET shows the login page of a pending interaction; POST signs its user in. */
async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (status: number, type: string, body: string) => {
    res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-store' });
    res.end(body);
  };
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.url !== `/interaction/${details.uid}`)
      return send(400, 'text/plain', `no login pending at ${req.url}`);
    // prompt=consent (asked with offline_access) is granted at once for the portal's scopes
    if (details.prompt.name === 'consent' && details.session?.accountId) {
      const grant = details.grantId
        ? (await provider.Grant.find(details.grantId))!
        : new provider.Grant({
            clientId: String(details.params.client_id),
            accountId: details.session.accountId,
          });
      grant.addOIDCScope(PORTAL_SCOPE);
      grant.addResourceScope(RESOURCE, 'openid');
      const grantId = await grant.save();
      return void (await provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      ));
    }
    if (details.prompt.name !== 'login') return send(400, 'text/plain', `no login pending at ${req.url}`);
    if (req.method === 'GET') return send(200, 'text/html', loginPage(details.uid));
    if (req.method !== 'POST') return send(405, 'text/plain', 'method not allowed');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const user = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('user')?.trim();
    if (!user) return send(400, 'text/html', loginPage(details.uid, 'Enter a user name.'));
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user } },
      { mergeWithLastSubmission: false },
    );
  } catch (error) {
    if (!res.headersSent) send(400, 'text/plain', `login failed: ${(error as Error).message}`);
  }
}
