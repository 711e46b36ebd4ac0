// `graph-pki token`: prints one JWT signed with the data folder's local key.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { DEFAULT_DATA_DIR, isPostgresUrl } from '../config.ts';
import { PERMISSION_READ_WRITE, DIRECTORY_ROLES } from '../auth/permissions.ts';
import { SIGNING_KEY_FILE } from '../auth/signing-key.ts';
import { signingKeyOf } from '../auth/signing-key-source.ts';
import { DEFAULT_APP_ID, DEFAULT_TENANT_ID, mintAdminToken, mintToken } from '../auth/token-issuer.ts';
import { envOption, parseDatabaseLocation, parseGuid, parseInteger, parseList } from './options.ts';

interface TokenOptions {
  data: string;
  tenant: string;
  appRoles?: string[];
  scopes?: string[];
  directoryRoles: string[];
  ttl: number;
  appId: string;
  audience?: string;
  database?: string;
  admin: boolean;
}

/** Claims an admin token does not have: naming one with --admin is a mistake. */
const GRAPH_ONLY_OPTIONS = ['tenant', 'appRoles', 'scopes', 'directoryRoles', 'appId', 'audience'] as const;

export function tokenCommand(): Command {
  return new Command('token')
    .description(
      'Print a bearer token signed with the local key of a data folder. Without --scopes it is an application ' +
        'token (roles claim); with --scopes a delegated one (scp and wids claims). With --admin an admin token for ' +
        'the /_admin API instead (reset, snapshots), which no Graph route accepts.',
    )
    .addOption(envOption('--data <dir>', 'data folder whose key signs the token (created if missing)').default(DEFAULT_DATA_DIR))
    .addOption(envOption('--tenant <guid>', 'tenant id (tid claim)').default(DEFAULT_TENANT_ID).argParser(parseGuid))
    .addOption(envOption('--app-roles <list>', `application permissions, comma-separated (default ${PERMISSION_READ_WRITE})`).argParser(parseList))
    .addOption(envOption('--scopes <list>', 'delegated permissions, comma-separated; makes a delegated token').argParser(parseList))
    .addOption(
      envOption('--directory-roles <ids>', 'directory role template ids of the user (wids), comma-separated; delegated tokens only')
        .default([DIRECTORY_ROLES.privilegedAuthenticationAdministrator], 'Privileged Authentication Administrator')
        .argParser(parseList),
    )
    .addOption(envOption('--ttl <seconds>', 'lifetime').default(3600).argParser(parseInteger(1, 366 * 24 * 3600)))
    .addOption(envOption('--app-id <guid>', 'application id (appid claim)').default(DEFAULT_APP_ID).argParser(parseGuid))
    .addOption(envOption('--audience <aud>', 'aud claim (default https://graph.microsoft.com)'))
    .addOption(envOption('--database <url>', "the server's database, e.g. postgres://… when instances share their key there (default: the data folder's key)").argParser(parseDatabaseLocation))
    .addOption(envOption('--admin', 'an admin token for the /_admin API instead of a Graph token').default(false))
    .action(async (options: TokenOptions, command: Command) => {
      if (options.scopes && options.appRoles) {
        command.error('error: use either --app-roles (application token) or --scopes (delegated token), not both', { exitCode: 2 });
      }
      const graphOption = GRAPH_ONLY_OPTIONS.find((name) => command.getOptionValueSource(name) === 'cli');
      if (options.admin && graphOption) {
        const flag = graphOption.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
        command.error(`error: --admin mints an admin token, which has no --${flag}; leave it out`, { exitCode: 2 });
      }
      const keyExisted = existsSync(path.join(options.data, SIGNING_KEY_FILE));
      const key = await signingKeyOf(options.data, options.database);
      process.stderr.write(`graph-pki: ${signingKeyNotice(options, keyExisted)}\n`);
      if (options.admin) {
        process.stdout.write(`${await mintAdminToken(key, { ttlSeconds: options.ttl })}\n`);
        return;
      }
      const token = await mintToken(key, {
        tenantId: options.tenant,
        appRoles: options.appRoles ?? [PERMISSION_READ_WRITE],
        scopes: options.scopes ?? [],
        directoryRoles: options.directoryRoles,
        ttlSeconds: options.ttl,
        appId: options.appId,
        ...(options.audience ? { audience: options.audience } : {}),
      });
      process.stdout.write(`${token}\n`);
    });
}

/**
 * Which key signed the token, on standard error (standard output is the token alone, for `$(…)`). A token
 * minted in another working folder is signed with another folder's key, and every request with it is
 * then 401: saying the file, and that it was just created, makes that visible at once.
 */
function signingKeyNotice(options: Pick<TokenOptions, 'data' | 'database'>, keyExisted: boolean): string {
  if (options.database && isPostgresUrl(options.database)) return 'signed with the token-signing key stored in the --database (shared by every instance on it)';
  const file = path.resolve(options.data, SIGNING_KEY_FILE);
  if (keyExisted) return `signed with the key ${file}; servers accept it when they run with --data ${path.resolve(options.data)}`;
  return (
    `created a new token-signing key ${file} and signed with it: only a server started with --data ${path.resolve(options.data)} accepts this token ` +
    '(every other answers 401); give --data the running server\'s data folder'
  );
}
