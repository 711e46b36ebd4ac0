// What the admin commands (snapshot, reset) share: the connection options, an admin token (given, or
// minted with the key of the server's data folder or database, as `token --admin` does), and one HTTP
// call to the running server's /_admin API with its error envelope turned into a message.
import { Command } from 'commander';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT } from '../config.ts';
import { mintAdminToken } from '../auth/token-issuer.ts';
import { existingSigningKeyOf } from '../signing-key-source.ts';
import type { TenantContentCounts } from '../store/tenant-repository.ts';
import { envOption, parseDatabaseLocation, parseHttpUrl, parseInteger } from './options.ts';

export interface AdminConnectionOptions {
  url: string;
  data: string;
  database?: string;
  adminToken?: string;
  timeoutMs: number;
}

/** The server answered with an error, or could not be reached: exit 1. */
export class AdminApiError extends Error {}

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
  try {
    return await mintAdminToken(await existingSigningKeyOf(options.data, options.database), { ttlSeconds: MINTED_TOKEN_TTL_SECONDS });
  } catch (error) {
    throw new AdminApiError(`cannot mint an admin token: ${(error as Error).message} (or pass --admin-token)`);
  }
}

/** Calls the admin API; the parsed JSON answer, or an AdminApiError saying what the server said. */
export async function callAdminApi(options: AdminConnectionOptions, method: string, path: string, body?: string): Promise<unknown> {
  const token = await adminToken(options);
  const url = `${options.url}/_admin${path}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') throw new AdminApiError(`${url} did not answer within ${options.timeoutMs} ms (--timeout-ms)`);
    throw new AdminApiError(`cannot reach ${url}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const message = (parsed as { error?: { message?: unknown } } | undefined)?.error?.message;
    // `--url http://host:8080/beta` sends /beta/_admin/… to Graph's routes, which refuse the admin token.
    const hint = new URL(options.url).pathname.length > 1 && (response.status === 401 || response.status === 404) ? ' (is --url the server\'s base URL, without a path?)' : '';
    throw new AdminApiError(`the server answered HTTP ${response.status}: ${typeof message === 'string' ? message : text.slice(0, 200)}${hint}`);
  }
  return parsed;
}

/** e.g. "2 PKIs, 5 certificate authorities, 1 job, 0 x509 policies" (deleted items included). */
export function describeCounts(counts: TenantContentCounts): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return [
    plural(counts.certificateBasedAuthConfigurations, 'PKI', 'PKIs'),
    plural(counts.certificateAuthorities, 'certificate authority', 'certificate authorities'),
    plural(counts.jobs, 'upload job', 'upload jobs'),
    plural(counts.x509CertificatePolicies, 'x509 policy', 'x509 policies'),
  ].join(', ');
}

/** Runs an admin command's work: exit 1 with the server's message when the API refuses. */
export async function runAdminCommand(name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    process.stderr.write(`graph-pki ${name}: ${error.message}\n`);
    process.exitCode = 1;
  }
}
