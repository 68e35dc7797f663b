// `fedstack hub token create|list|revoke`: API tokens, stored as hashes, printed once on creation.
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../errors.js';
import { HUB_ROLES, generateHubToken, hashHubToken } from './auth/hub-token.js';
import type { HubRole } from './auth/hub-token.js';
import { isSiteName } from './auth/site-name.js';
import { VO_NAME_RULE, isVoName } from './auth/vo-name.js';
import type { StoreOptions } from './command-options.js';
import { DATABASE_HELP, storeLocation } from './command-options.js';
import { migrateToLatest } from './store/hub-migrator.js';
import { HubStore } from './store/hub-store.js';
import { insertToken, listTokens, revokeToken } from './store/token-queries.js';

async function withStore<T>(command: Command, run: (store: HubStore) => Promise<T>): Promise<T> {
  const store = HubStore.open(storeLocation(command.optsWithGlobals<StoreOptions>()));
  try {
    await migrateToLatest(store);
    return await run(store);
  } finally {
    await store.close();
  }
}

function tokenId(value: string): number {
  if (!/^\d+$/.test(value))
    throw new InvalidArgumentError('expected a token id (see `fedstack hub token list`)');
  return Number(value);
}

/** The `token` command group. */
export function createTokenCommand(): Command {
  const token = new Command('token').description(
    'manage API tokens: admin (everything), publisher (publishes accounting for one site), consumer (pulls, reads accounting), ' +
      'vo-manager (edits the image list of one VO)',
  );
  token
    .command('create')
    .description('create a token and print it once on stdout; only its SHA-256 hash is stored')
    .option('--site <name>', 'GOCDB site name a publisher token is bound to (implies --role publisher)')
    .option('--vo <name>', 'VO a vo-manager token is bound to (implies --role vo-manager)')
    .addOption(new Option('--role <role>', 'token role').choices([...HUB_ROLES]))
    .option('--label <text>', 'free text to recognise the token in `token list`, e.g. a host name')
    .addHelpText(
      'after',
      '\nA publisher token can only load records whose SiteName is its site; others become rejects.\n' +
        "A vo-manager token edits only its VO's image list (/v1/images/vo/VO/entries).\n" +
        '\nExamples:\n  fedstack hub token create --site CESGA-CLOUD --label cloud-acct.cesga.es\n' +
        '  fedstack hub token create --role consumer --label portal\n' +
        '  fedstack hub token create --role vo-manager --vo vo.access.egi.eu --label vo-admin\n' +
        '  fedstack hub token create --role admin',
    )
    .action(
      async (opts: { site?: string; vo?: string; role?: HubRole; label?: string }, command: Command) => {
        const role = opts.role ?? (opts.site ? 'publisher' : opts.vo ? 'vo-manager' : undefined);
        if (role === undefined)
          throw new ConfigError('give --site NAME (publisher), --vo NAME (vo-manager) or --role', {
            path: '--role',
          });
        if (role === 'vo-manager' && !opts.vo)
          throw new ConfigError('a vo-manager token needs --vo NAME', { path: '--vo' });
        if (role !== 'vo-manager' && opts.vo)
          throw new ConfigError(`a ${role} token has no VO`, { path: '--vo' });
        if (opts.vo && !isVoName(opts.vo))
          throw new ConfigError(`expected ${VO_NAME_RULE}`, { path: '--vo' });
        if (role === 'publisher' && !opts.site)
          throw new ConfigError('a publisher token needs --site NAME', { path: '--site' });
        if (role !== 'publisher' && opts.site)
          throw new ConfigError(`a ${role} token has no site`, { path: '--site' });
        if (opts.site && !isSiteName(opts.site)) {
          throw new ConfigError('expected a site name of letters, digits, ".", "_" and "-"', {
            path: '--site',
          });
        }
        const secret = generateHubToken();
        const id = await withStore(command, (store) =>
          insertToken(store.db, {
            hash: hashHubToken(secret),
            role,
            // the token's one binding: a publisher's site or a vo-manager's VO (see HubAuth)
            site: opts.site ?? opts.vo ?? null,
            label: opts.label ?? null,
            now: Math.floor(Date.now() / 1000),
          }),
        );
        process.stderr.write(
          `created ${role} token ${id}${opts.site ? ` for site ${opts.site}` : ''}${opts.vo ? ` for VO ${opts.vo}` : ''}; ` +
            'it is shown only once:\n',
        );
        process.stdout.write(`${secret}\n`);
      },
    );
  token
    .command('list')
    .description(
      'list tokens (id, role, site or VO, label, created, revoked); the tokens themselves are not stored',
    )
    .action(async (_opts, command: Command) => {
      const rows = await withStore(command, (store) => listTokens(store.db));
      for (const t of rows) {
        const when = (s: number | null) => (s === null ? '-' : new Date(Number(s) * 1000).toISOString());
        process.stdout.write(
          `${String(t.id).padStart(4)} ${t.role.padEnd(10)} ${(t.site ?? '-').padEnd(24)} ` +
            `created ${when(t.created_at)} revoked ${when(t.revoked_at)} ${t.label ?? ''}\n`,
        );
      }
    });
  token
    .command('revoke')
    .description('revoke a token by id; requests with it are refused from then on')
    .argument('<id>', 'token id from `fedstack hub token list`', tokenId)
    .action(async (id: number, _opts, command: Command) => {
      const isRevoked = await withStore(command, (store) =>
        revokeToken(store.db, id, Math.floor(Date.now() / 1000)),
      );
      if (!isRevoked) throw new ConfigError(`no active token with id ${id}`, { path: 'id' });
      process.stdout.write(`revoked token ${id}\n`);
    });
  for (const sub of token.commands) sub.addHelpText('after', DATABASE_HELP);
  return token;
}
