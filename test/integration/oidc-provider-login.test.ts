// Federated login with tokens from a real OIDC provider (the oidc-provider package), signed with the key the
// testbed's OIDC front trusts: refresh token -> access token -> Keystone OS-FEDERATION -> project-scoped token.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FedstackError } from '../../src/errors.js';
import { OpenStackError, listAuthProjects } from '../../src/openstack/index.js';
import { loadSiteConfig } from '../../src/site/site-config.js';
import { createSiteSession } from '../../src/site/site-session.js';
import { accountingConfig } from '../helpers/accounting.js';
import { projectIdOf, voEntitlements } from '../helpers/sessions.js';
import { IDP_CLIENT_SECRET as CLIENT_SECRET, startTestIdp, type TestIdp } from '../helpers/test-idp.js';
import { testbedEnv } from '../helpers/testbed.js';

describe('OIDC login through a real OIDC provider', () => {
  const env = testbedEnv('site-a');
  let idp: TestIdp;
  let issuerUrl: string;

  const refreshTokenFor = (sub: string, ents: string[]) => idp.refreshTokenFor(sub, ents);

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
    idp = await startTestIdp();
    issuerUrl = idp.url;
  });

  afterAll(async () => {
    await idp?.close();
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
