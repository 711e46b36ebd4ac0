// The OIDC provider's endpoints per tenant, shaped like Entra's v2.0 ones (spec cba-setup-and-signin.md
// §7): discovery, keys, authorize (the certificate is the one presented in this connection's TLS
// handshake) and token. Answers are OAuth's, not Graph's: redirects and {error, error_description, …}.
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SigningKey } from '../../../auth/signing-key.ts';
import type { AadstsError } from '../../../service/signin/aadsts.ts';
import { AADSTS } from '../../../service/signin/aadsts.ts';
import { entraTimestamp } from '../../../service/verification/sign-in-errors.ts';
import {
  type AuthorizeParameters,
  aadstsDescription,
  type CertificateSignInService,
  type PresentedCertificate,
  type TokenParameters,
} from '../../../service/signin/certificate-sign-in.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Most CA certificates taken from a client's TLS chain (the verification use case takes 20 intermediates). */
const MAX_PRESENTED_CHAIN = 20;

export interface OidcRouteOptions {
  readonly signIn: CertificateSignInService;
  readonly key: SigningKey;
  /** The provider's base URL (no trailing slash). */
  baseUrl(): string;
  /** Where Microsoft Graph is served (the Graph listener's public URL). */
  graphBaseUrl(): string;
}

export function registerOidcRoutes(app: FastifyInstance, options: OidcRouteOptions): void {
  app.get('/:tenant/v2.0/.well-known/openid-configuration', async (request, reply) => {
    const tenant = tenantOf(request, reply);
    if (!tenant) return reply;
    reply.header('cache-control', 'max-age=86400, private');
    return reply.send(discoveryDocument(options.baseUrl(), tenant, options.graphBaseUrl()));
  });

  app.get('/:tenant/discovery/v2.0/keys', async (request, reply) => {
    if (!tenantOf(request, reply)) return reply;
    reply.header('cache-control', 'max-age=86400, private');
    const jwk = options.key.publicKey.export({ format: 'jwk' });
    return reply.send({ keys: [{ ...jwk, kid: options.key.kid, use: 'sig', alg: options.key.alg }] });
  });

  app.get('/:tenant/oauth2/v2.0/authorize', async (request, reply) => {
    const tenant = tenantOf(request, reply);
    if (!tenant) return reply;
    const outcome = await options.signIn.authorize(tenant, stringParams(request.query) as AuthorizeParameters, presentedCertificate(request), {
      ipAddress: request.ip,
      baseUrl: options.baseUrl(),
    });
    reply.header('cache-control', 'no-store');
    if (outcome.kind === 'redirect') return reply.redirect(outcome.location, 302);
    return sendOAuthError(reply, outcome.status, outcome.error, outcome.correlationId);
  });

  app.post('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const tenant = tenantOf(request, reply);
    if (!tenant) return reply;
    const params: Record<string, string | undefined> = { ...stringParams(request.body) };
    // client_secret_basic (RFC 6749 §2.3.1): the id and secret form-encoded, then base64.
    const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (basic) {
      const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':', 2).map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
      params.client_id ??= id;
      params.client_secret ??= secret;
    }
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    const outcome = await options.signIn.token(tenant, params as TokenParameters, { ipAddress: request.ip, baseUrl: options.baseUrl() });
    if (outcome.kind === 'error') return sendOAuthError(reply, outcome.status, outcome.error, outcome.correlationId);
    const { tokens, refreshToken } = outcome;
    return reply.send({
      token_type: 'Bearer',
      scope: tokens.scope,
      expires_in: tokens.expiresIn,
      ext_expires_in: tokens.expiresIn,
      access_token: tokens.accessToken,
      ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
      ...(tokens.idToken === undefined ? {} : { id_token: tokens.idToken }),
    });
  });
}

/** Entra's discovery document for a tenant (fields as spec §7 lists them; what we do not serve is left out). */
function discoveryDocument(base: string, tenant: string, graphBaseUrl: string): Record<string, unknown> {
  const graphHost = new URL(graphBaseUrl).host;
  return {
    token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'none'],
    jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['ES256'],
    response_types_supported: ['code'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/${tenant}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    http_logout_supported: false,
    frontchannel_logout_supported: false,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'auth_time', 'nonce', 'preferred_username', 'name', 'tid', 'oid', 'ver', 'email'],
    tenant_region_scope: null,
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: graphHost,
    msgraph_host: graphHost,
  };
}

/** The tenant of the path, lower-cased; a non-GUID gets Entra's "tenant not found" and undefined. */
function tenantOf(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const { tenant } = request.params as { tenant: string };
  if (GUID.test(tenant)) return tenant.toLowerCase();
  void sendOAuthError(reply, 400, AADSTS.tenantNotFound(tenant), request.id);
  return undefined;
}

/** The client certificate of this connection and the CAs sent with it (or found for it), leaf first. */
function presentedCertificate(request: FastifyRequest): PresentedCertificate | undefined {
  const socket = request.raw.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const leaf = socket.getPeerCertificate(true);
  if (!leaf?.raw) return undefined;
  const intermediates: Buffer[] = [];
  const seen = new Set([leaf.fingerprint256]);
  let next = leaf.issuerCertificate;
  while (next?.raw && !seen.has(next.fingerprint256) && intermediates.length < MAX_PRESENTED_CHAIN) {
    seen.add(next.fingerprint256);
    intermediates.push(next.raw);
    next = next.issuerCertificate;
  }
  return { leaf: leaf.raw, intermediates };
}

/** A query or form as single strings: a repeated parameter is refused by taking none of its values. */
function stringParams(input: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (input && typeof input === 'object') {
    for (const [name, value] of Object.entries(input)) if (typeof value === 'string') out[name] = value;
  }
  return out;
}

function sendOAuthError(reply: FastifyReply, status: number, error: AadstsError, correlationId: string): FastifyReply {
  const timestamp = entraTimestamp(new Date());
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({
      error: error.error,
      error_description: aadstsDescription(error, correlationId),
      error_codes: [error.code],
      timestamp,
      trace_id: correlationId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${error.code}`,
    });
}
