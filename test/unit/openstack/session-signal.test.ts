import { afterEach, describe, expect, it } from 'vitest';
import { OpenStackSession, listNetworks } from '../../../src/openstack/index.js';
import { startStub, tokenBody } from '../../helpers/stub-server.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** A Keystone that answers the login after `loginDelayMs`, and a Neutron that never answers. */
async function slowSite(loginDelayMs: number) {
  const logins = { closedEarly: 0 };
  const stub = await startStub((req, res) => {
    if (req.url === '/identity/v3/auth/tokens') {
      res.once('close', () => {
        if (!res.writableEnded) logins.closedEarly++;
      });
      setTimeout(
        () => res.writeHead(201, { 'X-Subject-Token': 'tok' }).end(tokenBody(stub.url)),
        loginDelayMs,
      );
      return;
    }
    // Neutron hangs: only an abort or the session timeout ends the request
  });
  close = stub.close;
  const session = new OpenStackSession({
    authUrl: `${stub.url}/identity/v3`,
    auth: { kind: 'password', username: 'u', userDomainName: 'Default', password: 'p' },
    timeoutMs: 20_000,
  });
  return { stub, session, logins };
}

describe('aborting OpenStack calls', () => {
  it('aborts any operation made through withSignal, long before the session timeout', async () => {
    const { session } = await slowSite(0);
    const started = Date.now();
    const error = await listNetworks(session.withSignal(AbortSignal.timeout(300))).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('lets one caller give up on a shared login without failing the others', async () => {
    const { stub, session } = await slowSite(500);
    const impatient = new AbortController();
    const first = session.token(impatient.signal);
    const second = session.token();
    impatient.abort(new Error('gave up'));
    await expect(first).rejects.toThrow('gave up');
    expect((await second).token).toBe('tok');
    expect(stub.requests.filter((r) => r.url === '/identity/v3/auth/tokens')).toHaveLength(1);
    // the views share the token: no second login
    expect((await session.withSignal(new AbortController().signal).token()).token).toBe('tok');
    expect(stub.requests).toHaveLength(1);
  });

  it('aborts the login itself once every caller waiting for it gave up, so no request outlives them', async () => {
    const { stub, session, logins } = await slowSite(60_000);
    const caller = new AbortController();
    const waiting = session.token(caller.signal);
    await new Promise((resolve) => setTimeout(resolve, 200));
    caller.abort(new Error('run stopped'));
    await expect(waiting).rejects.toThrow('run stopped');
    for (let i = 0; i < 50 && logins.closedEarly === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(logins.closedEarly).toBe(1);
    // a later caller starts a new login rather than waiting for the aborted one
    const later = new AbortController();
    const next = session.token(later.signal);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stub.requests.filter((r) => r.url === '/identity/v3/auth/tokens')).toHaveLength(2);
    later.abort(new Error('done'));
    await expect(next).rejects.toThrow('done');
  });
});
