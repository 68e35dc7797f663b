// `fedstack login` and `fedstack logout`.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ConfigError, FedstackError } from '../errors.js';
import { voAccessOf } from '../formats/entitlements/index.js';
import { claimsOf, findAccessToken } from './access-token.js';
import { addCommon, configOf, print, type CommonOptions } from './command-common.js';
import { deviceLogin, LoginStore, DEFAULT_LOGIN_SCOPE, type StoredLogin } from './login.js';

interface LoginOptions extends CommonOptions {
  issuer?: string;
  clientId?: string;
  clientSecretFile?: string;
  scope?: string;
}

function readSecretFile(file: string): string {
  try {
    const secret = readFileSync(file, 'utf8').split('\n')[0]!.trim();
    if (secret) return secret;
  } catch (error) {
    throw new ConfigError(`cannot read the client secret (${(error as NodeJS.ErrnoException).code})`, {
      file,
    });
  }
  throw new ConfigError('the file is empty (expected the client secret on its first line)', { file });
}

/** `fedstack login`. */
export function loginCommand(): Command {
  return addCommon(new Command('login'), { output: false })
    .description(
      'log in once: the OIDC device flow at the issuer (a refresh token is kept 0600), or remember an oidc-agent ' +
        'account (--oidc-agent) or an access token (--token); later commands use it',
    )
    .option('--issuer <url>', 'the OIDC provider (FEDSTACK_OIDC_ISSUER; default EGI Check-in)')
    .option(
      '--client-id <id>',
      'a client of the issuer allowed the device code grant (FEDSTACK_OIDC_CLIENT_ID)',
    )
    .option('--client-secret-file <file>', "the client's secret, when it has one")
    .option('--scope <scopes>', `scopes to ask for (default "${DEFAULT_LOGIN_SCOPE}")`)
    .addHelpText(
      'after',
      '\nThe device flow prints a URL and a code: open the URL anywhere (a phone will do), sign in, enter the code.\n' +
        `The refresh token is kept in ~/.config/fedstack/login.json (mode 0600); commands refresh the access token\n` +
        'from it when it is about to expire, also in the middle of a long run. fedstack logout forgets it.\n' +
        '\nExamples:\n  fedstack login --client-id my-client\n  fedstack login --oidc-agent egi\n' +
        '  fedstack login --token "$(cat token.txt)"',
    )
    .action(async (opts: LoginOptions) => {
      const config = configOf(opts);
      const store = new LoginStore(config.configDir);
      let login: StoredLogin;
      let token: string;
      if (opts.oidcAgent || opts.token) {
        // checked now, so that a wrong account or token is found at login rather than later
        const found = await findAccessToken(opts, {});
        token = found.token;
        login = opts.oidcAgent
          ? { kind: 'oidc-agent', account: opts.oidcAgent }
          : { kind: 'access-token', accessToken: found.token };
      } else {
        const clientId = opts.clientId ?? config.clientId;
        if (!clientId)
          throw new ConfigError(
            'give the OIDC client for the device flow (or client_id: in the client config, or FEDSTACK_OIDC_CLIENT_ID)',
            { path: '--client-id' },
          );
        const issuer = (opts.issuer ?? config.issuer).replace(/\/+$/, '');
        const clientSecret = opts.clientSecretFile ? readSecretFile(opts.clientSecretFile) : undefined;
        const result = await deviceLogin({
          issuer,
          clientId,
          ...(clientSecret !== undefined ? { clientSecret } : {}),
          ...(opts.scope ? { scope: opts.scope } : {}),
          timeoutMs: config.timeoutMs,
          onPrompt: (p) =>
            process.stderr.write(
              `To log in, open ${p.verificationUriComplete ?? p.verificationUri}\n` +
                (p.verificationUriComplete ? '' : `and enter the code ${p.userCode}\n`) +
                `(code ${p.userCode}, valid for ${Math.round(p.expiresInSeconds / 60)} minutes; waiting)\n`,
            ),
        });
        if (!result.refreshToken)
          throw new FedstackError(
            'OIDC_TOKEN',
            `${issuer} gave no refresh token (ask for the offline_access scope, and allow the client the refresh_token grant)`,
          );
        token = result.accessToken;
        login = {
          kind: 'refresh-token',
          issuer,
          clientId,
          ...(clientSecret !== undefined ? { clientSecret } : {}),
          refreshToken: result.refreshToken,
          scope: result.scope,
          accessToken: result.accessToken,
          accessTokenExpiresAtMs: result.expiresAtMs,
        };
      }
      store.write(login);
      const claims = claimsOf(token);
      const vos = voAccessOf(claims.entitlements, { mappings: config.voMappings });
      print(
        `logged in as ${claims.subject ?? '(no subject)'} at ${claims.issuer ?? '(no issuer)'}` +
          ` (${login.kind === 'refresh-token' ? 'refresh token' : login.kind === 'oidc-agent' ? `oidc-agent account ${login.account}` : 'access token, until it expires'}, kept in ${store.file})\n` +
          (vos.length > 0
            ? `VOs: ${vos.map((v) => `${v.vo}${v.canLaunch ? '' : ' (member only: may not launch VMs)'}`).join(', ')}\n`
            : 'the token names no VO\n'),
      );
    });
}

/** `fedstack logout`. */
export function logoutCommand(): Command {
  return addCommon(new Command('logout'), { output: false })
    .description('forget the stored login and the cached Keystone tokens')
    .addHelpText('after', '\nExample:\n  fedstack logout')
    .action((opts: CommonOptions) => {
      const config = configOf(opts);
      const had = new LoginStore(config.configDir).remove();
      rmSync(path.join(config.cacheDir, 'keystone'), { recursive: true, force: true });
      print(had ? 'logged out\n' : 'was not logged in\n');
    });
}
