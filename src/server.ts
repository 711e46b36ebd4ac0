// Composition root: opens the database, loads the signing key, wires the use cases into the HTTP app,
// starts the job runner and listens. Used by `graph-pki serve` and by the tests, so both run exactly the
// same server.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { databaseLocation, type ServerConfig } from './config.ts';
import type { SigningKey } from './auth/signing-key.ts';
import { resolveSigningKey } from './auth/signing-key-source.ts';
import { TokenVerifier } from './auth/token-verifier.ts';
import { buildApp } from './http/app.ts';
import { describeListenError } from './http/listen-error.ts';
import { logDestination } from './http/log-destination.ts';
import { AppMetrics } from './http/metrics.ts';
import { GuardedFetcher, type LookupFunction } from './net/guarded-fetcher.ts';
import { randomBytes } from 'node:crypto';
import { SkiptokenCodec } from './graph/skiptoken.ts';
import { CaService } from './service/trust-store/ca-service.ts';
import { ClassicStoreService } from './service/trust-store/classic-store-service.ts';
import { ClassicMigrationService } from './service/trust-store/classic-migration-service.ts';
import { DeletedItemsService } from './service/trust-store/deleted-items-service.ts';
import { JobRunner } from './service/trust-store/job-runner.ts';
import { PkiService } from './service/trust-store/pki-service.ts';
import { UPLOAD_JOB, UploadService } from './service/trust-store/upload-service.ts';
import { UserService } from './service/directory/user-service.ts';
import { X509PolicyService } from './service/authentication-methods/x509-policy-service.ts';
import { AuthenticationMethodsPolicyService } from './service/authentication-methods/methods-policy-service.ts';
import { CrlService } from './service/verification/crl-service.ts';
import { CrlHealthService } from './service/verification/crl-health-service.ts';
import { logChanges } from './http/routes/verification/crl-health-routes.ts';
import { VerificationService } from './service/verification/verification-service.ts';
import { openDatabase, type OpenDatabase } from './store/database.ts';
import { Store } from './store/store.ts';
import { loadTls } from './http/tls-material.ts';
import { loadSeedFile } from './service/admin/seed-file.ts';
import { type SeedResult, SeedService } from './service/admin/seed-service.ts';
import { SnapshotService } from './service/admin/snapshot-service.ts';
import { TenantResetService } from './service/admin/tenant-reset-service.ts';
import { defaultWebAssetsDir } from './http/admin-page.ts';
import { isLoopbackHost, localDevTokenIssuer } from './http/routes/admin/dev-token-routes.ts';
import { Throttle } from './service/throttle/throttle.ts';
import { ThrottleBucketRepository } from './store/throttle-bucket-repository.ts';
import { buildSigninApp } from './http/signin-app.ts';
import { CertificateSignInService } from './service/signin/certificate-sign-in.ts';
import { OidcClientService } from './service/signin/oidc-clients.ts';
import { SignInLogService } from './service/signin/sign-in-log.ts';
import { DirectoryRoleService } from './service/signin/directory-roles.ts';
import { IssuerHintService } from './service/trust-store/issuer-hints.ts';

/** Shared throttle buckets untouched this long are deleted by the hourly sweep (any window is far shorter). */
const THROTTLE_BUCKET_IDLE_MS = 24 * 3_600_000;

export interface RunningServer {
  readonly app: FastifyInstance;
  /** The URL the server listens on, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly publicUrl: string;
  readonly database: OpenDatabase;
  readonly store: Store;
  readonly signingKey: SigningKey;
  readonly jobs: JobRunner;
  readonly deletedItems: DeletedItemsService;
  /** Directory users and the look-ups username binding needs (findByCertificateUserId, findByUserProperty). */
  readonly users: UserService;
  /** The tenants' X.509 authentication-method policies (what certificate verification applies). */
  readonly x509Policies: X509PolicyService;
  /** Graph's throttling, when on (its buckets are shared with other instances on PostgreSQL). */
  readonly throttle: Throttle | undefined;
  /** The self-signed certificate `--https` generated or reused in the data folder, if any. */
  readonly selfSignedCertFile: string | undefined;
  /** What the TLS set-up wants the operator to know (a renewed self-signed certificate, an expired own one). */
  readonly tlsNotices: readonly string[];
  /** The certificate sign-in listener's URL (https://…), when --signin-port is given. */
  readonly signinUrl: string | undefined;
  /** What `--seed` added and found present; undefined without a seed file. */
  readonly seeded: SeedResult | undefined;
  /** Stops accepting connections, lets in-flight requests and the running job finish, closes the database. */
  close(): Promise<void>;
}

export interface ServerHooks {
  /** DNS resolution for outbound downloads (tests map names to local addresses). */
  readonly lookup?: LookupFunction;
  /** Start the job runner (default true); tests of job recovery start it themselves. */
  readonly runJobs?: boolean;
  /** Folder of the admin page's built files (default: dist/web of this package). */
  readonly webAssetsDir?: string;
  /** Let the fast read path answer where it can (default true); tests compare it with the Fastify route. */
  readonly fastReads?: boolean;
}

export async function startServer(config: ServerConfig, hooks: ServerHooks = {}): Promise<RunningServer> {
  // Before the database opens, so a missing certificate or key fails fast with nothing to clean up.
  const tls = config.tls ? await loadTls(config.tls, config.dataDir) : undefined;
  const database = await openDatabase(databaseLocation(config), config.databaseOptions);
  let signingKey: SigningKey;
  try {
    signingKey = await resolveSigningKey(config.dataDir, database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const store = new Store(database, config.limits.pkiReadCacheEntries);
  const limits = config.limits;
  let publicUrl = config.publicUrl?.replace(/\/+$/, '') ?? '';

  const fetcher = new GuardedFetcher(
    {
      maxBytes: limits.maxUploadBytes,
      connectTimeoutMs: limits.fetchConnectTimeoutMs,
      totalTimeoutMs: limits.uploadDownloadTimeoutMs,
      maxRedirects: limits.maxRedirects,
      allowPrivateAddresses: config.allowPrivateFetch,
      allowedCidrs: config.fetchAllowedCidrs,
    },
    hooks.lookup ? { lookup: hooks.lookup } : {},
  );
  const skiptokenKey = await store.repositories.settings.getOrCreate('skiptoken-hmac-key', () => randomBytes(32).toString('base64'));
  const users = new UserService(store, limits);
  const deletedItems = new DeletedItemsService(store, limits, users);
  const x509Policies = new X509PolicyService(store);
  const methodsPolicies = new AuthenticationMethodsPolicyService(store, x509Policies);
  // CRLs go through the same guarded fetcher, with Entra's limits for a download during a sign-in.
  const crlFetcher = new GuardedFetcher(
    {
      maxBytes: config.crl.maxCrlBytes,
      connectTimeoutMs: limits.fetchConnectTimeoutMs,
      totalTimeoutMs: config.crl.crlDownloadTimeoutMs,
      maxRedirects: limits.maxRedirects,
      allowPrivateAddresses: config.allowPrivateFetch,
      allowedCidrs: config.fetchAllowedCidrs,
    },
    hooks.lookup ? { lookup: hooks.lookup } : {},
  );
  // One registry per server instance (never prom-client's global one).
  const metrics: AppMetrics = new AppMetrics({ countJobsByState: () => store.repositories.jobs.countAllByState(), crlHealth: () => crlHealth.metricsEntries() });
  const crls = new CrlService(store, crlFetcher, config.crl, metrics.crlSink);
  const verification = new VerificationService(store, crls, x509Policies, limits, users);
  const crlHealth: CrlHealthService = new CrlHealthService(store, crlFetcher, config.crl, x509Policies, crls);
  let jobs: JobRunner | undefined;
  const uploads = new UploadService(store, fetcher, limits, () => jobs?.wake());
  const pkis = new PkiService(store.repositories.pkis, limits);
  const cas = new CaService(store, limits);
  const classicStore = new ClassicStoreService(store, limits);
  // Before listening: a bad seed file stops the start with nothing written and no port opened.
  let seeded: SeedResult | undefined;
  if (config.seedFile) {
    try {
      seeded = await loadSeedFile(config.seedFile, new SeedService(store, pkis, cas, classicStore, users));
    } catch (error) {
      await database.close();
      throw error;
    }
  }

  // The certificate sign-in: its OIDC clients and log exist whether or not this instance listens for sign-ins.
  const signinHost = config.host;
  let signinUrl: string | undefined;
  const signinBaseUrl = () => (config.signin.publicUrl?.replace(/\/+$/, '') ?? signinUrl);
  const oidcClients = new OidcClientService(store, () => config.signin.devClient && isLoopbackHost(signinHost));
  const signInLogs = new SignInLogService(store);
  const directoryRoles = new DirectoryRoleService(store);
  const signIns = new CertificateSignInService(store, oidcClients, verification, directoryRoles, signInLogs, signingKey, config.signin);

  // On PostgreSQL the instances share their buckets; a SQLite server is one instance and keeps them in memory.
  let throttleLog: (error: unknown) => void = () => {};
  const sharedBuckets = config.throttle.enabled && database.dialect === 'postgres' ? new ThrottleBucketRepository(database.db) : undefined;
  const throttle = config.throttle.enabled ? new Throttle(config.throttle, sharedBuckets, Date.now, (error) => throttleLog(error)) : undefined;

  const app = buildApp({
    pkis,
    cas,
    classicStore,
    classicMigration: new ClassicMigrationService(store, pkis, cas, limits.maxCasPerPki),
    admin: { snapshots: new SnapshotService(store, pkis, cas, limits, classicStore, users), resets: new TenantResetService(store), maxSnapshotBytes: limits.maxSnapshotBytes },
    uploads,
    deletedItems,
    x509Policies,
    users,
    methodsPolicies,
    verification,
    crlHealth,
    skiptokens: new SkiptokenCodec(Buffer.from(skiptokenKey, 'base64')),
    verifier: new TokenVerifier(signingKey, config.auth, limits, signinBaseUrl),
    limits,
    logLevel: config.logLevel,
    logStream: await logDestination(config.logFormat),
    publicBaseUrl: () => publicUrl,
    isReady: () => database.isReachable(),
    metrics,
    webAssetsDir: hooks.webAssetsDir ?? defaultWebAssetsDir(),
    // Only on a loopback address: there every client is on this machine (and still checked per request).
    devToken: config.devToken && isLoopbackHost(config.host) ? localDevTokenIssuer(signingKey) : undefined,
    throttle,
    signin: { clients: oidcClients, logs: signInLogs, roles: directoryRoles },
    faults: config.faults,
    fastReads: hooks.fastReads !== false && database.syncReads !== undefined,
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
  });
  jobs = new JobRunner(store, { [UPLOAD_JOB]: (job, context) => uploads.runJob(job, context) }, limits, app.log);

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await database.close();
    throw describeListenError(error, config.host, config.port);
  }
  const signinApp = config.signin.port === undefined ? undefined : await startSigninListener();
  if (hooks.runJobs !== false) jobs.start();
  throttleLog = (error) => app.log.warn({ err: error }, 'throttle buckets could not be shared; counting locally until the database answers');
  throttle?.start();
  // The sweep in flight, awaited by close() before the database goes: a server stopped right after its start
  // would otherwise log the start's sweep failing on a destroyed driver.
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    const purge = deletedItems.sweep().then(
      (purged) => {
        if (purged.pkis + purged.cas + purged.users > 0) app.log.info(purged, 'purged deleted items past their retention');
      },
      (error: unknown) => app.log.error({ err: error }, 'purge sweep failed'),
    );
    // Shared throttle buckets idle for a day are full again: their rows can go.
    const buckets = sharedBuckets?.forgetIdle(THROTTLE_BUCKET_IDLE_MS).catch((error: unknown) => app.log.warn({ err: error }, 'throttle bucket sweep failed'));
    sweeping = Promise.all([purge, buckets]);
  };
  sweep();
  const sweeper = setInterval(sweep, limits.purgeSweepIntervalMs);
  // Authorization codes live minutes: their sweep runs as often as they expire.
  const codeSweeper = setInterval(() => {
    signIns.sweepCodes().catch((error: unknown) => app.log.warn({ err: error }, 'authorization code sweep failed'));
  }, config.signin.authorizationCodeLifetimeSeconds * 1000);
  codeSweeper.unref();
  sweeper.unref();
  const crlRefresher = setInterval(() => {
    crls.sweep().catch((error: unknown) => app.log.warn({ err: error }, 'CRL cache sweep failed'));
  }, config.crl.crlRefreshIntervalMs);
  crlRefresher.unref();
  // The CRL health monitor: a round every interval (none at start: a read checks what was never checked);
  // CRLs checked within the last half interval (by another instance or a refresh) wait for the next round.
  let crlHealthRound: Promise<void> | undefined;
  const checkCrlHealth = () => {
    crlHealthRound ??= crlHealth
      .checkAll(config.crl.crlHealthIntervalMs / 2)
      .then((changes) => logChanges(app.log, changes))
      .catch((error: unknown) => app.log.warn({ err: error }, 'CRL health check failed'))
      .finally(() => (crlHealthRound = undefined));
  };
  const crlHealthMonitor = config.crl.crlHealthIntervalMs > 0 ? setInterval(checkCrlHealth, config.crl.crlHealthIntervalMs) : undefined;
  crlHealthMonitor?.unref();
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${host}:${address.port}`;
  if (!publicUrl) publicUrl = url;

  async function startSigninListener() {
    // Its own TLS certificate, made as --https makes it (or the --tls-cert pair when given).
    const material = tls ?? (await loadTls({ selfSigned: true }, config.dataDir));
    const signin = buildSigninApp({
      tls: material,
      signIn: signIns,
      hints: new IssuerHintService(store, x509Policies, config.signin.maxIssuerHintBytes),
      key: signingKey,
      config: config.signin,
      logLevel: config.logLevel,
      logStream: await logDestination(config.logFormat),
      baseUrl: () => signinBaseUrl() ?? '',
      graphBaseUrl: () => publicUrl,
    });
    const port = config.signin.port ?? 0;
    try {
      await signin.listen({ host: config.host, port });
    } catch (error) {
      await app.close();
      await database.close();
      throw describeListenError(error, config.host, port);
    }
    const bound = signin.server.address() as AddressInfo;
    signinUrl = `https://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
    return signin;
  }

  const runner = jobs;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(sweeper);
      clearInterval(codeSweeper);
      clearInterval(crlRefresher);
      // A round still downloading ends on its own; its writes fail quietly once the database is closed.
      clearInterval(crlHealthMonitor);
      await Promise.all([app.close(), signinApp?.close(), runner.stop(), sweeping]);
      await throttle?.stop().catch(() => {});
      await database.close();
    })();
    return closing;
  };
  return { app, url, publicUrl, database, store, signingKey, jobs: runner, deletedItems, users, x509Policies, throttle, selfSignedCertFile: tls?.selfSignedCertFile, tlsNotices: tls?.notices ?? [], seeded, signinUrl, close };
}
