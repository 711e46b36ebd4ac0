// One typed configuration for the server. The CLI fills it from flags and GRAPH_PKI_* environment
// variables; tests build it directly. Every limit the service enforces is named here with its default.
import path from 'node:path';

export interface Limits {
  /** Largest request body accepted, in bytes (413 above). */
  readonly maxRequestBodyBytes: number;
  /** Objects returned by a list request that has no $top. */
  readonly defaultPageSize: number;
  /** Largest $top. */
  readonly maxPageSize: number;
  /** Days a soft-deleted PKI or CA can be restored before the sweep purges it. */
  readonly deletedItemRetentionDays: number;
  /** How often the purge sweep runs, in ms. */
  readonly purgeSweepIntervalMs: number;
  /** Longest displayName of a PKI, in characters. */
  readonly maxDisplayNameLength: number;
  /** Tolerated clock difference when checking a token's exp and nbf, in seconds. */
  readonly tokenClockSkewSeconds: number;
  /** Verified tokens kept in memory so a repeated token is not verified again. */
  readonly tokenCacheEntries: number;
  /** How long a graceful shutdown waits for in-flight requests before closing anyway, in ms. */
  readonly shutdownTimeoutMs: number;
  /** Certificate authorities one PKI may hold (Entra: 250). */
  readonly maxCasPerPki: number;
  /** Largest DER certificate of one CA, in bytes (Entra: 8 KB per CA object). */
  readonly maxCaCertificateBytes: number;
  /** Largest .p7b file an upload downloads, in bytes (Entra: 2 MB). */
  readonly maxUploadBytes: number;
  /** Time allowed to connect to an upload URL's server, in ms. */
  readonly fetchConnectTimeoutMs: number;
  /** Time allowed for a whole upload download including redirects, in ms. */
  readonly uploadDownloadTimeoutMs: number;
  /** Redirects an outbound download may follow. */
  readonly maxRedirects: number;
  /** How long a claimed job stays ours without a heartbeat, in ms; then another instance may take it. */
  readonly jobLeaseMs: number;
  /** How often idle job runners look for work, in ms. */
  readonly jobPollIntervalMs: number;
  /** Claims of one job before it is failed as repeatedly interrupted. */
  readonly jobMaxAttempts: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxRequestBodyBytes: 1024 * 1024,
  defaultPageSize: 100,
  maxPageSize: 999,
  deletedItemRetentionDays: 30,
  purgeSweepIntervalMs: 60 * 60_000,
  maxDisplayNameLength: 256,
  tokenClockSkewSeconds: 300,
  tokenCacheEntries: 10_000,
  shutdownTimeoutMs: 10_000,
  maxCasPerPki: 250,
  maxCaCertificateBytes: 8 * 1024,
  maxUploadBytes: 2 * 1024 * 1024,
  fetchConnectTimeoutMs: 5_000,
  uploadDownloadTimeoutMs: 30_000,
  maxRedirects: 3,
  jobLeaseMs: 30_000,
  jobPollIntervalMs: 500,
  jobMaxAttempts: 3,
};

/** Connection settings of PostgreSQL (SQLite needs none). */
export interface DatabaseOptions {
  /** Connections per instance. */
  readonly poolSize: number;
  /** A statement running longer is cancelled by the server, in ms. */
  readonly statementTimeoutMs: number;
  /** Time to wait for a connection (new or from the pool) before answering 503, in ms. */
  readonly connectTimeoutMs: number;
  /** PEM file of the CA to verify the server's TLS certificate with; TLS itself is chosen by `sslmode` in the URL. */
  readonly tlsCaFile: string | undefined;
}

export const DEFAULT_DATABASE_OPTIONS: DatabaseOptions = {
  poolSize: 10,
  statementTimeoutMs: 15_000,
  connectTimeoutMs: 5_000,
  tlsCaFile: undefined,
};

/** CRL downloads during verification (Entra: 20 MB within 10 s; refreshed before expiry). */
export interface CrlConfig {
  readonly maxCrlBytes: number;
  readonly crlDownloadTimeoutMs: number;
  /** The background refresh downloads CRLs this long before their nextUpdate, in ms. */
  readonly crlRefreshAheadMs: number;
  /** How often the background refresh runs, in ms. */
  readonly crlRefreshIntervalMs: number;
  readonly crlMemoryEntries: number;
}

export const DEFAULT_CRL_CONFIG: CrlConfig = {
  maxCrlBytes: 20 * 1024 * 1024,
  crlDownloadTimeoutMs: 10_000,
  crlRefreshAheadMs: 30 * 60_000,
  crlRefreshIntervalMs: 5 * 60_000,
  crlMemoryEntries: 256,
};

export interface AuthConfig {
  /** Accepted `aud` values. */
  readonly audiences: readonly string[];
  /** A JWKS endpoint of an external identity provider, or undefined to accept only locally minted tokens. */
  readonly jwksUrl: string | undefined;
  /** Accepted `iss` values for JWKS tokens; `{tenantid}` stands for the token's own `tid`. */
  readonly issuers: readonly string[];
}

export const GRAPH_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'] as const;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** HTTPS: a certificate and key given as PEM files, or a self-signed certificate kept in the data folder. */
export type TlsConfig = { readonly certFile: string; readonly keyFile: string } | { readonly selfSigned: true };

export interface ServerConfig {
  /** Folder for the SQLite file and the local token-signing key. */
  readonly dataDir: string;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** `sqlite:<file>`, a file path, `:memory:`, or `postgres://…`; undefined = SQLite file in dataDir. */
  readonly database: string | undefined;
  readonly databaseOptions: DatabaseOptions;
  /** Base URL used in @odata.context and nextLinks; undefined = the URL the server listens on. */
  readonly publicUrl: string | undefined;
  readonly logLevel: LogLevel;
  /** Let outbound downloads reach loopback, private and link-local addresses (tests, air-gapped sites). */
  readonly allowPrivateFetch: boolean;
  /** Address ranges outbound downloads may reach even though they are private (e.g. an internal CRL host). */
  readonly fetchAllowedCidrs: readonly string[];
  readonly auth: AuthConfig;
  readonly limits: Limits;
  readonly crl: CrlConfig;
  /** Serve HTTPS instead of plain HTTP; undefined = HTTP. */
  readonly tls: TlsConfig | undefined;
}

export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const SQLITE_FILE_NAME = 'graph-pki.db';

export function defaultServerConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    dataDir: DEFAULT_DATA_DIR,
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    database: undefined,
    databaseOptions: DEFAULT_DATABASE_OPTIONS,
    publicUrl: undefined,
    logLevel: 'info',
    allowPrivateFetch: false,
    fetchAllowedCidrs: [],
    auth: { audiences: [...GRAPH_AUDIENCES], jwksUrl: undefined, issuers: [] },
    limits: DEFAULT_LIMITS,
    crl: DEFAULT_CRL_CONFIG,
    tls: undefined,
    ...overrides,
  };
}

/** Where the database lives, as the store layer understands it. */
export function databaseLocation(config: Pick<ServerConfig, 'database' | 'dataDir'>): string {
  return config.database ?? path.join(config.dataDir, SQLITE_FILE_NAME);
}
