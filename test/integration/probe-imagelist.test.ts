// `fedstack probe imagelist` against the hub's signed VO image list: OK when fresh and signed by a
// trusted CA; WARNING when old; CRITICAL when the CA is not trusted or the list cannot be fetched.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub, type HubApp } from '../../src/hub/app.js';
import { imageListProbe } from '../../src/probe/index.js';
import { runCli } from '../helpers/cli.js';
import { sampleCatalogueEntry } from '../helpers/image-lists.js';
import { createTestPki, type TestPki } from '../helpers/openssl-ca.js';
import { addTestToken, openTestStore, type TestStore } from '../helpers/test-stores.js';

const VO = 'vo.access.egi.eu';
const ENTRY_ID = 'c0482bc2-bf41-5d49-aaaa-a750174a186b';

/** A CA directory holding `pki`'s CA as `<hash>.0`. */
function caDirOf(pki: TestPki, dir: string): string {
  mkdirSync(dir);
  const hash = execFileSync('openssl', ['x509', '-hash', '-noout', '-in', pki.ca.certificatePath])
    .toString()
    .trim();
  writeFileSync(path.join(dir, `${hash}.0`), pki.ca.certificate);
  return dir;
}

describe('fedstack probe imagelist against the hub', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedstack-probe-imagelist-'));
  let pki: TestPki;
  let rogue: TestPki;
  let store: TestStore;
  let app: HubApp;
  let url: string;
  const tokenFile = path.join(dir, 'token');
  let trusted: string;
  let untrusted: string;

  beforeAll(async () => {
    pki = createTestPki();
    rogue = createTestPki('/DC=org/DC=example/CN=Rogue CA');
    const signer = pki.issue('hub', '/DC=org/DC=example/O=Hosts/CN=hub.example.org');
    trusted = caDirOf(pki, path.join(dir, 'trusted'));
    untrusted = caDirOf(rogue, path.join(dir, 'untrusted'));
    store = await openTestStore('sqlite');
    const manager = await addTestToken(store.store, 'probe-vo-manager', 'vo-manager', VO);
    writeFileSync(tokenFile, `${await addTestToken(store.store, 'probe-consumer', 'consumer')}\n`);
    app = await buildHub({
      store: store.store,
      adminToken: 'probe-admin',
      ingest: false,
      images: { signing: { certificatePem: signer.certificate, privateKeyPem: signer.privateKey } },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const put = await app.inject({
      method: 'PUT',
      url: `/v1/images/vo/${VO}/entries/${ENTRY_ID}`,
      headers: { 'x-api-key': manager },
      payload: { ...sampleCatalogueEntry(), 'dc:date:expires': '2099-01-01T00:00:00Z' },
    });
    expect(put.statusCode).toBe(200);
    url = `${base}/store/vo/${VO}/image.list`;
  });
  afterAll(async () => {
    await app?.close();
    await store?.dispose();
    pki?.remove();
    rogue?.remove();
  });

  it('is OK for the fresh list signed by a trusted CA, with the exit code and first line of a plugin', async () => {
    const run = await runCli([
      'probe',
      'imagelist',
      '--url',
      url,
      '--ca-dir',
      trusted,
      '--token-file',
      tokenFile,
      '-t',
      '10',
    ]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(
      /^OK: image list \S+ version 1 \(1 images, signed by \/DC=org\/DC=example\/O=Hosts\/CN=hub\.example\.org\) created 0(\.\d)? h ago \| 'fetch'=[\d.]+s 'verify'=[\d.]+s 'age'=[\d.]+s$/,
    );
  });

  it('is WARNING past -w hours and CRITICAL for an untrusted CA, a missing list or bad arguments', async () => {
    const options = { url, caDir: trusted, tokenFile, warning: 168, critical: 720, timeout: 10 };
    expect(await imageListProbe(options, Date.now() + 200 * 3_600_000)).toMatchObject({ status: 'WARNING' });
    const rogueCa = await runCli([
      'probe',
      'imagelist',
      '--url',
      url,
      '--ca-dir',
      untrusted,
      '--token-file',
      tokenFile,
    ]);
    expect(rogueCa.code).toBe(2);
    expect(rogueCa.stdout).toMatch(/^CRITICAL: the image list's signature is refused: /);
    const missing = await runCli([
      'probe',
      'imagelist',
      '--url',
      url.replace(VO, 'no.such.vo'),
      '--token-file',
      tokenFile,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/^CRITICAL: the image list cannot be fetched: /);
    const noUrl = await runCli(['probe', 'imagelist']);
    expect(noUrl.code).toBe(3);
    expect(noUrl.stdout).toMatch(/^UNKNOWN: /);
  });
});
