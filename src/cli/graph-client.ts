// What the commands that work through a running server's Graph API share (pki, ca, upload, verify --url):
// the connection options, a bearer token (given with --token, or minted for the default tenant with the
// key of the server's --data folder or --database, never creating one), and calls whose errors carry the
// server's own message.
import { Command, Option } from 'commander';
import { PERMISSION_READ_WRITE } from '../auth/permissions.ts';
import { DEFAULT_TENANT_ID, mintToken } from '../auth/token-issuer.ts';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT } from '../config.ts';
import { envOption, parseDatabaseLocation, parseGuid, parseHttpUrl, parseInteger } from './options.ts';
import { callServer, type ServerAnswer, ServerCallError, serverMessageOf } from './server-call.ts';
import { keyOfRunningServer } from './server-key.ts';

export interface GraphConnectionOptions {
  url: string;
  token?: string;
  data: string;
  database?: string;
  tenant: string;
  timeoutMs: number;
  json: boolean;
}

export const DEFAULT_SERVER_URL = `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;

/** Lifetime of a token minted for one command. */
const MINTED_TOKEN_TTL_SECONDS = 300;

/** How long one call may take by default. */
const DEFAULT_GRAPH_TIMEOUT_MS = 30_000;

/** Pages followed at most when reading a whole collection. */
const MAX_PAGES = 100;

export const PKIS_PATH = '/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations';

/**
 * Adds the connection options. `verify` passes `{ offlineByDefault: true }`: its --url has no default
 * (without it, it verifies offline) and it has its own --json.
 */
export function withGraphConnection(command: Command, { offlineByDefault = false } = {}): Command {
  const url = offlineByDefault
    ? // From the command line only: a GRAPH_PKI_URL left in the environment must not turn an offline check into a remote one.
      new Option('--url <base>', 'verify through this running server (its trust store, CRLs and x509 policy) instead of offline').argParser(parseHttpUrl)
    : envOption('--url <base>', 'base URL of the running server (or …/beta, …/v1.0)').default(DEFAULT_SERVER_URL).argParser(parseHttpUrl);
  command
    .addOption(url)
    .addOption(envOption('--token <jwt>', 'bearer token (default: one minted for --tenant with the key of --data/--database)'))
    .addOption(envOption('--data <dir>', "the server's data folder, whose key signs the minted token (never created)").default(DEFAULT_DATA_DIR))
    .addOption(envOption('--database <url>', "the server's database when instances share their key there (postgres://…)").argParser(parseDatabaseLocation))
    .addOption(envOption('--tenant <guid>', 'tenant of the minted token').default(DEFAULT_TENANT_ID).argParser(parseGuid))
    .addOption(envOption('--timeout-ms <ms>', 'give up on one request after this long').default(DEFAULT_GRAPH_TIMEOUT_MS).argParser(parseInteger(1, 3_600_000)));
  return offlineByDefault ? command : command.addOption(new Option('--json', 'print JSON for scripts instead of a table').default(false));
}

/** The server's root URL and the Graph API base (`/beta` unless --url names `/beta` or `/v1.0`). */
export function splitBaseUrl(url: string): { root: string; api: string } {
  const match = /^(.*)\/(beta|v1\.0)$/.exec(url);
  return match?.[1] !== undefined ? { root: match[1], api: url } : { root: url, api: `${url}/beta` };
}

export class GraphClient {
  private token: Promise<string> | undefined;
  readonly root: string;
  readonly api: string;

  /** `appRoles`: the permissions of a minted token (a command that needs more than the PKI ones says so). */
  constructor(
    private readonly options: GraphConnectionOptions,
    private readonly appRoles: readonly string[] = [PERMISSION_READ_WRITE],
  ) {
    ({ root: this.root, api: this.api } = splitBaseUrl(options.url));
  }

  private bearer(): Promise<string> {
    this.token ??= this.options.token !== undefined ? Promise.resolve(this.options.token) : this.mint();
    return this.token;
  }

  private async mint(): Promise<string> {
    const key = await keyOfRunningServer(this.options, '--token');
    return mintToken(key, {
      tenantId: this.options.tenant,
      appRoles: [...this.appRoles],
      scopes: [],
      directoryRoles: [],
      ttlSeconds: MINTED_TOKEN_TTL_SECONDS,
    });
  }

  /** Any answer of the server to a Graph path (relative to the API base) or an absolute URL. */
  async send(method: string, path: string, body?: unknown): Promise<ServerAnswer> {
    const url = /^https?:\/\//.test(path) ? path : path.startsWith('/graph-pki/') ? `${this.root}${path}` : `${this.api}${path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${await this.bearer()}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return callServer(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, this.options.timeoutMs);
  }

  /** The parsed answer of a call that must succeed; otherwise a ServerCallError with the server's message. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.send(method, path, body);
    if (answer.status < 200 || answer.status > 299) throw this.refusal(answer);
    return answer.body as T;
  }

  /** Every object of a collection, following @odata.nextLink. */
  async getAll<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    for (let page = 0; next !== undefined && page < MAX_PAGES; page++) {
      const body: { value: T[]; '@odata.nextLink'?: string } = await this.call('GET', next);
      items.push(...body.value);
      next = body['@odata.nextLink'];
    }
    // Never a silently partial list: a table that looks whole but is not would mislead.
    if (next !== undefined) throw new ServerCallError(`the list has more than ${MAX_PAGES} pages (${items.length} objects read); narrow it down`);
    return items;
  }

  /** "the server answered HTTP 401: …", with the likely cause of a refused minted token. */
  refusal(answer: ServerAnswer): ServerCallError {
    let hint = '';
    if (answer.status === 401 && this.options.token === undefined) {
      hint = ` (the token was minted with the key of --data ${this.options.data}${this.options.database ? ' / --database' : ''}: is that the running server's?)`;
    }
    return new ServerCallError(`the server answered HTTP ${answer.status}: ${serverMessageOf(answer)}${hint}`, answer.status);
  }
}

export const paths = {
  pki: (id: string) => `${PKIS_PATH}/${encodeURIComponent(id)}`,
  cas: (pkiId: string) => `${PKIS_PATH}/${encodeURIComponent(pkiId)}/certificateAuthorities`,
  ca: (pkiId: string, caId: string) => `${PKIS_PATH}/${encodeURIComponent(pkiId)}/certificateAuthorities/${encodeURIComponent(caId)}`,
  upload: (pkiId: string) => `${PKIS_PATH}/${encodeURIComponent(pkiId)}/upload`,
};
