// A browser sign-in at the test IdP, driven in chromium: a tiny relying party sends the browser to the
// IdP with the authorization code flow and PKCE (S256), the user signs in on the IdP's login page, and
// the relying party exchanges the code (client_secret_basic) for access, ID and refresh tokens.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAccessibility, collectPageErrors, launchBrowser, screenshot } from '../helpers/browser.js';
import { IDP_CLIENT_SECRET, IDP_PORTAL_CLIENT, startTestIdp, type TestIdp } from '../helpers/test-idp.js';
import { testbedEnv } from '../helpers/testbed.js';

const SCOPE = 'openid profile email eduperson_entitlement offline_access';
const ENTITLEMENTS = [
  'urn:mace:egi.eu:group:vo.access.egi.eu:role=member#aai.egi.eu',
  'urn:mace:egi.eu:group:vo.access.egi.eu:role=vm_operator#aai.egi.eu',
];

/** The IdP's discovery document, as far as it is used here. */
interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');
const basicAuth = `Basic ${Buffer.from(`${IDP_PORTAL_CLIENT}:${IDP_CLIENT_SECRET}`).toString('base64')}`;

/**
 * The relying party: `/portal/start` sends the browser to the IdP, `/portal/callback` checks the state,
 * exchanges the code and answers with the token response's keys (the tokens stay in `tokens`).
 */
async function startRelyingParty() {
  let idpUrl = '';
  let pending: { state: string; nonce: string; verifier: string } | undefined;
  const rp = {
    url: '',
    redirectUri: '',
    nonce: '',
    tokens: undefined as Record<string, unknown> | undefined,
    useIdp: (url: string) => void (idpUrl = url),
    discovery: async (): Promise<Discovery> =>
      (await (await fetch(`${idpUrl}/.well-known/openid-configuration`)).json()) as Discovery,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url!, rp.url);
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      const discovery = await rp.discovery();
      if (url.pathname === '/portal/start') {
        const verifier = base64url(randomBytes(48));
        pending = { state: base64url(randomBytes(16)), nonce: base64url(randomBytes(16)), verifier };
        rp.nonce = pending.nonce;
        const auth = new URL(discovery.authorization_endpoint);
        auth.search = new URLSearchParams({
          response_type: 'code',
          client_id: IDP_PORTAL_CLIENT,
          redirect_uri: rp.redirectUri,
          scope: SCOPE,
          state: pending.state,
          nonce: pending.nonce,
          code_challenge: base64url(createHash('sha256').update(verifier).digest()),
          code_challenge_method: 'S256',
        }).toString();
        res.writeHead(302, { Location: auth.href });
        return res.end();
      }
      // no icon, and no console error for the browser's request of one
      if (url.pathname === '/favicon.ico') return res.writeHead(204).end();
      if (url.pathname !== '/portal/callback') return answer(404, { error: 'not_found' });
      const code = url.searchParams.get('code');
      if (!pending || !code || url.searchParams.get('state') !== pending.state)
        return answer(400, { error: url.searchParams.get('error') ?? 'bad callback' });
      // the hub's way: HTTP Basic client auth, and client_id in the form too
      const exchange = await fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: { Authorization: basicAuth, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: IDP_PORTAL_CLIENT,
          code,
          redirect_uri: rp.redirectUri,
          code_verifier: pending.verifier,
        }),
      });
      pending = undefined;
      const body = (await exchange.json()) as Record<string, unknown>;
      if (!exchange.ok) return answer(502, body);
      rp.tokens = body;
      answer(200, Object.keys(body).sort());
    })().catch((error: unknown) => answer(500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rp.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rp.redirectUri = `${rp.url}/portal/callback`;
  return rp;
}

describe('browser sign-in at the test IdP (code flow with PKCE)', () => {
  let rp: Awaited<ReturnType<typeof startRelyingParty>>;
  let idp: TestIdp;
  let browser: Browser;

  beforeAll(async () => {
    rp = await startRelyingParty();
    idp = await startTestIdp({ portalRedirectUris: [rp.redirectUri] });
    rp.useIdp(idp.url);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await idp?.close();
    await rp?.close();
  });

  it('signs in on the IdP’s accessible login page and gets access, ID and refresh tokens', async () => {
    const sub = `portal-${process.pid}@egi.eu`;
    idp.setEntitlements(sub, ENTITLEMENTS);
    const page = await browser.newPage();
    const errors = collectPageErrors(page);

    await page.goto(`${rp.url}/portal/start`);
    expect(page.url()).toMatch(new RegExp(`^${idp.url}/interaction/[\\w-]+$`));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Test identity provider');
    expect(existsSync(await screenshot(page, 'idp-login'))).toBe(true);
    expect(await checkAccessibility(page)).toEqual([]);

    await page.getByLabel('User').fill(sub);
    const [callback] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${rp.redirectUri}?`)),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(callback.status(), await callback.text()).toBe(200);
    await page.waitForLoadState('load');
    expect(await callback.json()).toEqual(
      expect.arrayContaining(['access_token', 'id_token', 'refresh_token']),
    );
    expect(errors).toEqual([]);

    const tokens = rp.tokens!;
    const issuer = testbedEnv('site-a').TESTBED_OIDC_ISSUER;
    const access = decodeJwt(tokens.access_token as string);
    expect(access).toMatchObject({ iss: issuer, sub, aud: 'keystone', eduperson_entitlement: ENTITLEMENTS });
    expect(decodeJwt(tokens.id_token as string)).toMatchObject({
      iss: issuer,
      sub,
      aud: IDP_PORTAL_CLIENT,
      nonce: rp.nonce,
      name: `Test user ${sub}`,
      email: `portal-${process.pid}@example.org`,
    });

    // the refresh token is one the portal can use
    const refreshed = await fetch((await rp.discovery()).token_endpoint, {
      method: 'POST',
      headers: { Authorization: basicAuth, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token as string,
      }),
    });
    const renewed = (await refreshed.json()) as Record<string, unknown>;
    expect(refreshed.status, JSON.stringify(renewed)).toBe(200);
    expect(decodeJwt(renewed.access_token as string)).toMatchObject({ sub, aud: 'keystone' });
    await page.close();
  });

  it('sends a portal request without a PKCE challenge back with invalid_request', async () => {
    const auth = new URL((await rp.discovery()).authorization_endpoint);
    auth.search = new URLSearchParams({
      response_type: 'code',
      client_id: IDP_PORTAL_CLIENT,
      redirect_uri: rp.redirectUri,
      scope: SCOPE,
      state: 'no-pkce',
    }).toString();
    const res = await fetch(auth, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(rp.redirectUri);
    expect(location.searchParams.get('state')).toBe('no-pkce');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/requires PKCE/);
  });
});
