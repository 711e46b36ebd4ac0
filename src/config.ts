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
  /** Verified tokens kept in memory so a repeated token is not verified again; 0 verifies every request. */
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
  /** Upload jobs one instance runs at once. */
  readonly uploadConcurrency: number;
  /**
   * Upload jobs one tenant may have running at once over every instance: a tenant whose downloads
   * stall holds at most this many of the slots, and its other jobs wait their turn behind other tenants'.
   */
  readonly uploadConcurrencyPerTenant: number;
  /** Largest tenant snapshot the admin API imports, in bytes (413 above); larger than Graph's body limit. */
  readonly maxSnapshotBytes: number;
  /**
   * PKIs the fast read path keeps in memory (SQLite only), each reused only while nothing at all has
   * been written to the database since it was read; 0 reads every GET from the database.
   */
  readonly pkiReadCacheEntries: number;
  /** Time a client has to send a request's headers, from its first byte; then 408 and the connection closes, in ms. */
  readonly headersTimeoutMs: number;
  /** Time a client has to send a whole request, headers and body; then 408 and the connection closes, in ms. */
  readonly requestTimeoutMs: number;
  /** How long an idle kept-alive connection stays open between requests, in ms. */
  readonly keepAliveTimeoutMs: number;
  /** Connections open at once; a connection beyond is answered 503 and closed. */
  readonly maxConnections: number;
  /** Connections open at once from one client address; a connection beyond is answered 429 and closed (0 = no cap). */
  readonly maxConnectionsPerAddress: number;
  /** Values a user's authorizationInfo.certificateUserIds may hold (Entra: 10; older docs said 5). */
  readonly maxCertificateUserIds: number;
  /** Characters one certificateUserIds value may have (Entra: 1024). */
  readonly maxCertificateUserIdLength: number;
  /** Requests one JSON batch ($batch) may hold (Graph: 20); its body is capped by maxRequestBodyBytes. */
  readonly maxBatchRequests: number;
  /** Levels of arrays and objects a JSON request body may nest (deeper: 400 before it is parsed). */
  readonly maxJsonDepth: number;
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
  uploadConcurrency: 4,
  uploadConcurrencyPerTenant: 1,
  maxSnapshotBytes: 64 * 1024 * 1024,
  pkiReadCacheEntries: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 2_000,
  maxCertificateUserIds: 10,
  maxCertificateUserIdLength: 1024,
  maxBatchRequests: 20,
  maxJsonDepth: 64,
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
  /** Time allowed for one CRL download, including the wait for a load slot (crlLoadsInFlight). */
  readonly crlDownloadTimeoutMs: number;
  /** The background refresh downloads CRLs this long before their nextUpdate, in ms. */
  readonly crlRefreshAheadMs: number;
  /** How often the background refresh runs, in ms. */
  readonly crlRefreshIntervalMs: number;
  /**
   * Bytes of indexed CRLs kept in memory (the DER plus its index) and of CRL loads in progress (each
   * reserves its DER plus index and indexing scratch before its body is held), the least recently used
   * dropped first; a CRL larger than this is used but not kept. 0 keeps none (each lookup reads the
   * database). It bounds the process's growth from CRLs: part of it (crlLoadsInFlight × 7/8 of the
   * largest CRL loaded so far) is held back for the working memory loads leave behind (SQLite's and the
   * drivers' buffers, malloc's free lists, V8's heap pages), measured with bench/crl-cache.ts.
   */
  readonly crlCacheMemoryBytes: number;
  /**
   * Bytes of CRLs kept in the database (their DER), shared by every instance, the least recently used
   * emptied first (its highest CRL number is kept for the replay check). Room is made for a CRL being
   * written twice (the write-ahead log or the replaced rows hold it once more until the checkpoint or
   * VACUUM), so the database stays within this at its peak; a CRL larger than half of it is not stored.
   */
  readonly crlCacheDatabaseBytes: number;
  /**
   * CRLs downloaded, or read back from the database, and indexed at once per instance; each reserves its
   * peak (about 5/3 of its size) within crlCacheMemoryBytes while it runs. More wait their turn; the wait
   * counts against crlDownloadTimeoutMs (a download after a wait gets what is left of it).
   */
  readonly crlLoadsInFlight: number;
  /** How often the CRL health monitor downloads and checks every configured CRL, in ms (0 = no monitor). */
  readonly crlHealthIntervalMs: number;
  /** CRL health warns when less than this share (0–1) of a CRL's validity (thisUpdate → nextUpdate) is left. */
  readonly crlHealthWarningShare: number;
  /** CRL health warns when less than this much time is left before a CRL's nextUpdate, in ms. */
  readonly crlHealthWarningMinimumMs: number;
}

export const DEFAULT_CRL_CONFIG: CrlConfig = {
  maxCrlBytes: 20 * 1024 * 1024,
  crlDownloadTimeoutMs: 10_000,
  crlRefreshAheadMs: 30 * 60_000,
  crlRefreshIntervalMs: 5 * 60_000,
  // Entra's largest CRL is 20 MB: in memory with its index ~29 MB (570,000 entries), so beside the 35 MB held
  // back for the loads' working memory room for three, two beside one being loaded; in the database (the
  // DER, with room for the one being written twice) room for eight.
  crlCacheMemoryBytes: 128 * 1024 * 1024,
  crlCacheDatabaseBytes: 192 * 1024 * 1024,
  crlLoadsInFlight: 2,
  crlHealthIntervalMs: 15 * 60_000,
  crlHealthWarningShare: 0.2,
  crlHealthWarningMinimumMs: 24 * 3_600_000,
};

/**
 * Graph's identity-and-access throttling (token buckets per application and tenant), with Microsoft's
 * published numbers as defaults: 3,500 resource units per 10 s (a small tenant), 3,000 writes per 150 s
 * per application and tenant, 18,000 writes per 5 min per tenant across applications.
 */
export interface ThrottleConfig {
  readonly enabled: boolean;
  /** Resource units one application may spend in one tenant per window (S 3500, M 5000, L 8000). */
  readonly resourceUnits: number;
  readonly resourceUnitWindowMs: number;
  /** Writes (POST, PATCH, PUT, DELETE) one application may make in one tenant per window. */
  readonly writes: number;
  readonly writeWindowMs: number;
  /** Writes all applications together may make in one tenant per window. */
  readonly tenantWrites: number;
  readonly tenantWriteWindowMs: number;
  /** Share of every bucket that requests sent with `x-ms-throttle-priority: low` may not use (0–1). */
  readonly lowPriorityReserve: number;
  /** How often an instance exchanges its bucket usage with the others through PostgreSQL, in ms. */
  readonly syncIntervalMs: number;
  /** Buckets kept in memory; idle ones beyond this are forgotten (they refill to full anyway). */
  readonly maxTrackedBuckets: number;
}

export const DEFAULT_THROTTLE_CONFIG: ThrottleConfig = {
  enabled: true,
  resourceUnits: 3500,
  resourceUnitWindowMs: 10_000,
  writes: 3000,
  writeWindowMs: 150_000,
  tenantWrites: 18_000,
  tenantWriteWindowMs: 300_000,
  lowPriorityReserve: 0.1,
  syncIntervalMs: 250,
  maxTrackedBuckets: 100_000,
};

/** What an injected fault does: answer with an error status, or delay the request and then serve it. */
export type FaultEffect =
  | { readonly status: 429 | 500 | 503 | 504; readonly retryAfterSeconds: number | undefined }
  | { readonly delayMs: number };

/** One fault-injection rule: requests it matches get `effect` with probability `rate`. */
export interface FaultRule {
  /** Upper-case methods the rule applies to; empty = every method. */
  readonly methods: readonly string[];
  /** Path pattern, matched case-insensitively: `*` is one path segment (or part of one), `**` any number. */
  readonly path: string;
  /** Probability (0–1) that a matching request gets the fault. */
  readonly rate: number;
  /** Inject at most this many times (per instance), then stop; undefined = no limit. */
  readonly times: number | undefined;
  readonly effect: FaultEffect;
}

/** Fault injection for testing clients; no rules = off (the default). */
export interface FaultConfig {
  readonly rules: readonly FaultRule[];
  /** Seed of the random choices, so a run can be repeated; undefined = random. */
  readonly seed: number | undefined;
}

export const DEFAULT_FAULT_CONFIG: FaultConfig = { rules: [], seed: undefined };

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

/** Log lines as JSON, through pino-pretty for people, or `auto`: pretty when standard error is a terminal. */
export type LogFormat = 'json' | 'pretty' | 'auto';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty', 'auto'];

/**
 * The certificate sign-in listener (Entra's `certauth` host beside the OIDC endpoints): a TLS port that
 * asks for a client certificate. Off unless a port is given.
 */
export interface SigninConfig {
  /** TLS port of the sign-in listener; undefined = no listener. 0 picks a free port (tests). */
  readonly port: number | undefined;
  /** Base URL the OIDC issuer and endpoints are named with; undefined = the URL the listener listens on. */
  readonly publicUrl: string | undefined;
  /** How long an authorization code can be redeemed, in seconds (Entra: about 10 minutes). */
  readonly authorizationCodeLifetimeSeconds: number;
  /** Lifetime of the id and access tokens /token issues, in seconds (Entra: 60–90 minutes). */
  readonly tokenLifetimeSeconds: number;
  /** Lifetime of a refresh token (scope offline_access), in seconds; each redemption issues a new one (Entra: 90 days). */
  readonly refreshTokenLifetimeSeconds: number;
  /** Largest list of CA names sent as issuer hints in the TLS CertificateRequest, in bytes (Entra: 16 KB). */
  readonly maxIssuerHintBytes: number;
  /** How long a tenant's issuer-hint TLS context is reused before the trust store is read again, in ms (Entra: up to 10 min). */
  readonly issuerHintRefreshMs: number;
  /** Offer the documented dev client (public, any loopback redirect URI) when the listener is on a loopback address. */
  readonly devClient: boolean;
}

export const DEFAULT_SIGNIN_CONFIG: SigninConfig = {
  port: undefined,
  publicUrl: undefined,
  authorizationCodeLifetimeSeconds: 600,
  tokenLifetimeSeconds: 3600,
  refreshTokenLifetimeSeconds: 90 * 24 * 3600,
  maxIssuerHintBytes: 16 * 1024,
  issuerHintRefreshMs: 5_000,
  devClient: true,
};

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
  readonly logFormat: LogFormat;
  /** Let outbound downloads reach loopback, private and link-local addresses (tests, air-gapped sites). */
  readonly allowPrivateFetch: boolean;
  /** Address ranges outbound downloads may reach even though they are private (e.g. an internal CRL host). */
  readonly fetchAllowedCidrs: readonly string[];
  readonly auth: AuthConfig;
  readonly limits: Limits;
  readonly crl: CrlConfig;
  /** Serve HTTPS instead of plain HTTP; undefined = HTTP. */
  readonly tls: TlsConfig | undefined;
  /** Offer the admin page's local dev token (POST /_dev/token) when listening on a loopback address. */
  readonly devToken: boolean;
  /** JSON file of tenants (PKIs and CAs, classic store, users, OIDC clients, roles) loaded at start (idempotently); undefined = none. */
  readonly seedFile: string | undefined;
  readonly throttle: ThrottleConfig;
  readonly faults: FaultConfig;
  readonly signin: SigninConfig;
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
    logFormat: 'auto',
    allowPrivateFetch: false,
    fetchAllowedCidrs: [],
    auth: { audiences: [...GRAPH_AUDIENCES], jwksUrl: undefined, issuers: [] },
    limits: DEFAULT_LIMITS,
    crl: DEFAULT_CRL_CONFIG,
    tls: undefined,
    devToken: true,
    seedFile: undefined,
    throttle: DEFAULT_THROTTLE_CONFIG,
    faults: DEFAULT_FAULT_CONFIG,
    signin: DEFAULT_SIGNIN_CONFIG,
    ...overrides,
  };
}

/** What `--database` accepts, for messages. */
export const ACCEPTED_DATABASE_LOCATIONS = 'a SQLite file path, sqlite:<file>, :memory: (nothing kept) or postgres://… (postgresql://…)';

/**
 * Why `value` is not a database location we can open, or undefined when it is one: a SQLite file path,
 * `sqlite:<file>`, `:memory:`, or a `postgres://` / `postgresql://` URL. Anything else that looks like a
 * URL (`mysql://x`, `postgress://…`, `postgres:db`) is refused rather than opened as an oddly named
 * SQLite file (`./postgress:/…`) that would silently hold the data.
 */
/** Whether a database location names PostgreSQL (postgres:// or postgresql://) rather than SQLite. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

export function databaseLocationProblem(value: string): string | undefined {
  if (value.trim() === '') return `it is empty; expected ${ACCEPTED_DATABASE_LOCATIONS}`;
  if (isPostgresUrl(value)) {
    try {
      new URL(value);
      return undefined;
    } catch {
      return `it is not a valid URL; expected postgres://user@host:port/database`;
    }
  }
  if (value === ':memory:' || /^sqlite:/i.test(value)) return undefined;
  // A scheme (letters, then ':') is a URL we do not speak, except a Windows drive letter (C:\…).
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1];
  if (scheme && !/^[a-z]:[\\/]/i.test(value)) return `'${scheme}:' is not a database graph-pki can use; expected ${ACCEPTED_DATABASE_LOCATIONS}`;
  return undefined;
}

/** Where the database lives, as the store layer understands it. */
export function databaseLocation(config: Pick<ServerConfig, 'database' | 'dataDir'>): string {
  return config.database ?? path.join(config.dataDir, SQLITE_FILE_NAME);
}
