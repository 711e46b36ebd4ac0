// `graph-pki serve`: runs the server until SIGTERM/SIGINT, then shuts down gracefully and exits 0.
import { Command } from 'commander';
import {
  DEFAULT_DATA_DIR,
  DEFAULT_CRL_CONFIG,
  DEFAULT_DATABASE_OPTIONS,
  DEFAULT_HOST,
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  DEFAULT_SIGNIN_CONFIG,
  DEFAULT_THROTTLE_CONFIG,
  type FaultRule,
  GRAPH_AUDIENCES,
  LOG_FORMATS,
  LOG_LEVELS,
  defaultServerConfig,
  type LogFormat,
  type LogLevel,
  type ServerConfig,
} from '../config.ts';
import { envOption, parseDatabaseLocation, parseHttpUrl, parseInteger, parseList, parseShare } from './options.ts';
import { describeFaultRule, parseFaultRules } from './fault-option.ts';

/** How the start-up warning about fault injection begins (tests and log searches look for it). */
export const FAULT_INJECTION_NOTICE = 'FAULT INJECTION IS ON';

interface ServeOptions {
  data: string;
  host: string;
  port: number;
  database?: string;
  publicUrl?: string;
  devToken: 'on' | 'off';
  jwksUrl?: string;
  issuer: string[];
  audience: string[];
  logLevel: LogLevel;
  logFormat: LogFormat;
  maxBodyBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  allowPrivateFetch: boolean;
  fetchAllowedCidrs: string[];
  maxCasPerPki: number;
  maxCertificateUserIds: number;
  maxCertificateUserIdLength: number;
  maxBatchRequests: number;
  maxJsonDepth: number;
  maxUploadBytes: number;
  uploadTimeoutMs: number;
  jobLeaseMs: number;
  uploadConcurrency: number;
  uploadConcurrencyPerTenant: number;
  dbPoolSize: number;
  dbStatementTimeoutMs: number;
  dbConnectTimeoutMs: number;
  dbTlsCaFile?: string;
  deletedItemRetentionDays: number;
  pkiReadCache: number;
  crlMaxBytes: number;
  crlTimeoutMs: number;
  crlCacheMemoryBytes: number;
  crlCacheDatabaseBytes: number;
  crlLoadsInFlight: number;
  crlHealthIntervalMs: number;
  crlHealthWarningShare: number;
  crlHealthWarningMinimumMs: number;
  tlsCert?: string;
  tlsKey?: string;
  https: boolean;
  seed?: string;
  maxSnapshotBytes: number;
  throttle: 'on' | 'off';
  throttleResourceUnits: number;
  throttleWrites: number;
  throttleTenantWrites: number;
  fault: FaultRule[];
  faultSeed?: number;
  signinPort?: number;
  signinPublicUrl?: string;
  signinCodeLifetimeSeconds: number;
  signinTokenLifetimeSeconds: number;
  signinRefreshTokenLifetimeSeconds: number;
  signinDevClient: 'on' | 'off';
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('Run the Graph PKI trust-store server.')
    .addOption(envOption('--data <dir>', 'folder for the SQLite file and the local token-signing key').default(DEFAULT_DATA_DIR))
    .addOption(envOption('--host <host>', 'address to listen on').default(DEFAULT_HOST))
    .addOption(envOption('--port <n>', 'TCP port (0 = any free port)').default(DEFAULT_PORT).argParser(parseInteger(0, 65535)))
    .addOption(
      envOption('--database <url>', 'SQLite file path, sqlite:<file>, :memory: (throw-away) or postgres://… (default: <data>/graph-pki.db)').argParser(parseDatabaseLocation),
    )
    .addOption(envOption('--public-url <url>', 'base URL clients use, for @odata.context (default: the listening URL)').argParser(parseHttpUrl))
    .addOption(envOption('--jwks-url <url>', 'also accept tokens signed by keys of this JWKS (an identity provider)').argParser(parseHttpUrl))
    .addOption(
      envOption('--issuer <list>', "accepted iss values of JWKS tokens, comma-separated; {tenantid} stands for the token's tid")
        .default([])
        .argParser(parseList),
    )
    .addOption(envOption('--audience <list>', 'accepted aud values, comma-separated').default([...GRAPH_AUDIENCES]).argParser(parseList))
    .addOption(envOption('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .addOption(
      envOption('--dev-token <on|off>', "offer the admin page a local read-write token (POST /_dev/token) when listening on a loopback address")
        .choices(['on', 'off'])
        .default('on'),
    )
    .addOption(
      envOption('--log-format <format>', 'log lines as json, pretty (pino-pretty), or auto: pretty when standard error is a terminal')
        .choices(LOG_FORMATS)
        .default('auto'),
    )
    .addOption(
      envOption('--max-body-bytes <n>', 'largest request body accepted').default(DEFAULT_LIMITS.maxRequestBodyBytes).argParser(parseInteger(1024, 64 * 1024 * 1024)),
    )
    .addOption(
      envOption('--headers-timeout-ms <ms>', "time a client has to send a request's headers; then 408 and the connection closes")
        .default(DEFAULT_LIMITS.headersTimeoutMs)
        .argParser(parseInteger(100, 3_600_000)),
    )
    .addOption(
      envOption('--request-timeout-ms <ms>', 'time a client has to send a whole request, body included; then 408 and the connection closes')
        .default(DEFAULT_LIMITS.requestTimeoutMs)
        .argParser(parseInteger(100, 3_600_000)),
    )
    .addOption(
      envOption('--keep-alive-timeout-ms <ms>', 'how long an idle kept-alive connection stays open between requests')
        .default(DEFAULT_LIMITS.keepAliveTimeoutMs)
        .argParser(parseInteger(100, 3_600_000)),
    )
    .addOption(
      envOption('--max-connections <n>', 'connections open at once; one beyond is answered 503 and closed')
        .default(DEFAULT_LIMITS.maxConnections)
        .argParser(parseInteger(1, 10_000_000)),
    )
    .addOption(
      envOption('--max-connections-per-address <n>', 'connections open at once from one client address; one beyond is answered 429 and closed (0 = no cap)')
        .default(DEFAULT_LIMITS.maxConnectionsPerAddress)
        .argParser(parseInteger(0, 10_000_000)),
    )
    .addOption(envOption('--allow-private-fetch', 'let uploads (and CRL downloads) reach loopback, private and link-local addresses').default(false))
    .addOption(
      envOption('--fetch-allowed-cidrs <list>', 'private address ranges downloads may reach, comma-separated (e.g. 10.20.0.0/16)').default([]).argParser(parseList),
    )
    .addOption(envOption('--max-cas-per-pki <n>', 'certificate authorities one PKI may hold').default(DEFAULT_LIMITS.maxCasPerPki).argParser(parseInteger(1, 100_000)))
    .addOption(
      envOption('--max-certificate-user-ids <n>', "values a user's authorizationInfo.certificateUserIds may hold")
        .default(DEFAULT_LIMITS.maxCertificateUserIds)
        .argParser(parseInteger(1, 1000)),
    )
    .addOption(
      envOption('--max-certificate-user-id-length <n>', 'characters one certificateUserIds value may have')
        .default(DEFAULT_LIMITS.maxCertificateUserIdLength)
        .argParser(parseInteger(1, 65_536)),
    )
    .addOption(
      envOption('--max-batch-requests <n>', 'requests one JSON batch ($batch) may hold')
        .default(DEFAULT_LIMITS.maxBatchRequests)
        .argParser(parseInteger(1, 1000)),
    )
    .addOption(
      envOption('--max-json-depth <n>', 'levels of arrays and objects a JSON request body may nest; deeper is refused (400) before it is parsed')
        .default(DEFAULT_LIMITS.maxJsonDepth)
        .argParser(parseInteger(16, 10_000)),
    )
    .addOption(
      envOption('--max-upload-bytes <n>', 'largest .p7b an upload downloads').default(DEFAULT_LIMITS.maxUploadBytes).argParser(parseInteger(1024, 1024 * 1024 * 1024)),
    )
    .addOption(
      envOption('--upload-timeout-ms <ms>', 'time allowed for one upload download').default(DEFAULT_LIMITS.uploadDownloadTimeoutMs).argParser(parseInteger(100, 3_600_000)),
    )
    .addOption(
      envOption('--job-lease-ms <ms>', "how long a claimed job stays a dead runner's before another takes it").default(DEFAULT_LIMITS.jobLeaseMs).argParser(parseInteger(300, 3_600_000)),
    )
    .addOption(
      envOption('--upload-concurrency <n>', 'upload jobs one instance runs at once').default(DEFAULT_LIMITS.uploadConcurrency).argParser(parseInteger(1, 1000)),
    )
    .addOption(
      envOption('--upload-concurrency-per-tenant <n>', 'upload jobs one tenant may have running at once, over all instances')
        .default(DEFAULT_LIMITS.uploadConcurrencyPerTenant)
        .argParser(parseInteger(1, 1000)),
    )
    .addOption(
      envOption('--deleted-item-retention-days <n>', 'days a deleted PKI or CA can be restored before it is purged')
        .default(DEFAULT_LIMITS.deletedItemRetentionDays)
        .argParser(parseInteger(1, 3650)),
    )
    .addOption(
      envOption('--pki-read-cache <n>', 'PKIs kept in memory for GET by id while the database is unchanged (SQLite; 0 = off)')
        .default(DEFAULT_LIMITS.pkiReadCacheEntries)
        .argParser(parseInteger(0, 10_000_000)),
    )
    .addOption(
      envOption('--crl-max-bytes <n>', 'largest CRL downloaded while a verification waits').default(DEFAULT_CRL_CONFIG.maxCrlBytes).argParser(parseInteger(1024, 1024 * 1024 * 1024)),
    )
    .addOption(
      envOption('--crl-timeout-ms <ms>', 'time allowed for one CRL download, including its wait for a load slot').default(DEFAULT_CRL_CONFIG.crlDownloadTimeoutMs).argParser(parseInteger(100, 600_000)),
    )
    .addOption(
      envOption('--crl-cache-memory-bytes <n>', 'bytes of memory for CRLs: those kept (least recently used out first; 0 = none), those being loaded, and the working memory loads leave behind (--crl-loads-in-flight × 7/8 of the largest CRL loaded)')
        .default(DEFAULT_CRL_CONFIG.crlCacheMemoryBytes)
        .argParser(parseInteger(0, 64 * 1024 * 1024 * 1024)),
    )
    .addOption(
      envOption('--crl-cache-database-bytes <n>', 'bytes of CRLs kept in the database (their DER), least recently used out first (0 = none)')
        .default(DEFAULT_CRL_CONFIG.crlCacheDatabaseBytes)
        .argParser(parseInteger(0, 1024 * 1024 * 1024 * 1024)),
    )
    .addOption(
      envOption('--crl-loads-in-flight <n>', 'CRLs downloaded or read from the database and indexed at once; more wait, the wait counting against --crl-timeout-ms')
        .default(DEFAULT_CRL_CONFIG.crlLoadsInFlight)
        .argParser(parseInteger(1, 1000)),
    )
    .addOption(
      envOption('--crl-health-interval-ms <ms>', 'how often the CRL health monitor downloads and checks every configured CRL (0 = no monitor)')
        .default(DEFAULT_CRL_CONFIG.crlHealthIntervalMs)
        .argParser(parseInteger(0, 7 * 24 * 3_600_000)),
    )
    .addOption(
      envOption('--crl-health-warning-share <share>', "CRL health warns when less than this share (0-1) of a CRL's validity is left")
        .default(DEFAULT_CRL_CONFIG.crlHealthWarningShare)
        .argParser(parseShare),
    )
    .addOption(
      envOption('--crl-health-warning-minimum-ms <ms>', "CRL health warns when less than this much time is left before a CRL's nextUpdate")
        .default(DEFAULT_CRL_CONFIG.crlHealthWarningMinimumMs)
        .argParser(parseInteger(0, 365 * 24 * 3_600_000)),
    )
    .addOption(envOption('--db-pool-size <n>', 'PostgreSQL connections per instance').default(DEFAULT_DATABASE_OPTIONS.poolSize).argParser(parseInteger(1, 1000)))
    .addOption(
      envOption('--db-statement-timeout-ms <ms>', 'PostgreSQL cancels a statement running longer')
        .default(DEFAULT_DATABASE_OPTIONS.statementTimeoutMs)
        .argParser(parseInteger(100, 3_600_000)),
    )
    .addOption(
      envOption('--db-connect-timeout-ms <ms>', 'wait this long for a PostgreSQL connection, then answer 503')
        .default(DEFAULT_DATABASE_OPTIONS.connectTimeoutMs)
        .argParser(parseInteger(100, 600_000)),
    )
    .addOption(envOption('--db-tls-ca-file <file>', "CA (PEM) to verify PostgreSQL's TLS certificate; TLS itself is set by sslmode in the URL"))
    .addOption(envOption('--tls-cert <file>', 'serve HTTPS with this certificate (PEM, chain allowed); needs --tls-key'))
    .addOption(envOption('--tls-key <file>', 'private key (PEM) of --tls-cert'))
    .addOption(envOption('--https', 'serve HTTPS with a self-signed certificate for localhost, generated in <data> on first use').default(false))
    .addOption(envOption('--seed <file>', 'JSON file of tenants (PKIs, CAs, classic store, users, OIDC clients, roles) to load before listening; loading it again adds nothing (see README)'))
    .addOption(
      envOption('--max-snapshot-bytes <n>', 'largest tenant snapshot the admin API imports')
        .default(DEFAULT_LIMITS.maxSnapshotBytes)
        .argParser(parseInteger(1024, 512 * 1024 * 1024)),
    )
    .addOption(envOption('--throttle <on|off>', "Graph's throttling of Graph requests (429 TooManyRequests)").choices(['on', 'off']).default('on'))
    .addOption(
      envOption('--throttle-resource-units <n>', 'resource units per application and tenant per 10 s (Graph: S 3500, M 5000, L 8000)')
        .default(DEFAULT_THROTTLE_CONFIG.resourceUnits)
        .argParser(parseInteger(1, 10_000_000)),
    )
    .addOption(
      envOption('--throttle-writes <n>', 'writes per application and tenant per 150 s').default(DEFAULT_THROTTLE_CONFIG.writes).argParser(parseInteger(1, 10_000_000)),
    )
    .addOption(
      envOption('--throttle-tenant-writes <n>', 'writes per tenant (all applications) per 5 min')
        .default(DEFAULT_THROTTLE_CONFIG.tenantWrites)
        .argParser(parseInteger(1, 10_000_000)),
    )
    .addOption(
      envOption(
        '--fault <rule>',
        "inject faults for testing clients, e.g. 'status=429,rate=0.2,retry-after=2' or 'delay=1500,rate=0.1,methods=GET,path=/beta/**' " +
          '(keys: status|delay, rate, path, methods, retry-after, times; repeat the flag or separate rules with ;)',
      )
        .default([] as FaultRule[], 'none')
        .argParser((value: string, previous: FaultRule[]) => parseFaultRules(value, previous)),
    )
    .addOption(envOption('--signin-port <n>', 'TLS port of the certificate sign-in listener and OIDC provider (0 = any free port; default: none)').argParser(parseInteger(0, 65535)))
    .addOption(envOption('--signin-public-url <url>', 'base URL of the sign-in listener in its OIDC issuer and endpoints (default: its listening URL)').argParser(parseHttpUrl))
    .addOption(
      envOption('--signin-code-lifetime-seconds <n>', 'how long an authorization code can be redeemed')
        .default(DEFAULT_SIGNIN_CONFIG.authorizationCodeLifetimeSeconds)
        .argParser(parseInteger(1, 3600)),
    )
    .addOption(
      envOption('--signin-token-lifetime-seconds <n>', 'lifetime of the id and access tokens a sign-in issues')
        .default(DEFAULT_SIGNIN_CONFIG.tokenLifetimeSeconds)
        .argParser(parseInteger(60, 86_400)),
    )
    .addOption(
      envOption('--signin-refresh-token-lifetime-seconds <n>', 'lifetime of a refresh token (scope offline_access); each use issues a new one')
        .default(DEFAULT_SIGNIN_CONFIG.refreshTokenLifetimeSeconds)
        .argParser(parseInteger(60, 366 * 86_400)),
    )
    .addOption(envOption('--signin-dev-client <on|off>', 'offer the dev OIDC client (public, loopback redirect URIs) on a loopback sign-in listener').choices(['on', 'off']).default('on'))
    .addOption(envOption('--fault-seed <n>', 'seed for the fault rules\' random choices, to repeat a run').argParser(parseInteger(0, 2 ** 31 - 1)))
    .action(async (options: ServeOptions, command: Command) => {
      if (options.https && (options.tlsCert || options.tlsKey)) {
        command.error('error: --https generates its own certificate; give either --https or --tls-cert with --tls-key', { exitCode: 2 });
      }
      if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) {
        command.error('error: --tls-cert and --tls-key must be given together', { exitCode: 2 });
      }
      if (options.headersTimeoutMs > options.requestTimeoutMs) {
        command.error('error: --headers-timeout-ms cannot be longer than --request-timeout-ms (the headers are part of the request)', { exitCode: 2 });
      }
      if (options.jwksUrl && options.issuer.length === 0) {
        command.error('error: --jwks-url needs --issuer (the iss values to accept from that identity provider)', { exitCode: 2 });
      }
      await serve({
        ...defaultServerConfig(),
        dataDir: options.data,
        host: options.host,
        port: options.port,
        database: options.database,
        databaseOptions: {
          poolSize: options.dbPoolSize,
          statementTimeoutMs: options.dbStatementTimeoutMs,
          connectTimeoutMs: options.dbConnectTimeoutMs,
          tlsCaFile: options.dbTlsCaFile,
        },
        publicUrl: options.publicUrl,
        devToken: options.devToken === 'on',
        logLevel: options.logLevel,
        logFormat: options.logFormat,
        allowPrivateFetch: options.allowPrivateFetch,
        fetchAllowedCidrs: options.fetchAllowedCidrs,
        auth: { audiences: options.audience, jwksUrl: options.jwksUrl, issuers: options.issuer },
        limits: {
          ...DEFAULT_LIMITS,
          maxRequestBodyBytes: options.maxBodyBytes,
          headersTimeoutMs: options.headersTimeoutMs,
          requestTimeoutMs: options.requestTimeoutMs,
          keepAliveTimeoutMs: options.keepAliveTimeoutMs,
          maxConnections: options.maxConnections,
          maxConnectionsPerAddress: options.maxConnectionsPerAddress,
          maxCasPerPki: options.maxCasPerPki,
          maxCertificateUserIds: options.maxCertificateUserIds,
          maxCertificateUserIdLength: options.maxCertificateUserIdLength,
          maxBatchRequests: options.maxBatchRequests,
          maxJsonDepth: options.maxJsonDepth,
          maxUploadBytes: options.maxUploadBytes,
          uploadDownloadTimeoutMs: options.uploadTimeoutMs,
          jobLeaseMs: options.jobLeaseMs,
          uploadConcurrency: options.uploadConcurrency,
          uploadConcurrencyPerTenant: options.uploadConcurrencyPerTenant,
          deletedItemRetentionDays: options.deletedItemRetentionDays,
          maxSnapshotBytes: options.maxSnapshotBytes,
          pkiReadCacheEntries: options.pkiReadCache,
        },
        crl: {
          ...DEFAULT_CRL_CONFIG,
          maxCrlBytes: options.crlMaxBytes,
          crlDownloadTimeoutMs: options.crlTimeoutMs,
          crlCacheMemoryBytes: options.crlCacheMemoryBytes,
          crlCacheDatabaseBytes: options.crlCacheDatabaseBytes,
          crlLoadsInFlight: options.crlLoadsInFlight,
          crlHealthIntervalMs: options.crlHealthIntervalMs,
          crlHealthWarningShare: options.crlHealthWarningShare,
          crlHealthWarningMinimumMs: options.crlHealthWarningMinimumMs,
        },
        throttle: {
          ...DEFAULT_THROTTLE_CONFIG,
          enabled: options.throttle === 'on',
          resourceUnits: options.throttleResourceUnits,
          writes: options.throttleWrites,
          tenantWrites: options.throttleTenantWrites,
        },
        faults: { rules: options.fault, seed: options.faultSeed },
        seedFile: options.seed,
        signin: {
          ...DEFAULT_SIGNIN_CONFIG,
          port: options.signinPort,
          publicUrl: options.signinPublicUrl,
          authorizationCodeLifetimeSeconds: options.signinCodeLifetimeSeconds,
          tokenLifetimeSeconds: options.signinTokenLifetimeSeconds,
          refreshTokenLifetimeSeconds: options.signinRefreshTokenLifetimeSeconds,
          devClient: options.signinDevClient === 'on',
        },
        tls: options.https
          ? { selfSigned: true }
          : options.tlsCert && options.tlsKey
            ? { certFile: options.tlsCert, keyFile: options.tlsKey }
            : undefined,
      });
    });
}


async function serve(config: ServerConfig): Promise<void> {
  // Whoever reads our output may go away (`serve | head -1`, a supervisor that closes the pipe once it
  // saw "listening"). A write to that pipe then fails with EPIPE; the server must go on serving, and a
  // later SIGTERM must still drain in-flight requests. Nothing is left to tell, so the error is dropped.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  // Loaded here, not with the CLI: commands that only talk to a server start without the server's code.
  const { startServer } = await import('../server.ts');
  const server = await startServer(config);
  // Signal handlers before the start-up lines: whoever waits for "listening" may signal at once.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`graph-pki: ${signal} received, finishing in-flight requests\n`);
    const force = setTimeout(() => {
      // In-flight requests did not finish in time: drop their connections so the database can close.
      server.app.server.closeAllConnections();
    }, config.limits.shutdownTimeoutMs);
    force.unref();
    server.close().then(
      () => {
        process.stdout.write('graph-pki stopped\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`graph-pki: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (server.seeded && config.seedFile) {
    const { pkisAdded, certificateAuthoritiesAdded, pkisPresent, certificateAuthoritiesPresent, usersAdded, usersPresent } = server.seeded;
    const { classicConfigurationsAdded, classicConfigurationsPresent } = server.seeded;
    process.stdout.write(
      `seed ${config.seedFile}: added ${pkisAdded} PKIs and ${certificateAuthoritiesAdded} CAs; ${pkisPresent} PKIs and ${certificateAuthoritiesPresent} CAs were already there\n`,
    );
    // A seed of PKIs only keeps its one line; users and classic stores get theirs when the seed has any.
    if (usersAdded + usersPresent + classicConfigurationsAdded + classicConfigurationsPresent > 0) {
      process.stdout.write(
        `seed ${config.seedFile}: added ${usersAdded} users and ${classicConfigurationsAdded} classic stores; ${usersPresent} users and ${classicConfigurationsPresent} classic stores were already there\n`,
      );
    }
  }
  for (const notice of server.tlsNotices) process.stderr.write(`graph-pki: ${notice}\n`);
  // Injected faults look like a broken server to whoever did not start it: say so where the operator looks,
  // as a warning in the log stream (a JSON line when logs are JSON), before the listening line.
  if (config.faults.rules.length > 0) {
    server.app.log.warn(
      { faultRules: config.faults.rules.map(describeFaultRule), faultSeed: config.faults.seed ?? null },
      `${FAULT_INJECTION_NOTICE}: requests matching the rules get injected errors or delays; restart without --fault (GRAPH_PKI_FAULT) to turn it off`,
    );
  }
  process.stdout.write(`graph-pki listening on ${server.url} (${server.database.description})\n`);
  if (server.publicUrl !== server.url) process.stdout.write(`public URL ${server.publicUrl}\n`);
  if (server.signinUrl) process.stdout.write(`certificate sign-in listening on ${server.signinUrl} (OIDC issuer ${config.signin.publicUrl ?? server.signinUrl}/<tenant id>/v2.0)\n`);
  if (server.selfSignedCertFile) {
    const file = server.selfSignedCertFile;
    process.stdout.write(`HTTPS certificate: ${file}; trust it with NODE_EXTRA_CA_CERTS=${file} (Node) or curl --cacert ${file}\n`);
    // Listening on 0.0.0.0 or another address: the certificate names only the loopback ones.
    const host = new URL(server.url).hostname.replace(/^\[|\]$/g, '');
    if (!['localhost', '127.0.0.1', '::1'].includes(host)) {
      process.stdout.write(`It is valid for localhost, 127.0.0.1 and ::1 only: connect through one of those, or give --tls-cert/--tls-key for ${host}\n`);
    }
  }
}
