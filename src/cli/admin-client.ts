// What the admin commands (snapshot, reset) share: the connection options, an admin token (given, or
// minted with the key of the server's data folder or database, as `token --admin` does), and one HTTP
// call to the running server's /_admin API with its error envelope turned into a message.
import { Command } from 'commander';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT } from '../config.ts';
import { mintAdminToken } from '../auth/token-issuer.ts';
import type { TenantContentCounts } from '../store/tenant-repository.ts';
import { envOption, parseDatabaseLocation, parseHttpUrl, parseInteger } from './options.ts';
import { callServer, ServerCallError, serverMessageOf } from './server-call.ts';
import { keyOfRunningServer } from './server-key.ts';

export interface AdminConnectionOptions {
  url: string;
  data: string;
  database?: string;
  adminToken?: string;
  timeoutMs: number;
}

/** Lifetime of an admin token minted for one command. */
const MINTED_TOKEN_TTL_SECONDS = 300;

/** How long one admin call may take by default: a 64 MB snapshot import takes minutes. */
const DEFAULT_ADMIN_TIMEOUT_MS = 600_000;

export function withAdminConnection(command: Command): Command {
  return command
    .addOption(envOption('--url <base>', 'base URL of the running server').default(`http://${DEFAULT_HOST}:${DEFAULT_PORT}`).argParser(parseHttpUrl))
    .addOption(envOption('--data <dir>', "the server's data folder, whose key signs the admin token").default(DEFAULT_DATA_DIR))
    .addOption(envOption('--database <url>', "the server's database when instances share their key there (postgres://…)").argParser(parseDatabaseLocation))
    .addOption(envOption('--admin-token <jwt>', 'an admin token (graph-pki token --admin) instead of minting one from --data/--database'))
    .addOption(envOption('--timeout-ms <ms>', 'give up on the server after this long').default(DEFAULT_ADMIN_TIMEOUT_MS).argParser(parseInteger(1, 86_400_000)));
}

async function adminToken(options: AdminConnectionOptions): Promise<string> {
  if (options.adminToken !== undefined) return options.adminToken;
  return mintAdminToken(await keyOfRunningServer(options, '--admin-token'), { ttlSeconds: MINTED_TOKEN_TTL_SECONDS });
}

/** Calls the admin API; the parsed JSON answer, or a ServerCallError saying what the server said. */
export async function callAdminApi(options: AdminConnectionOptions, method: string, path: string, body?: string): Promise<unknown> {
  const token = await adminToken(options);
  const answer = await callServer(
    `${options.url}/_admin${path}`,
    {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    },
    options.timeoutMs,
  );
  if (answer.status < 200 || answer.status > 299) {
    // `--url http://host:8080/beta` sends /beta/_admin/… to Graph's routes, which refuse the admin token.
    const hint = new URL(options.url).pathname.length > 1 && (answer.status === 401 || answer.status === 404) ? ' (is --url the server\'s base URL, without a path?)' : '';
    throw new ServerCallError(`the server answered HTTP ${answer.status}: ${serverMessageOf(answer)}${hint}`, answer.status);
  }
  return answer.body;
}

/** e.g. "2 PKIs, 5 certificate authorities, 1 upload job, 0 x509 policies, 0 classic store certificate authorities, 3 users, 1 OIDC client, 2 directory role assignments, 4 sign-ins" (deleted items included). */
export function describeCounts(counts: TenantContentCounts): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return [
    plural(counts.certificateBasedAuthConfigurations, 'PKI', 'PKIs'),
    plural(counts.certificateAuthorities, 'certificate authority', 'certificate authorities'),
    plural(counts.jobs, 'upload job', 'upload jobs'),
    plural(counts.x509CertificatePolicies, 'x509 policy', 'x509 policies'),
    plural(counts.classicCertificateAuthorities, 'classic store certificate authority', 'classic store certificate authorities'),
    plural(counts.users, 'user', 'users'),
    plural(counts.oidcClients, 'OIDC client', 'OIDC clients'),
    plural(counts.directoryRoleAssignments, 'directory role assignment', 'directory role assignments'),
    plural(counts.signIns, 'sign-in', 'sign-ins'),
  ].join(', ');
}
