// The portal in a real browser (Debian's chromium driven by playwright-core) on the real chain:
// both testbed sites publish discovery to the hub, site-a's accounting is extracted and sent to
// it, and a user signs in at the real oidc-provider. Every page is loaded, checked with axe-core
// and photographed (test-results/screenshots); the accounting CSV is compared with the API; a VM
// is launched on a testbed site from the VMs page, seen ACTIVE and deleted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub, type HubApp } from '../../src/hub/app.js';
import { DEFAULT_PORTAL } from '../../src/hub/portal/index.js';
import {
  collectAll,
  deleteServer,
  paginateServers,
  type OpenStackSession,
} from '../../src/openstack/index.js';
import { accountingConfig } from '../helpers/accounting.js';
import { checkAccessibility, collectPageErrors, launchBrowser, screenshot } from '../helpers/browser.js';
import { deleteAll } from '../helpers/cleanup.js';
import { runCli } from '../helpers/cli.js';
import { until } from '../helpers/daemon.js';
import { adminInProject } from '../helpers/sessions.js';
import { IDP_CLIENT_SECRET, IDP_PORTAL_CLIENT, startTestIdp, type TestIdp } from '../helpers/test-idp.js';
import { sampleCatalogueEntry } from '../helpers/image-lists.js';
import { bootTestServers } from '../helpers/test-servers.js';
import { testbedEnv } from '../helpers/testbed.js';
import { publishTestbedDiscovery } from '../helpers/testbed-discovery.js';
import { addTestToken, openTestStore, type TestStore } from '../helpers/test-stores.js';

const VO = 'vo.access.egi.eu';
const E = (rest: string) => `urn:mace:egi.eu:group:${rest}#aai.egi.eu`;
const SITES = { 'site-a': 'TESTBED-SITE-A', 'site-b': 'TESTBED-SITE-B' } as const;
const USER = `portal-it-${process.pid}`;
/** A user of another VO only. */
const OTHER_USER = `portal-it-other-${process.pid}`;
const ADMIN_TOKEN = `portal-it-${process.pid}`;
const LAUNCHED = `portal-it-vm-${process.pid}`;
/** The pages' content security policy would refuse the injected axe-core script. */
const CONTEXT = { acceptDownloads: true, bypassCSP: true };

/** A port of 127.0.0.1 free right now (the hub's redirect URI must be known before it listens). */
async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Parses the CSV the page offers (no quoted commas in these names). */
function csvRows(text: string): string[][] {
  return text
    .trim()
    .split(/\r?\n/)
    .map((l) => l.split(','));
}

describe('the portal in chromium, on the testbed sites and a real OIDC provider', () => {
  let store: TestStore;
  let hub: HubApp;
  let base = '';
  let idp: TestIdp;
  let browser: Browser;
  let admin: OpenStackSession;
  let blackhole: Server;
  const held = new Set<Socket>();
  const booted: string[] = [];
  const month = new Date().toISOString().slice(0, 7);
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-portal-it-'));

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startTestIdp({ portalRedirectUris: [`${base}/portal/callback`] });
    idp.setEntitlements(USER, [E(`${VO}:role=member`), E(`${VO}:role=vm_operator`)]);
    idp.setEntitlements(OTHER_USER, [
      E('fedcloud.egi.eu:role=member'),
      E('fedcloud.egi.eu:role=vm_operator'),
    ]);
    // a site that accepts connections and never answers: the VMs page must name it and go on
    blackhole = createTcpServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const deadPort = (blackhole.address() as AddressInfo).port;
    store = await openTestStore('sqlite');
    hub = await buildHub({
      store: store.store,
      adminToken: ADMIN_TOKEN,
      portal: {
        ...DEFAULT_PORTAL,
        access: 'public',
        login: {
          issuer: idp.url,
          clientId: IDP_PORTAL_CLIENT,
          clientSecret: IDP_CLIENT_SECRET,
          scope: 'openid profile email eduperson_entitlement offline_access',
          publicUrl: base,
        },
        timeoutMs: 4000,
        sites: {
          'TESTBED-SITE-A': { federationEndpoint: testbedEnv('site-a').TESTBED_FEDERATION_URL! },
          'TESTBED-SITE-B': { federationEndpoint: testbedEnv('site-b').TESTBED_FEDERATION_URL! },
          'DEAD-SITE': { endpoint: `http://127.0.0.1:${deadPort}/v3`, projects: { [VO]: 'f'.repeat(32) } },
        },
      },
    });
    await hub.listen({ host: '127.0.0.1', port });

    // discovery of both sites, published to the hub
    await publishTestbedDiscovery(store.store, base, dir, `portal-it-${process.pid}`);
    // an entry of the VO's image list in the catalogue
    const put = await fetch(`${base}/v1/images/vo/${VO}/entries/portal-it-image`, {
      method: 'PUT',
      headers: { 'x-api-key': ADMIN_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ ...sampleCatalogueEntry(), 'dc:date:expires': '2099-01-01T00:00:00Z' }),
    });
    expect(put.status, await put.clone().text()).toBeLessThan(300);
    // a VM of the VO at site-a, then site-a's accounting sent to the hub
    admin = await adminInProject('site-a', 'vo');
    booted.push(...(await bootTestServers(admin, [`portal-it-${process.pid}`])));
    const publisher = await addTestToken(
      store.store,
      `portal-it-acct-${process.pid}`,
      'publisher',
      SITES['site-a'],
    );
    const cfg = accountingConfig('site-a', {
      default_extract_from: String(Math.floor(Date.now() / 1000) - 3 * 86_400),
      ams: { url: base, project: 'accounting', topic: 'eu-egi-cloud-accounting', token_file: 'ams-token' },
    });
    writeFileSync(path.join(cfg.dir, 'ams-token'), `${publisher}\n`);
    expect((await runCli(['site', 'accounting', 'extract', '--config', cfg.file])).code).toBe(0);
    expect((await runCli(['site', 'accounting', 'send', '--config', cfg.file])).code).toBe(0);
    await hub.hub.ingest!.drain();
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    if (admin) {
      const mine = (await collectAll(paginateServers(admin))).filter((s) => s.name.startsWith('portal-it-'));
      await deleteAll([...new Set([...booted, ...mine.map((s) => s.id)])], (id) => deleteServer(admin, id));
    }
    for (const s of held) s.destroy();
    blackhole?.close();
    await hub?.close();
    await store?.dispose();
    await idp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh page whose errors are collected. */
  async function open(context?: BrowserContext): Promise<{ page: Page; errors: string[] }> {
    const page = await (context ?? (await browser.newContext(CONTEXT))).newPage();
    return { page, errors: collectPageErrors(page) };
  }

  /** Loads `url`, waits for `ready`, checks accessibility and takes the screenshot `name`. */
  async function visit(page: Page, url: string, ready: string, name: string): Promise<void> {
    await page.goto(`${base}${url}`);
    await page.locator(ready).first().waitFor({ timeout: 20_000 });
    await expect(checkAccessibility(page)).resolves.toEqual([]);
    await screenshot(page, name);
  }

  it('shows the accounting of the real chain, equal to the API, and offers it as CSV', async () => {
    const { page, errors } = await open();
    await visit(page, `/portal/accounting?from=${month}&to=${month}`, 'table.matrix', 'accounting');
    await expect(page.locator('table.matrix tbody th', { hasText: VO }).count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('table.matrix').innerText()).resolves.toContain(SITES['site-a']);

    // the download is the table; its numbers are the API's (anonymous, as the page reads it)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const csv = csvRows(
      await (await download.createReadStream()).toArray().then((b) => Buffer.concat(b).toString()),
    );
    expect(csv[0]).toEqual(['vo', 'site', month, 'total']);
    const api = (await (
      await fetch(`${base}/v1/accounting/summaries?from=${month}&to=${month}&group_by=month,site,vo`)
    ).json()) as { summaries: { vo: string; site: string; wallDuration: number }[] };
    const body = csv.slice(1, -1);
    expect(body.length).toBe(api.summaries.length);
    for (const s of api.summaries) {
      const row = body.find((r) => r[0] === s.vo && r[1] === s.site);
      expect(row, `${s.vo} at ${s.site}`).toBeDefined();
      expect(Number(row![2])).toBe(Math.round((s.wallDuration / 3600) * 100) / 100);
    }

    // filters are kept in the address: choosing a measure and a site changes the URL and the view
    await page.getByLabel('Measure').selectOption('vms');
    await expect.poll(() => page.url()).toContain('metric=vms');
    await page.getByLabel('Sites').fill(SITES['site-b']);
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.url()).toContain(`site=${SITES['site-b']}`);
    // site-b sent no accounting: the page says so
    await page.locator('.notice.info', { hasText: 'No vms recorded' }).waitFor();
    await expect(page.locator('table.matrix').count()).resolves.toBe(0);
    expect(errors).toEqual([]);
  });

  it('says which filters of a broken address it ignored, and still shows the page', async () => {
    const { page, errors } = await open();
    await visit(
      page,
      '/portal/accounting?from=2025-13&metric=joules&site=%3Cb%3E',
      '.notice.warning',
      'accounting-bad-filter',
    );
    const warning = await page.locator('.notice.warning').innerText();
    expect(warning).toContain('from="2025-13" is not a month');
    expect(warning).toContain('metric="joules" is not one of');
    expect(warning).toContain('"<b>" is not a name');
    await page.locator('table.matrix, .notice.info').first().waitFor();
    expect(errors).toEqual([]);
  });

  it('lists the sites with their publications, and a site page with its images and flavors', async () => {
    const { page, errors } = await open();
    await visit(page, '/portal/sites', 'main table', 'sites');
    const table = await page.locator('main table').innerText();
    expect(table).toContain(SITES['site-a']);
    expect(table).toContain(SITES['site-b']);
    await page.getByRole('link', { name: SITES['site-a'] }).click();
    await page.locator('#h-images').waitFor();
    expect(page.url()).toBe(`${base}/portal/sites/${SITES['site-a']}`);
    await expect(checkAccessibility(page)).resolves.toEqual([]);
    await screenshot(page, 'site');
    await expect(page.locator('main').innerText()).resolves.toMatch(/Local Ubuntu 22\.04/);
    await expect(page.locator('main').innerText()).resolves.toMatch(/m1\.small: \d+ vCPU/);
    // the registry has no entry for it here: that is said, the rest still shows
    await expect(page.locator('main').innerText()).resolves.toContain('No registry entry');
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
  });

  it('finds flavors by CPU and GPU, and lists the image catalogue', async () => {
    const { page, errors } = await open();
    await visit(page, `/portal/flavors?vo=${VO}&min_cpu=2`, 'main table', 'flavors');
    const cpus = await page.locator('main tbody tr td:nth-child(3)').allInnerTexts();
    expect(cpus.length).toBeGreaterThan(0);
    expect(cpus.every((c) => Number(c) >= 2)).toBe(true);
    await page.getByLabel('Min GPUs').fill('1');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => page.url()).toContain('min_gpus=1');
    await page.locator('main table, .notice').first().waitFor();
    const gpus = await page.locator('main tbody tr td:nth-child(6)').allInnerTexts();
    expect(gpus.length).toBeGreaterThan(0);
    expect(gpus.every((g) => /^\d+ × /.test(g))).toBe(true);
    await screenshot(page, 'flavors-gpu');
    await visit(page, '/portal/images', 'main table', 'images');
    await expect(page.locator(`main h2`, { hasText: VO }).count()).resolves.toBe(1);
    const title = String(sampleCatalogueEntry()['dc:title']);
    await expect(page.locator('main tbody th', { hasText: title }).count()).resolves.toBe(1);
    expect(errors).toEqual([]);
  });

  it('keeps VM actions from anyone not signed in', async () => {
    const { page, errors } = await open();
    await visit(page, '/portal/vms', 'main a.button', 'vms-signed-out');
    await expect(page.locator('main').innerText()).resolves.toContain('Sign in to see your VMs');
    expect((await fetch(`${base}/v1/portal/servers`)).status).toBe(401);
    const forged = await fetch(`${base}/v1/portal/servers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'fedstack_session=guessed' },
      body: JSON.stringify({ vo: VO, image: 'x' }),
    });
    expect(forged.status).toBe(403); // no portal header: a cross-site form
    const guessed = await fetch(`${base}/v1/portal/servers`, {
      headers: { cookie: 'fedstack_session=guessed' },
    });
    expect(guessed.status).toBe(401);
    expect(((await guessed.json()) as { error: { code: string } }).error.code).toBe('PORTAL_SIGN_IN');
    expect(errors).toEqual([]);
  });

  it('signs in at the provider, launches a VM on a testbed site, sees it ACTIVE and deletes it', async () => {
    const context = await browser.newContext(CONTEXT);
    const { page, errors } = await open(context);
    await page.goto(`${base}/portal/vms`);
    await page.getByRole('link', { name: 'Sign in' }).first().click();
    await page.getByLabel('User').fill(USER);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/portal/vms');
    expect(new URL(page.url()).searchParams.get('sign_in_error')).toBeNull();
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'fedstack_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    await page.locator('main table, main .notice.warning').first().waitFor({ timeout: 30_000 });
    // the dead site costs one line; the VM booted at site-a is listed
    await expect(page.locator('.notice.warning').innerText()).resolves.toContain('DEAD-SITE');
    await expect(page.locator(`tr[data-server="${booted[0]}"]`).innerText()).resolves.toContain('ACTIVE');
    await expect(checkAccessibility(page)).resolves.toEqual([]);
    await screenshot(page, 'vms');

    // launch: VO → image → flavor → site (automatic)
    await page
      .locator('select[name=image] option[value="Local Ubuntu 22.04"]')
      .waitFor({ state: 'attached' });
    await page.locator('select[name=image]').selectOption('Local Ubuntu 22.04');
    await page.locator('input[name=name]').fill(LAUNCHED);
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.locator('.notice.info', { hasText: `Launched ${LAUNCHED}` }).waitFor({ timeout: 120_000 });
    const row = page.locator('tr', { hasText: LAUNCHED });
    await until(
      `${LAUNCHED} ACTIVE on the page`,
      async () => ((await row.innerText().catch(() => '')).includes('ACTIVE') ? true : undefined),
      180_000,
    );
    await screenshot(page, 'vms-launched');

    // another user, signed in in another browser, may not touch it
    const other = await browser.newContext(CONTEXT);
    const otherPage = await other.newPage();
    await otherPage.goto(`${base}/portal/login?return_to=%2Fportal%2Fvms`);
    await otherPage.getByLabel('User').fill(OTHER_USER);
    await otherPage.getByRole('button', { name: 'Sign in' }).click();
    await otherPage.waitForURL((u) => u.pathname === '/portal/vms');
    const otherCookie = (await other.cookies()).find((c) => c.name === 'fedstack_session')!;
    expect(otherCookie.value).not.toBe(cookie!.value);
    await otherPage.locator('main table, main p', { hasText: /VMs/ }).first().waitFor({ timeout: 30_000 });
    await expect(otherPage.locator('main').innerText()).resolves.not.toContain(LAUNCHED);
    const launchedId = await row.getAttribute('data-server');
    const launchedSite = await row.locator('td').first().innerText();
    const refused = await fetch(`${base}/v1/portal/servers/${launchedSite}/${VO}/${launchedId}`, {
      method: 'DELETE',
      headers: { cookie: `fedstack_session=${otherCookie.value}`, 'x-fedstack-portal': '1' },
    });
    expect(refused.status).toBe(403);
    await other.close();

    // delete, confirmed; the row goes
    await page.getByRole('button', { name: `Delete ${LAUNCHED}` }).click();
    await page.getByRole('button', { name: `Confirm deleting ${LAUNCHED}` }).click();
    await page.locator('.notice.info', { hasText: `Deleting ${LAUNCHED}` }).waitFor();
    await until(
      `${LAUNCHED} gone from the page`,
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page.locator('main table, main .notice').first().waitFor();
        return (await row.count()) === 0 ? true : undefined;
      },
      180_000,
    );

    // the session ends (signed out elsewhere): the page says so and offers to sign in again
    await fetch(`${base}/portal/logout`, {
      method: 'POST',
      headers: { cookie: `fedstack_session=${cookie!.value}`, 'x-fedstack-portal': '1' },
    });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('.notice.error', { hasText: 'your session has ended' }).waitFor();
    await expect(page.locator('.notice.error a', { hasText: 'Sign in' }).count()).resolves.toBe(1);
    await screenshot(page, 'vms-session-ended');
    expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
    await context.close();
  }, 600_000);

  it('works at phone width and from the keyboard', async () => {
    const context = await browser.newContext({ ...CONTEXT, viewport: { width: 390, height: 844 } });
    const { page } = await open(context);
    await visit(page, `/portal/accounting?from=${month}&to=${month}`, 'table.matrix', 'accounting-phone');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    await page.keyboard.press('Tab');
    await expect(page.evaluate<string | undefined>('document.activeElement?.textContent')).resolves.toBe(
      'Skip to the page',
    );
    await page.keyboard.press('Enter');
    await expect(page.evaluate<string | undefined>('document.activeElement?.id')).resolves.toBe('main');
    await context.close();
  });
});
