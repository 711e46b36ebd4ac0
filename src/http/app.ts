// The Fastify application: Graph routes under /beta and /v1.0 (authenticated); their $metadata, /healthz,
// /readyz, /metrics and /openapi.json (not); Graph's headers and error envelope on everything.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { DestinationStream } from 'pino';
import packageJson from '../../package.json' with { type: 'json' };
import type { FaultConfig, Limits, LogLevel } from '../config.ts';
import type { Throttle } from '../service/throttle/throttle.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { API_VERSIONS, type ApiVersion } from '../graph/context.ts';
import { graphErrors } from '../service/errors.ts';
import type { SkiptokenCodec } from '../graph/skiptoken.ts';
import type { CaService } from '../service/trust-store/ca-service.ts';
import type { ClassicStoreService } from '../service/trust-store/classic-store-service.ts';
import type { ClassicMigrationService } from '../service/trust-store/classic-migration-service.ts';
import type { DeletedItemsService } from '../service/trust-store/deleted-items-service.ts';
import type { PkiService } from '../service/trust-store/pki-service.ts';
import type { UploadService } from '../service/trust-store/upload-service.ts';
import type { VerificationService } from '../service/verification/verification-service.ts';
import type { CrlHealthService } from '../service/verification/crl-health-service.ts';
import type { X509PolicyService } from '../service/authentication-methods/x509-policy-service.ts';
import type { UserService } from '../service/directory/user-service.ts';
import type { AuthenticationMethodsPolicyService } from '../service/authentication-methods/methods-policy-service.ts';
import { registerAdminPage } from './admin-page.ts';
import { type AdmissionCheck, registerGraphAuth } from './auth-hook.ts';
import { registerFaultInjection } from './fault-injection.ts';
import { throttleAdmission } from './throttle-admission.ts';
import { registerErrorHandler } from './error-handler.ts';
import { registerJsonBodyParser } from './json-body.ts';
import { graphClientErrorHandler, graphFrameworkErrors, lastPathSegment } from './framework-errors.ts';
import { documentOperations, OPENAPI_COMPONENTS, OPENAPI_CONVENTIONS } from './openapi-document.ts';
import { type AppMetrics, registerMetricsRoute, registerRequestMetrics } from './metrics.ts';
import { sendGraphError } from './graph-reply.ts';
import type { GraphRouteContext } from './graph-routes.ts';
import { registerRequestIds } from './request-ids.ts';
import { fastPkiRead } from './fast-pki-read.ts';
import { serverWithFastPath } from './http-server.ts';
import { registerRequestLog } from './request-log.ts';
import { registerStorableInputCheck } from './storable-input.ts';
import { registerAdminAuth } from './admin-auth-hook.ts';
import { ADMIN_PREFIX, type AdminServices, registerAdminRoutes } from './routes/admin/admin-routes.ts';
import { registerCaRoutes } from './routes/trust-store/ca-routes.ts';
import { registerClassicStoreRoutes } from './routes/trust-store/classic-store-routes.ts';
import { registerClassicMigrationRoutes } from './routes/trust-store/classic-migration-routes.ts';
import { registerDeletedItemsRoutes } from './routes/trust-store/deleted-items-routes.ts';
import { type DevTokenIssuer, registerDevTokenRoutes } from './routes/admin/dev-token-routes.ts';
import { registerMetadataRoutes } from './routes/metadata-routes.ts';
import { registerPkiRoutes } from './routes/trust-store/pki-routes.ts';
import { registerRootRoutes } from './routes/root-routes.ts';
import { registerBatchRoutes } from './routes/batch/batch-routes.ts';
import { registerUploadRoutes } from './routes/trust-store/upload-routes.ts';
import { registerVerifyRoutes, VERIFY_PREFIX } from './routes/verification/verify-routes.ts';
import { registerCrlHealthRoutes } from './routes/verification/crl-health-routes.ts';
import { registerX509PolicyRoutes } from './routes/authentication-methods/x509-policy-routes.ts';
import { registerUserRoutes } from './routes/directory/user-routes.ts';
import { registerMethodsPolicyRoutes } from './routes/authentication-methods/methods-policy-routes.ts';
import { registerOidcClientRoutes } from './routes/admin/oidc-client-routes.ts';
import { registerSignInLogRoutes } from './routes/signin/sign-in-log-routes.ts';
import type { OidcClientService } from '../service/signin/oidc-clients.ts';
import type { SignInLogService } from '../service/signin/sign-in-log.ts';
import type { DirectoryRoleService } from '../service/signin/directory-roles.ts';

export interface AppDependencies {
  readonly pkis: PkiService;
  readonly cas: CaService;
  /** The classic trust store (organization/{id}/certificateBasedAuthConfiguration). */
  readonly classicStore: ClassicStoreService;
  /** Copies the classic store into a PKI (POST /graph-pki/v1/migrate-classic). */
  readonly classicMigration: ClassicMigrationService;
  readonly uploads: UploadService;
  readonly deletedItems: DeletedItemsService;
  readonly x509Policies: X509PolicyService;
  readonly users: UserService;
  readonly methodsPolicies: AuthenticationMethodsPolicyService;
  readonly verification: VerificationService;
  readonly crlHealth: CrlHealthService;
  readonly skiptokens: SkiptokenCodec;
  readonly verifier: TokenVerifier;
  readonly limits: Limits;
  readonly logLevel: LogLevel;
  /** Where log lines go (JSON or pretty, log-destination.ts); standard error as JSON when absent. */
  readonly logStream?: DestinationStream;
  /** The public base URL (no trailing slash); known only once the server listens. */
  publicBaseUrl(): string;
  /** The admin API's use cases (/_admin, admin tokens only). */
  readonly admin: AdminServices;
  /** Answers whether the database is reachable, for /healthz and /readyz. */
  isReady(): Promise<boolean>;
  /** This instance's Prometheus registry and instruments, served at /metrics. */
  readonly metrics: AppMetrics;
  /** The admin page's built files (dist/web), served at /. */
  readonly webAssetsDir: string;
  /** The local dev token behind the admin page's button; absent = not offered (its path answers 404). */
  readonly devToken?: DevTokenIssuer | undefined;
  /** Serve HTTPS with this PEM certificate and key (plain HTTP when absent). */
  readonly https?: { readonly cert: Buffer; readonly key: Buffer };
  /** Graph's throttling of authenticated Graph requests; absent = off. */
  readonly throttle: Throttle | undefined;
  /** Fault injection rules for testing clients (no rules = off). */
  readonly faults: FaultConfig;
  /** The certificate sign-in's clients (admin API) and log (auditLogs/signIns). */
  readonly signin: { readonly clients: OidcClientService; readonly logs: SignInLogService; readonly roles: DirectoryRoleService };
  /** Whether the store reads synchronously (SQLite), which the fast read path of GET one PKI needs. */
  readonly fastReads: boolean;
}

export function buildApp(deps: AppDependencies): FastifyInstance {
  // GET of one PKI is answered before Fastify sees it when the store reads synchronously (SQLite) and
  // no fault is to be injected (fast-pki-read.ts); every other request, and every miss, goes to Fastify.
  let closing = false;
  const fast =
    deps.fastReads && deps.faults.rules.length === 0
      ? fastPkiRead({
          pkis: deps.pkis,
          verifier: deps.verifier,
          throttle: deps.throttle,
          metrics: deps.metrics,
          publicBaseUrl: deps.publicBaseUrl,
          log: () => app.log,
          closing: () => closing,
        })
      : undefined;
  const app: FastifyInstance = Fastify({
    // Our own server (http-server.ts): the fast read path when there is one, and `%24` read as `$`.
    serverFactory: serverWithFastPath({
      fast,
      tls: deps.https,
      limits: deps.limits,
      onError: (error) => app.log.error({ err: error }, 'fast read path failed'),
    }),
    // http-server.ts drains on close: kept-alive idle connections stay open while requests are in flight.
    forceCloseConnections: false,
    logger: { level: deps.logLevel, stream: deps.logStream ?? process.stderr, redact: ['req.headers.authorization'] },
    // request-log.ts writes the one line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: () => randomUUID(),
    ...(deps.https ? { https: deps.https } : {}),
    bodyLimit: deps.limits.maxRequestBodyBytes,
    // Graph treats path segments case-insensitively; parameter values keep their case.
    // An id of any length reaches its route and is answered as not found, like any unknown id
    // (find-my-way's default of 100 characters answers 414 in its own shape; it guards regex
    // parameters, which no route here has). Node caps the whole request head at 16 KB anyway.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 16 * 1024 },
    // Requests that arrive while the server closes get a 503 in Graph's envelope (below), not Fastify's own.
    return503OnClosing: false,
    // Strict: an unknown property or a wrongly typed value is refused, never dropped or converted.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, verbose: true } },
    // A URL that does not decode, and bytes that are not HTTP, get Graph's envelope too.
    frameworkErrors: graphFrameworkErrors(deps.metrics),
    clientErrorHandler: graphClientErrorHandler,
  });

  // Graph takes JSON bodies only; Fastify's default text/plain parser would let other media types through.
  app.removeContentTypeParser('text/plain');
  registerJsonBodyParser(app, deps.limits.maxJsonDepth);
  // While closing, a request that arrives on a kept-alive connection gets 503 serviceNotAvailable with
  // Retry-After and Connection: close, so the client retries on a fresh connection (another instance);
  // the fast path steps aside for it. Requests already in flight finish normally.
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  registerRequestIds(app);
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) {
      done();
      return;
    }
    reply.header('connection', 'close');
    done(graphErrors.serviceUnavailable('The service is shutting down. Retry the request.'));
  });
  registerRequestLog(app);
  registerFaultInjection(app, deps.faults, (effect) => deps.metrics.faultInjected(effect));
  registerErrorHandler(app, deps.limits.maxRequestBodyBytes);
  registerStorableInputCheck(app);

  // Before any route, so its onRoute hook sees them all. Shared schemas are named by their $id.
  app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'graph-pki', version: packageJson.version, description: `${packageJson.description}. ${OPENAPI_CONVENTIONS}` },
      components: OPENAPI_COMPONENTS,
    },
    hideUntagged: false,
    // Responses, errors, query options and security are documented here only (openapi-document.ts), never
    // as route response schemas, whose serializers would change what the routes send.
    transform: documentOperations(deps.limits),
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  registerRequestMetrics(app, deps.metrics);

  // Operator endpoints, without auth. In a plugin so they are added after swagger's onRoute hook exists
  // (a route added directly on the root here would be added before it, and missing from the document).
  app.register(async (ops) => {
    ops.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    registerMetricsRoute(ops, deps.metrics);
    registerMetadataRoutes(ops);

    ops.get('/healthz', async (_request, reply) => {
      const ready = await deps.isReady();
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable' });
    });

    ops.get('/readyz', async (_request, reply) => {
      const ready = await deps.isReady();
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable' });
    });
  });

  // The admin page (no auth: it only holds static files; it calls the API with the user's token).
  registerAdminPage(app, deps.webAssetsDir);
  if (deps.devToken) registerDevTokenRoutes(app, deps.devToken);

  const throttled: AdmissionCheck | undefined = deps.throttle
    ? throttleAdmission(deps.throttle, (limit) => deps.metrics.requestThrottled(limit))
    : undefined;
  for (const version of API_VERSIONS) {
    app.register(
      async (graph) => {
        registerGraphAuth(graph, deps.verifier, throttled);
        const ctx = routeContext(version, deps);
        registerRootRoutes(graph, ctx);
        registerPkiRoutes(graph, ctx, deps.pkis);
        registerCaRoutes(graph, ctx, deps.cas);
        registerUploadRoutes(graph, ctx, deps.uploads);
        registerDeletedItemsRoutes(graph, ctx, deps.deletedItems);
        registerX509PolicyRoutes(graph, ctx, deps.x509Policies);
        registerUserRoutes(graph, ctx, deps.users);
        registerSignInLogRoutes(graph, ctx, deps.signin.logs);
        registerClassicStoreRoutes(graph, ctx, deps.classicStore);
        registerMethodsPolicyRoutes(graph, ctx, deps.methodsPolicies);
        registerBatchRoutes(graph, version, () => app, deps.limits.maxBatchRequests);
        graph.setNotFoundHandler(async (request, reply) =>
          sendGraphError(request, reply, graphErrors.noSuchSegment(lastPathSegment(request.url))),
        );
      },
      { prefix: `/${version}` },
    );
  }

  app.register(
    async (extension) => {
      registerGraphAuth(extension, deps.verifier);
      registerVerifyRoutes(extension, deps.verification);
      registerCrlHealthRoutes(extension, deps.crlHealth);
      registerClassicMigrationRoutes(extension, deps.classicMigration);
      extension.setNotFoundHandler(async (request, reply) =>
        sendGraphError(request, reply, graphErrors.noSuchSegment(lastPathSegment(request.url))),
      );
    },
    { prefix: VERIFY_PREFIX },
  );

  app.register(
    async (admin) => {
      registerAdminAuth(admin, deps.verifier);
      registerAdminRoutes(admin, deps.admin);
      registerOidcClientRoutes(admin, deps.signin.clients, deps.signin.roles);
      admin.setNotFoundHandler(async (request, reply) =>
        sendGraphError(request, reply, graphErrors.noSuchSegment(lastPathSegment(request.url))),
      );
    },
    { prefix: ADMIN_PREFIX },
  );

  app.setNotFoundHandler(async (request, reply) =>
    sendGraphError(request, reply, graphErrors.noSuchSegment(lastPathSegment(request.url))),
  );
  return app;
}

function routeContext(version: ApiVersion, deps: AppDependencies): GraphRouteContext {
  return {
    version,
    publicBaseUrl: deps.publicBaseUrl,
    skiptokens: deps.skiptokens,
    pageLimits: { defaultPageSize: deps.limits.defaultPageSize, maxPageSize: deps.limits.maxPageSize },
  };
}
