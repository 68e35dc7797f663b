// Unit tests of the portal's own API without a sign-in configured (session, VM routes, the portal
// header, sign-in redirects) and of who reads the pages' data without a token (access public or
// admin); plus the Cookie header parsing.
import { afterEach, describe, expect, it } from 'vitest';
import { buildHub, type HubApp } from '../../../src/hub/app.js';
import { generateHubToken } from '../../../src/hub/auth/hub-token.js';
import { cookieValue } from '../../../src/hub/http/portal.js';
import { DEFAULT_PORTAL, type PortalAccess } from '../../../src/hub/portal/index.js';
import { cloudMessage, cloudRecord } from '../../helpers/apel-fixtures.js';
import { TEST_NOW_MS } from '../../helpers/test-hub.js';
import { openTestStore, type TestStore } from '../../helpers/test-stores.js';

const ADMIN = { role: 'admin' as const, site: null, tokenId: null };
const NO_SIGN_IN = 'this hub has no sign-in configured (oidc: in its --portal-config)';
const LAUNCH = { vo: 'vo1', image: 'ubuntu' };

let store: TestStore | undefined;
let app: HubApp | undefined;
let adminToken = '';

afterEach(async () => {
  await app?.close();
  await store?.dispose();
  app = undefined;
  store = undefined;
});

/** A hub with the default portal (or `access`), holding one cloud record of SITE-A, vo1. */
async function openHub(access?: PortalAccess): Promise<HubApp> {
  store = await openTestStore('sqlite');
  adminToken = generateHubToken();
  app = await buildHub({
    store: store.store,
    adminToken,
    clock: () => TEST_NOW_MS,
    ingest: { autoStart: false },
    ...(access ? { portal: { ...DEFAULT_PORTAL, access } } : {}),
  });
  const data = Buffer.from(cloudMessage([cloudRecord()])).toString('base64');
  await app.hub.messaging.publish('accounting', 'eu-egi-cloud-accounting', [{ data, attributes: {} }], ADMIN);
  const totals = await app.hub.ingest!.drain();
  expect(totals.loaded).toBe(1);
  return app;
}

const get = (url: string, headers: Record<string, string> = {}) =>
  app!.inject({ method: 'GET', url, headers });

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  app!.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });

/** The location of a redirect, with its sign_in_error decoded. */
function redirect(res: { statusCode: number; headers: Record<string, unknown> }) {
  expect(res.statusCode).toBe(302);
  const location = new URL(String(res.headers.location), 'http://hub.invalid');
  expect(location.origin).toBe('http://hub.invalid'); // a local path, never another origin
  return { path: location.pathname, query: Object.fromEntries(location.searchParams) };
}

describe('the portal API without a sign-in configured', () => {
  it('says nobody is signed in, nobody can sign in, and data needs an admin', async () => {
    await openHub();
    const res = await get('/v1/portal/session');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      signed_in: false,
      can_sign_in: false,
      access: 'admin',
      may_read_data: false,
    });
    // a made-up session cookie changes nothing
    const withCookie = await get('/v1/portal/session', { cookie: 'fedstack_session=made-up' });
    expect(withCookie.json()).toEqual(res.json());
  });

  it('refuses to list VMs with PORTAL_SIGN_IN (401)', async () => {
    await openHub();
    const res = await get('/v1/portal/servers');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'PORTAL_SIGN_IN', message: NO_SIGN_IN } });
    // a hub token is no session
    expect((await get('/v1/portal/servers', { 'x-api-key': adminToken })).statusCode).toBe(401);
  });

  it('refuses a launch without the portal header (403 HUB_FORBIDDEN), and with it asks for a sign-in (401)', async () => {
    await openHub();
    const noHeader: Record<string, string>[] = [
      {},
      { 'x-fedstack-portal': '0' },
      { 'x-fedstack-portal': 'true' },
    ];
    for (const headers of noHeader) {
      const refused = await post('/v1/portal/servers', LAUNCH, headers);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('HUB_FORBIDDEN');
      expect(refused.json().error.message).toContain('x-fedstack-portal: 1');
    }
    const unsigned = await post('/v1/portal/servers', LAUNCH, { 'x-fedstack-portal': '1' });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json().error.code).toBe('PORTAL_SIGN_IN');
  });

  it('checks the portal header on VM actions, deletes and sign-out too', async () => {
    await openHub();
    const action = await post('/v1/portal/servers/SITE-A/vo1/id-1/stop', {});
    expect(action.statusCode).toBe(403);
    const removal = await app!.inject({ method: 'DELETE', url: '/v1/portal/servers/SITE-A/vo1/id-1' });
    expect(removal.statusCode).toBe(403);
    expect(removal.json().error.code).toBe('HUB_FORBIDDEN');
    const logout = await app!.inject({ method: 'POST', url: '/portal/logout' });
    expect(logout.statusCode).toBe(403);
    const withHeader = await app!.inject({
      method: 'DELETE',
      url: '/v1/portal/servers/SITE-A/vo1/id-1',
      headers: { 'x-fedstack-portal': '1' },
    });
    expect(withHeader.json().error.code).toBe('PORTAL_SIGN_IN');
  });

  it('signs out with the header: 204 and the cookie cleared', async () => {
    await openHub();
    const res = await app!.inject({
      method: 'POST',
      url: '/portal/logout',
      headers: { 'x-fedstack-portal': '1', cookie: 'fedstack_session=x' },
    });
    expect(res.statusCode).toBe(204);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^fedstack_session=; /);
    expect(cookie).toContain('Max-Age=0');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure'); // plain HTTP, no https public_url
  });

  it('sends /portal/login back to the page with the reason, and only to a local path', async () => {
    await openHub();
    const plain = redirect(await get('/portal/login'));
    expect(plain).toEqual({ path: '/portal/vms', query: { sign_in_error: NO_SIGN_IN } });
    expect(redirect(await get('/portal/login?return_to=%2Fportal%2Fsites%3Fx%3D1'))).toEqual({
      path: '/portal/sites',
      query: { x: '1', sign_in_error: NO_SIGN_IN },
    });
    for (const elsewhere of [
      '//evil.example/x',
      'https://evil.example/',
      '/\\evil.example',
      'portal/sites',
    ]) {
      const res = await get(`/portal/login?return_to=${encodeURIComponent(elsewhere)}`);
      expect(redirect(res).path, elsewhere).toBe('/portal/vms');
    }
  });

  it('sends /portal/callback back to the VMs page with the reason', async () => {
    await openHub();
    const res = redirect(await get('/portal/callback?code=c&state=s'));
    expect(res).toEqual({ path: '/portal/vms', query: { sign_in_error: NO_SIGN_IN } });
  });
});

describe('who reads the pages data without a token', () => {
  const SUMMARIES = '/v1/accounting/summaries?group_by=month,site,vo';

  it('with access public: the grouped summaries, but not by user, not as APEL, and not the rejects', async () => {
    await openHub('public');
    expect((await get('/v1/portal/session')).json()).toMatchObject({ access: 'public', may_read_data: true });
    const res = await get(SUMMARIES);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.groupBy).toEqual(['month', 'site', 'vo']);
    expect(body.summaries).toEqual([
      expect.objectContaining({ site: 'SITE-A', vo: 'vo1', wallDuration: 3600, numberOfVms: 1 }),
    ]);
    for (const url of [
      '/v1/accounting/summaries?group_by=user',
      '/v1/accounting/summaries?group_by=site,user',
      '/v1/accounting/summaries', // APEL's grouping names users
      '/v1/accounting/summaries?format=apel',
    ]) {
      const refused = await get(url);
      expect(refused.statusCode, url).toBe(403);
      expect(refused.json().error.code, url).toBe('HUB_FORBIDDEN');
    }
    const rejects = await get('/v1/accounting/rejects');
    expect(rejects.statusCode).toBe(401);
    expect(rejects.json().error.code).toBe('HUB_UNAUTHENTICATED');
    // a token still reads what the anonymous reader may not
    expect((await get('/v1/accounting/rejects', { 'x-api-key': adminToken })).statusCode).toBe(200);
    expect(
      (await get('/v1/accounting/summaries?group_by=user', { 'x-api-key': adminToken })).statusCode,
    ).toBe(200);
    expect((await get('/v1/registry/sites')).statusCode).toBe(200);
  });

  it('with access admin (the default): nothing without a token or an admin session', async () => {
    await openHub('admin');
    for (const url of [SUMMARIES, '/v1/accounting/sites', '/v1/registry/sites', '/v1/images/catalogue']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error.code, url).toBe('HUB_UNAUTHENTICATED');
      expect((await get(url, { cookie: 'fedstack_session=made-up' })).statusCode, url).toBe(401);
    }
    const withToken = await get(SUMMARIES, { 'x-api-key': adminToken });
    expect(withToken.statusCode).toBe(200);
    expect(withToken.json().summaries).toHaveLength(1);
  });

  it('leaves the routes that never needed a token open either way', async () => {
    await openHub('admin');
    expect((await get('/v1/status')).statusCode).toBe(200);
    expect((await get('/v1/vos')).statusCode).toBe(200);
  });
});

describe('cookieValue', () => {
  it('finds the named cookie among others, trimmed', () => {
    expect(cookieValue('a=1; fedstack_session=xyz; b=2', 'fedstack_session')).toBe('xyz');
    expect(cookieValue('  fedstack_session =  xyz  ;b=2', 'fedstack_session')).toBe('xyz');
    expect(cookieValue('fedstack_session=xyz', 'fedstack_session')).toBe('xyz');
  });

  it('is undefined without a header, or without that cookie', () => {
    expect(cookieValue(undefined, 'fedstack_session')).toBeUndefined();
    expect(cookieValue('', 'fedstack_session')).toBeUndefined();
    expect(cookieValue('a=1; b=2', 'fedstack_session')).toBeUndefined();
    expect(cookieValue('xfedstack_session=1; fedstack_session_old=2', 'fedstack_session')).toBeUndefined();
    expect(cookieValue('=fedstack_session; fedstack_session', 'fedstack_session')).toBeUndefined();
  });

  it('takes the first of repeated cookies, keeps = in the value and percent-decodes it', () => {
    expect(cookieValue('fedstack_session=one; fedstack_session=two', 'fedstack_session')).toBe('one');
    expect(cookieValue('fedstack_session=a=b==', 'fedstack_session')).toBe('a=b==');
    expect(cookieValue('fedstack_session=a%20b%3Bc', 'fedstack_session')).toBe('a b;c');
    expect(cookieValue('fedstack_session=', 'fedstack_session')).toBe('');
  });

  it('takes a value that is not percent-encoding for no cookie, instead of failing the request', () => {
    expect(cookieValue('fedstack_session=%E0%A4%A', 'fedstack_session')).toBeUndefined();
    expect(cookieValue('fedstack_session=%zz; other=1', 'fedstack_session')).toBeUndefined();
  });
});
