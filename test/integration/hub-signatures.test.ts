// The accounting signature check at publish: a message signed by a registered host of the token's
// site is loaded; one signed by another DN, or not signed, is refused with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudMessage, cloudRecord } from '../helpers/apel-fixtures.js';
import { createTestPki, type TestCredentials, type TestPki } from '../helpers/openssl-ca.js';
import { injectWithToken, openTestHub, type TestHub } from '../helpers/test-hub.js';

const TOPIC = '/v1/projects/accounting/topics/eu-egi-cloud-accounting:publish';
const HOST_DN = '/DC=org/DC=example/CN=accounting.site-a.example';

describe('accounting signatures, enforced', () => {
  let pki: TestPki;
  let registered: TestCredentials;
  let other: TestCredentials;
  let hubCredentials: TestCredentials;
  let h: TestHub;
  let token: string;

  const sign = (text: string, signer: TestCredentials) =>
    pki
      .openssl(
        [
          'smime',
          '-sign',
          '-inkey',
          signer.keyPath,
          '-signer',
          signer.certificatePath,
          '-text',
          '-md',
          'sha256',
        ],
        text,
      )
      .toString();
  const publish = (text: string) =>
    injectWithToken(h, 'POST', TOPIC, token, {
      messages: [{ attributes: {}, data: Buffer.from(text).toString('base64') }],
    });

  beforeAll(async () => {
    pki = createTestPki('/DC=org/DC=example/CN=Host CA');
    registered = pki.issue('registered', HOST_DN);
    other = pki.issue('other', '/DC=org/DC=example/CN=intruder.example');
    hubCredentials = pki.issue('hub', '/DC=org/DC=example/CN=hub.example.org');
    h = await openTestHub('sqlite', {
      signatures: {
        mode: 'enforce',
        caPems: [pki.ca.certificate],
        decryption: { certificatePem: hubCredentials.certificate, privateKeyPem: hubCredentials.privateKey },
      },
    });
    await h.app.ready();
    // the certificates are valid from now on: the hub's clock must be now, not the tests' 2024
    h.clock.now = Date.now();
    token = await h.token('publisher', 'SITE-A');
    await h.app.hub.registry.putSite('SITE-A', {
      certificationStatus: 'Certified',
      productionStatus: 'Production',
      extensions: {},
    });
    await h.app.hub.registry.addEndpoint('SITE-A', {
      serviceType: 'eu.egi.cloud.accounting',
      hostname: 'accounting.site-a.example',
      hostDn: HOST_DN,
      isMonitored: false,
      isInProduction: true,
      extensions: {},
    });
  });
  afterAll(async () => {
    await h?.dispose();
    pki?.remove();
  });

  it('loads a message signed by a registered accounting host of the site', async () => {
    const res = await publish(sign(cloudMessage([cloudRecord({ vmUuid: 'signed-vm' })]), registered));
    expect(res.statusCode, res.body).toBe(200);
    expect(await h.app.hub.ingest!.drain()).toMatchObject({ loaded: 1, rejected: 0 });
  });

  it('decrypts a signed message encrypted for the hub (ssmsend with server_cert: 3DES), checks it and loads it', async () => {
    const signed = sign(cloudMessage([cloudRecord({ vmUuid: 'encrypted-vm' })]), registered);
    const encrypted = pki
      .openssl(['smime', '-encrypt', '-des3', hubCredentials.certificatePath], signed)
      .toString();
    expect(encrypted).toMatch(/Content-Type: application\/(x-)?pkcs7-mime; smime-type=enveloped-data/);
    const res = await publish(encrypted);
    expect(res.statusCode, res.body).toBe(200);
    expect(await h.app.hub.ingest!.drain()).toMatchObject({ loaded: 1, rejected: 0 });
    // encrypted for another certificate: refused, saying so
    const forOther = await publish(
      pki.openssl(['smime', '-encrypt', '-aes256', other.certificatePath], signed).toString(),
    );
    expect(forOther.statusCode).toBe(400);
    expect(forOther.json().error.message).toMatch(
      /^message 0 is encrypted and does not decrypt with the hub's key: .*recipientInfos/,
    );
  });

  it('refuses one signed by an unregistered DN, and an unsigned one, naming why', async () => {
    const intruder = await publish(sign(cloudMessage([cloudRecord({ vmUuid: 'intruder-vm' })]), other));
    expect(intruder.statusCode).toBe(403);
    expect(intruder.json()).toEqual({
      error: {
        code: 403,
        status: 'FORBIDDEN',
        message:
          'signature check: message 0: the signer /DC=org/DC=example/CN=intruder.example is not the HOSTDN of a registered eu.egi.cloud.accounting endpoint of site SITE-A',
      },
    });
    const plain = await publish(cloudMessage([cloudRecord({ vmUuid: 'plain-vm' })]));
    expect(plain.statusCode).toBe(403);
    expect(plain.json().error.message).toBe(
      'signature check: message 0 is not S/MIME signed (multipart/signed)',
    );
    // nothing of either reached the repository
    expect(await h.app.hub.ingest!.drain()).toMatchObject({ loaded: 0 });
  });

  it('only logs in warn mode: the same unregistered signer is accepted', async () => {
    const warn = await openTestHub('sqlite', { signatures: { mode: 'warn', caPems: [pki.ca.certificate] } });
    try {
      warn.clock.now = Date.now();
      const res = await injectWithToken(warn, 'POST', TOPIC, await warn.token('publisher', 'SITE-A'), {
        messages: [
          {
            attributes: {},
            data: Buffer.from(sign(cloudMessage([cloudRecord({ vmUuid: 'warned-vm' })]), other)).toString(
              'base64',
            ),
          },
        ],
      });
      expect(res.statusCode).toBe(200);
      expect(await warn.app.hub.ingest!.drain()).toMatchObject({ loaded: 1 });
    } finally {
      await warn.dispose();
    }
  });
});
