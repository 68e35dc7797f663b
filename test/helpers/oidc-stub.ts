// A stub OIDC provider that rotates refresh tokens (each is accepted once), for unit tests of token refresh.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Requests the stub provider has answered, and a handler to serve them under `/idp`. */
export interface RotatingIdp {
  /** Refresh tokens presented to the token endpoint, in order. */
  readonly presented: string[];
  /** Serves `/idp/.well-known/openid-configuration` and `/idp/token`; false for other paths. */
  readonly handle: (req: IncomingMessage, res: ServerResponse, baseUrl: string) => boolean;
}

/** A provider whose first valid refresh token is `firstRefreshToken`; each refresh issues `at-<n>` and `rt-<n>`. */
export function rotatingIdp(firstRefreshToken: string): RotatingIdp {
  const presented: string[] = [];
  let valid = firstRefreshToken;
  let issued = 0;
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  return {
    presented,
    handle: (req, res, baseUrl) => {
      if (req.url === '/idp/.well-known/openid-configuration') {
        json(res, 200, { issuer: `${baseUrl}/idp`, token_endpoint: `${baseUrl}/idp/token` });
        return true;
      }
      if (req.url !== '/idp/token') return false;
      let form = '';
      req.on('data', (chunk: Buffer) => (form += chunk.toString()));
      req.on('end', () => {
        const refreshToken = new URLSearchParams(form).get('refresh_token') ?? '';
        presented.push(refreshToken);
        if (refreshToken !== valid) return json(res, 400, { error: 'invalid_grant' });
        issued++;
        valid = `rt-${issued}`;
        json(res, 200, { access_token: `at-${issued}`, refresh_token: valid, expires_in: 600 });
      });
      return true;
    },
  };
}
