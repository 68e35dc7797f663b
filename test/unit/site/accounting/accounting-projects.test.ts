import { afterEach, describe, expect, it } from 'vitest';
import { OpenStackSession } from '../../../../src/openstack/index.js';
import { resolveAccountedProjects } from '../../../../src/site/accounting/accounting-projects.js';
import { validateSiteConfig } from '../../../../src/site/site-config.js';
import { startStub, tokenBody } from '../../../helpers/stub-server.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('accounted projects', () => {
  it('reports a tagged project it cannot read instead of claiming it has no VO', async () => {
    const stub = await startStub((req, res) => {
      if (req.url!.endsWith('/auth/tokens'))
        return res.writeHead(201, { 'X-Subject-Token': 't' }).end(tokenBody(stub.url));
      if (req.url!.startsWith('/identity/v3/projects?'))
        return res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(
            '{"projects":[{"id":"p-mapped","name":"mapped","VO":"vo.example.org","tags":["caso"]},{"id":"p-hidden","name":"hidden","tags":["caso"]}]}',
          );
      res
        .writeHead(403, { 'Content-Type': 'application/json' })
        .end('{"error":{"message":"You are not authorized"}}');
    });
    close = stub.close;
    const config = validateSiteConfig(
      {
        gocdb: 'TEST',
        endpoint: `${stub.url}/identity/v3`,
        vos: [{ name: 'vo.access.egi.eu', auth: { project_id: 'p-config' } }],
        credentials: { type: 'token', token_env: 'UNUSED' },
      },
      'site.yaml',
    );
    const session = new OpenStackSession({
      authUrl: `${stub.url}/identity/v3`,
      auth: { kind: 'token', token: 'x' },
    });
    const { projects, problems } = await resolveAccountedProjects(config, session);
    expect(projects).toEqual([
      { projectId: 'p-config', vo: 'vo.access.egi.eu', voIndex: 0 },
      { projectId: 'p-mapped', vo: 'vo.example.org', voIndex: undefined },
    ]);
    expect(problems).toEqual([
      {
        projectId: 'p-hidden',
        reason: expect.stringMatching(
          /^cannot read project hidden: identity: GET .* 403: You are not authorized/,
        ),
      },
    ]);
  });
});
