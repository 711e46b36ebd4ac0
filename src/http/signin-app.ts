// The certificate sign-in listener: Entra's `certauth` host and login endpoints in one TLS server beside
// the Graph API. It asks every client for a certificate (requestCert) but lets the handshake complete
// without one or with an untrusted one (rejectUnauthorized false): the sign-in verifies the chain itself
// with the tenant's trust store, CRLs and policy, and answers in OAuth's terms. With SNI naming a tenant
// (`<tenant id>.<anything>`, e.g. <tid>.certauth.localhost), the CertificateRequest lists that tenant's
// issuer hints.
import { createSecureContext, type SecureContext } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { LogLevel, SigninConfig } from '../config.ts';
import type { SigningKey } from '../auth/signing-key.ts';
import type { CertificateSignInService } from '../service/signin/certificate-sign-in.ts';
import type { IssuerHintService } from '../service/trust-store/issuer-hints.ts';
import { registerOidcRoutes } from './routes/signin/oidc-routes.ts';

const GUID_LABEL = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\./i;
/** Largest token request body; a form with a code, a verifier and a secret is well below 1 KB. */
const MAX_FORM_BYTES = 64 * 1024;
/** Tenants whose hint contexts are kept (each is reused for issuerHintRefreshMs). */
const MAX_HINT_CONTEXTS = 1_000;

export interface SigninAppDependencies {
  readonly tls: { readonly cert: Buffer; readonly key: Buffer };
  readonly signIn: CertificateSignInService;
  readonly hints: IssuerHintService;
  readonly key: SigningKey;
  readonly config: Pick<SigninConfig, 'issuerHintRefreshMs'>;
  readonly logLevel: LogLevel;
  readonly logStream?: DestinationStream | undefined;
  baseUrl(): string;
  graphBaseUrl(): string;
}

export function buildSigninApp(deps: SigninAppDependencies): FastifyInstance {
  const contexts = issuerHintContexts(deps);
  const app = Fastify({
    https: {
      cert: deps.tls.cert,
      key: deps.tls.key,
      requestCert: true,
      rejectUnauthorized: false,
      SNICallback: (servername, done) => {
        const tenant = GUID_LABEL.exec(servername)?.[1];
        if (!tenant) {
          done(null, undefined);
          return;
        }
        contexts(tenant.toLowerCase()).then(
          (context) => done(null, context),
          (error: Error) => done(error, undefined),
        );
      },
    },
    logger: { level: deps.logLevel, stream: deps.logStream ?? process.stderr },
    bodyLimit: MAX_FORM_BYTES,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
  });
  app.setErrorHandler((error: Error, request, reply) => {
    const code = (error as Error & { statusCode?: unknown }).statusCode;
    const status = typeof code === 'number' ? code : 500;
    if (status >= 500) request.log.error({ err: error }, 'sign-in request failed');
    return reply
      .code(status >= 500 ? 500 : 400)
      .send({ error: status >= 500 ? 'server_error' : 'invalid_request', error_description: status >= 500 ? 'The sign-in could not be completed; see the server log.' : error.message });
  });
  registerOidcRoutes(app, { signIn: deps.signIn, key: deps.key, baseUrl: deps.baseUrl, graphBaseUrl: deps.graphBaseUrl });
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ error: 'invalid_request', error_description: 'No such endpoint on the sign-in listener.' }));
  return app;
}

/**
 * The TLS context of a tenant's handshakes: the listener's certificate, and as `ca` the tenant's issuer
 * hints, whose subjects OpenSSL sends as the CertificateRequest's acceptable CA names. Hints off (or
 * none) = the default context, which names none. Reused for issuerHintRefreshMs, so a busy listener
 * does not read the trust store per handshake; trust-store changes show after at most that long.
 */
function issuerHintContexts(deps: SigninAppDependencies): (tenantId: string) => Promise<SecureContext | undefined> {
  const cache = new Map<string, { readonly context: SecureContext | undefined; readonly until: number }>();
  return async (tenantId) => {
    const now = Date.now();
    const cached = cache.get(tenantId);
    if (cached && cached.until > now) return cached.context;
    const hints = await deps.hints.hintsFor(tenantId);
    const context = hints.certificatesPem.length > 0 ? createSecureContext({ cert: deps.tls.cert, key: deps.tls.key, ca: [...hints.certificatesPem] }) : undefined;
    if (cache.size >= MAX_HINT_CONTEXTS) cache.clear();
    cache.set(tenantId, { context, until: now + deps.config.issuerHintRefreshMs });
    return context;
  };
}
