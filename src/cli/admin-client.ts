// What the admin commands (snapshot, reset) share: the connection options, an admin token (given, or
// minted with the key of the server's data folder or database, as `token --admin` does), and one HTTP
// call to the running server's /_admin API with its error envelope turned into a message.
import { Command } from 'commander';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT } from '../config.ts';
import { mintAdminToken } from '../auth/token-issuer.ts';
import { signingKeyOf } from '../signing-key-source.ts';
import type { TenantContentCounts } from '../store/tenant-repository.ts';
import { envOption, parseHttpUrl } from './options.ts';

export interface AdminConnectionOptions {
  url: string;
  data: string;
  database?: string;
  adminToken?: string;
}

/** The server answered with an error, or could not be reached: exit 1. */
export class AdminApiError extends Error {}

/** Lifetime of an admin token minted for one command. */
const MINTED_TOKEN_TTL_SECONDS = 300;

export function withAdminConnection(command: Command): Command {
  return command
    .addOption(envOption('--url <base>', 'base URL of the running server').default(`http://${DEFAULT_HOST}:${DEFAULT_PORT}`).argParser(parseHttpUrl))
    .addOption(envOption('--data <dir>', "the server's data folder, whose key signs the admin token").default(DEFAULT_DATA_DIR))
    .addOption(envOption('--database <url>', "the server's database when instances share their key there (postgres://…)"))
    .addOption(envOption('--admin-token <jwt>', 'an admin token (graph-pki token --admin) instead of minting one from --data/--database'));
}

/** Calls the admin API; the parsed JSON answer, or an AdminApiError saying what the server said. */
export async function callAdminApi(options: AdminConnectionOptions, method: string, path: string, body?: string): Promise<unknown> {
  const token = options.adminToken ?? (await mintAdminToken(await signingKeyOf(options.data, options.database), { ttlSeconds: MINTED_TOKEN_TTL_SECONDS }));
  const url = `${options.url}/_admin${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    });
  } catch (error) {
    throw new AdminApiError(`cannot reach ${url}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const message = (parsed as { error?: { message?: unknown } } | undefined)?.error?.message;
    throw new AdminApiError(`the server answered HTTP ${response.status}: ${typeof message === 'string' ? message : text.slice(0, 200)}`);
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
