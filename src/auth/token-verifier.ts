// Verifies bearer tokens with jose: signature (local key, or an identity provider's JWKS), exp/nbf with a
// bounded clock skew, audience, issuer and an allow-list of asymmetric algorithms. `none` and HS* are never
// accepted. Verified tokens are remembered for a short while, because verifying costs more than the rest
// of a typical request. Admin tokens (the /_admin API) go through the same checks with their own audience,
// local key only; each kind is refused where the other is expected.
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { AuthConfig, Limits } from '../config.ts';
import { BoundedMap } from '../caching/bounded-map.ts';
import { GraphError, graphErrors } from '../service/errors.ts';
import { principalFromClaims } from './claims.ts';
import type { Principal } from './permissions.ts';
import type { SigningKey } from './signing-key.ts';
import { ADMIN_AUDIENCE, ADMIN_SUBJECT, LOCAL_ISSUER } from './token-issuer.ts';
import { accessTokenIssuer } from './oidc-tokens.ts';

const REMOTE_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** A cached verification is trusted at most this long, so a JWKS key rotation takes effect soon. */
const MAX_CACHE_MS = 5 * 60_000;

/** Who presented a verified admin token. */
export interface AdminPrincipal {
  readonly subject: string;
}

/** What a token must be to pass: its accepted audiences, and whether an identity provider may sign it. */
interface Expectation {
  readonly audiences: readonly string[];
  readonly remoteKeysAllowed: boolean;
  /** Said after 'invalid audience' so a token of the wrong kind is easy to tell apart. */
  readonly audienceHint: string;
}

const ADMIN_EXPECTATION: Expectation = {
  audiences: [ADMIN_AUDIENCE],
  remoteKeysAllowed: false,
  audienceHint: ': the admin API accepts only admin tokens (graph-pki token --admin)',
};

export class TokenVerifier {
  private readonly cache: VerifiedTokens<Principal>;
  private readonly adminCache: VerifiedTokens<AdminPrincipal>;
  private readonly remoteKeys: ReturnType<typeof createRemoteJWKSet> | undefined;
  private readonly graphExpectation: Expectation;

  constructor(
    private readonly localKey: SigningKey,
    private readonly auth: AuthConfig,
    private readonly limits: Pick<Limits, 'tokenClockSkewSeconds' | 'tokenCacheEntries'>,
    /** Base URL of this server's certificate sign-in provider, whose access tokens the local key signs; undefined = none. */
    private readonly signinBaseUrl: () => string | undefined = () => undefined,
  ) {
    this.remoteKeys = auth.jwksUrl ? createRemoteJWKSet(new URL(auth.jwksUrl)) : undefined;
    this.cache = new VerifiedTokens(limits);
    this.adminCache = new VerifiedTokens(limits);
    this.graphExpectation = { audiences: auth.audiences, remoteKeysAllowed: true, audienceHint: '' };
  }

  /** Verifies the value of an Authorization header; throws a 401 GraphError when it does not pass. */
  async verifyAuthorizationHeader(header: string | undefined): Promise<Principal> {
    return this.verify(bearerToken(header));
  }

  /** The principal of a token verified before and not yet expired, without any work; else undefined. */
  cachedPrincipal(header: string | undefined): Principal | undefined {
    return this.cache.forHeader(header);
  }

  async verify(token: string): Promise<Principal> {
    const cached = this.cache.get(token);
    if (cached) return cached;
    const claims = await this.verifySignatureAndClaims(token, this.graphExpectation);
    // However --audience is set, an admin token never works as a Graph token.
    if (audiencesOf(claims).includes(ADMIN_AUDIENCE)) throw invalid('invalid audience: an admin token is not accepted by Graph routes.');
    const principal = principalFromClaims(claims);
    this.cache.remember(token, principal, claims);
    return principal;
  }

  /** Verifies the Authorization header of an /_admin request; throws a 401 GraphError unless it carries an admin token. */
  async verifyAdminAuthorizationHeader(header: string | undefined): Promise<AdminPrincipal> {
    const token = bearerToken(header);
    const cached = this.adminCache.get(token);
    if (cached) return cached;
    const claims = await this.verifySignatureAndClaims(token, ADMIN_EXPECTATION);
    if (claims.sub !== ADMIN_SUBJECT) throw invalid(`the 'sub' claim is invalid${ADMIN_EXPECTATION.audienceHint}.`);
    const principal: AdminPrincipal = { subject: claims.sub };
    this.adminCache.remember(token, principal, claims);
    return principal;
  }

  private async verifySignatureAndClaims(token: string, expectation: Expectation): Promise<JWTPayload> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw invalid('the token is not a well-formed JWT.');
    }
    const local = kid === this.localKey.kid;
    if (!local && !(this.remoteKeys && expectation.remoteKeysAllowed)) {
      throw invalid(`the token was not signed by a key this server trusts${expectation.remoteKeysAllowed ? '' : expectation.audienceHint}.`);
    }
    try {
      const options = {
        audience: [...expectation.audiences],
        clockTolerance: this.limits.tokenClockSkewSeconds,
        algorithms: local ? [this.localKey.alg] : REMOTE_ALGORITHMS,
        requiredClaims: ['exp'],
      };
      const { payload } = local
        ? await jwtVerify(token, this.localKey.publicKey, options)
        : await jwtVerify(token, this.remoteKeys as NonNullable<typeof this.remoteKeys>, options);
      this.checkIssuer(payload, local);
      return payload;
    } catch (error) {
      throw translateJoseError(error, expectation.audienceHint);
    }
  }

  private checkIssuer(payload: JWTPayload, local: boolean): void {
    const iss = payload.iss;
    if (local) {
      if (iss === LOCAL_ISSUER) return;
      // An access token of the certificate sign-in (oidc-tokens.ts): the provider's issuer for the token's own tenant.
      const base = this.signinBaseUrl();
      if (base !== undefined && typeof payload.tid === 'string' && iss === accessTokenIssuer(base, payload.tid)) return;
    } else if (typeof iss === 'string' && typeof payload.tid === 'string') {
      const tid = payload.tid;
      if (this.auth.issuers.some((expected) => expected.replaceAll('{tenantid}', tid) === iss)) return;
    }
    throw invalid('invalid issuer.');
  }

}

/** Tokens verified before, each remembered until it expires (at most MAX_CACHE_MS), the oldest dropped first. */
class VerifiedTokens<T> {
  private readonly entries: BoundedMap<string, VerifiedToken<T>>;
  // The last header found: a client sends the same token request after request, and comparing the
  // header with it costs less than hashing a long token string for the map on every request.
  private lastHeader: string | undefined;
  private lastEntry: VerifiedToken<T> | undefined;

  constructor(private readonly limits: Pick<Limits, 'tokenClockSkewSeconds' | 'tokenCacheEntries'>) {
    this.entries = new BoundedMap(limits.tokenCacheEntries);
  }

  get(token: string): T | undefined {
    return this.live(token)?.value;
  }

  /** The value for a `Bearer <token>` header, without parsing it strictly: a miss just means "verify". */
  forHeader(header: string | undefined): T | undefined {
    if (!header) return undefined;
    const last = this.lastEntry;
    if (header === this.lastHeader && last && last.expiresAtMs > Date.now()) return last.value;
    if (header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
    const entry = this.live(header.slice(7).trim());
    if (entry) {
      this.lastHeader = header;
      this.lastEntry = entry;
    }
    return entry?.value;
  }

  remember(token: string, value: T, claims: JWTPayload): void {
    const now = Date.now();
    const expMs = ((claims.exp ?? 0) + this.limits.tokenClockSkewSeconds) * 1000;
    this.entries.set(token, { value, expiresAtMs: Math.min(expMs, now + MAX_CACHE_MS) });
  }

  private live(token: string): VerifiedToken<T> | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAtMs > Date.now()) return entry;
    this.entries.delete(token);
    return undefined;
  }
}

interface VerifiedToken<T> {
  readonly value: T;
  readonly expiresAtMs: number;
}

function bearerToken(header: string | undefined): string {
  if (!header) throw graphErrors.unauthenticated('Access token is empty.');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw graphErrors.unauthenticated('The Authorization header must be "Bearer <token>".');
  return match[1];
}

function audiencesOf(claims: JWTPayload): readonly string[] {
  if (typeof claims.aud === 'string') return [claims.aud];
  return Array.isArray(claims.aud) ? claims.aud : [];
}

function invalid(reason: string): GraphError {
  return graphErrors.unauthenticated(`Access token validation failure: ${reason}`);
}

function translateJoseError(error: unknown, audienceHint: string): GraphError {
  if (error instanceof GraphError) return error;
  if (error instanceof joseErrors.JWTExpired) return invalid('the token has expired.');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return invalid('the token is not valid yet.');
    if (error.claim === 'aud') return invalid(`invalid audience${audienceHint}.`);
    return invalid(`the '${error.claim}' claim is invalid.`);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return invalid('the signing algorithm is not accepted.');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return invalid('the signature is invalid.');
  if (error instanceof joseErrors.JWKSNoMatchingKey) return invalid('no trusted key matches the token.');
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JOSEError && error.code === 'ERR_JWKS_INVALID') {
    return invalid('the identity provider keys could not be loaded.');
  }
  return invalid('the token is malformed.');
}
