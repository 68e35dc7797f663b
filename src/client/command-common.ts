// What every researcher command shares: its options (token, hub, config, time limit, output),
// the merged config, and the access token.
import { Option, type Command } from 'commander';
import { positiveInteger } from '../cli-args.js';
import { FedstackError } from '../errors.js';
import { claimsOf, findAccessToken, type AccessToken, type TokenClaims } from './access-token.js';
import { loadClientConfig, type ClientConfig } from './client-config.js';
import { LoginStore } from './login.js';
import { OUTPUT_FORMATS } from './output.js';

/** Options every client command takes. */
export interface CommonOptions {
  token?: string;
  oidcAgent?: string;
  hub?: string;
  clientConfig?: string;
  timeout?: number;
  output?: string;
  vo?: string;
  site?: string;
  refresh?: boolean;
}

/** Adds the options every client command takes (and `--output` unless told not to). */
export function addCommon(cmd: Command, { output = true }: { output?: boolean } = {}): Command {
  cmd
    .addOption(
      new Option(
        '--token <access-token>',
        'OIDC access token (prefer FEDSTACK_OIDC_ACCESS_TOKEN: argv is visible to others)',
      ),
    )
    .addOption(
      new Option('--oidc-agent <account>', 'get the token from this oidc-agent account').env(
        'FEDSTACK_OIDC_AGENT_ACCOUNT',
      ),
    )
    .option('--hub <url>', 'the information system: the hub or a cloud-info-api endpoint (FEDSTACK_HUB_URL)')
    .option(
      '--client-config <file>',
      'client config file (FEDSTACK_CLIENT_CONFIG; default ~/.config/fedstack/client.yaml)',
    )
    .option('--timeout <seconds>', "each site's time limit (default 10)", positiveInteger);
  if (output)
    cmd.addOption(
      new Option('-o, --output <format>', 'table, json, yaml, or first (the first row’s id, for scripts)')
        .choices(OUTPUT_FORMATS)
        .default('table'),
    );
  return cmd;
}

/** The client config with the command's options on top. */
export function configOf(opts: CommonOptions): ClientConfig {
  return loadClientConfig({
    ...(opts.clientConfig ? { config: opts.clientConfig } : {}),
    ...(opts.hub ? { hub: opts.hub } : {}),
    ...(opts.vo ? { vo: opts.vo } : {}),
    ...(opts.site ? { site: opts.site } : {}),
    ...(opts.timeout ? { timeoutSeconds: opts.timeout } : {}),
  });
}

/** The access token from the options, the environment, oidc-agent or the stored login (expired or not). */
export function accessTokenOf(
  opts: CommonOptions,
  config: ClientConfig = configOf(opts),
): Promise<AccessToken> {
  return findAccessToken({
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.oidcAgent ? { oidcAgent: opts.oidcAgent } : {}),
    store: new LoginStore(config.configDir),
    timeoutMs: config.timeoutMs,
  });
}

/**
 * The access token and its claims.
 * @throws FedstackError `CLIENT_NO_TOKEN` when there is none or it expired.
 */
export async function tokenOf(
  opts: CommonOptions,
  config: ClientConfig = configOf(opts),
): Promise<{ accessToken: AccessToken; claims: TokenClaims }> {
  const accessToken = await accessTokenOf(opts, config);
  const claims = claimsOf(accessToken.token);
  if (claims.expiresAtMs !== undefined && claims.expiresAtMs <= Date.now())
    throw new FedstackError(
      'CLIENT_NO_TOKEN',
      `the access token (from ${accessToken.source}) expired at ${new Date(claims.expiresAtMs).toISOString()}; get a new one`,
    );
  return { accessToken, claims };
}

/** Writes to stdout. */
export function print(text: string): void {
  process.stdout.write(text);
}
