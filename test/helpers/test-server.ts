// Starts the real server (the same startServer the CLI uses) on a loopback port with a fresh data folder
// and SQLite file, and offers token minting and a small fetch wrapper.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultServerConfig, type ServerConfig } from '../../src/config.ts';
import { PERMISSION_READ, PERMISSION_READ_WRITE, DIRECTORY_ROLES } from '../../src/auth/permissions.ts';
import { DEFAULT_TENANT_ID, mintToken, type TokenRequest } from '../../src/auth/token-issuer.ts';
import { startServer, type RunningServer, type ServerHooks } from '../../src/server.ts';
import { freshTestDatabase } from './backend.ts';

export const TENANT_A = DEFAULT_TENANT_ID;
export const TENANT_B = '00000000-0000-4000-8000-00000000000b';
export const PKI_PATH = '/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations';

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body (undefined when the body is empty or not JSON). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
  readonly body: any;
}

export interface RequestOptions {
  readonly token?: string | null;
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

export interface TestServer {
  readonly server: RunningServer;
  readonly url: string;
  readonly dataDir: string;
  token(request?: Partial<TokenRequest>): Promise<string>;
  request(method: string, urlPath: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export async function startTestServer(overrides: Partial<ServerConfig> = {}, hooks: ServerHooks = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'graph-pki-test-')));
  const database = overrides.database ?? (await freshTestDatabase());
  const server = await startServer(defaultServerConfig({ dataDir, port: 0, logLevel: 'silent', ...overrides, database }), hooks);
  let defaultToken: string | undefined;

  const token = (request: Partial<TokenRequest> = {}) =>
    mintToken(server.signingKey, {
      tenantId: TENANT_A,
      appRoles: [PERMISSION_READ_WRITE],
      scopes: [],
      directoryRoles: [],
      ttlSeconds: 3600,
      ...request,
    });

  return {
    server,
    url: server.url,
    dataDir,
    token,
    async request(method, urlPath, options = {}) {
      if (options.token === undefined) defaultToken ??= await token();
      const authToken = options.token === undefined ? defaultToken : options.token;
      return send(server.url, method, urlPath, authToken, options);
    },
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function send(
  baseUrl: string,
  method: string,
  urlPath: string,
  token: string | null | undefined,
  options: RequestOptions = {},
): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${urlPath}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

export const tokens = {
  readOnlyApp: { appRoles: [PERMISSION_READ] },
  delegatedReadWrite: {
    scopes: [PERMISSION_READ_WRITE],
    directoryRoles: [DIRECTORY_ROLES.privilegedAuthenticationAdministrator],
  },
} satisfies Record<string, Partial<TokenRequest>>;
