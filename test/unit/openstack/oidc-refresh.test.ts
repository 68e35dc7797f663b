import { afterEach, describe, expect, it } from 'vitest';
import { createOidcAccessTokenSource } from '../../../src/openstack/index.js';
import { rotatingIdp } from '../../helpers/oidc-stub.js';
import { startStub } from '../../helpers/stub-server.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('OIDC access tokens from a refresh token', () => {
  it('refreshes once for calls that come while a refresh runs', async () => {
    const idp = rotatingIdp('rt-0');
    const stub = await startStub((req, res) => void idp.handle(req, res, stub.url));
    close = stub.close;
    const source = createOidcAccessTokenSource({
      issuerUrl: `${stub.url}/idp`,
      clientId: 'fedstack',
      refreshToken: 'rt-0',
    });
    expect(await Promise.all([source(), source(), source()])).toEqual(['at-1', 'at-1', 'at-1']);
    expect(idp.presented).toEqual(['rt-0']);
  });
});
