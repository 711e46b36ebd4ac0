// Verifies bearer tokens with jose: signature (local key, or an identity provider's JWKS), exp/nbf with a
// bounded clock skew, audience, issuer and an allow-list of asymmetric algorithms. `none` and HS* are never
// accepted. Verified tokens are remembered for a short while, because verifying costs more than the rest
// of a typical request.
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { AuthConfig, Limits } from '../config.ts';
import { GraphError, graphErrors } from '../service/errors.ts';
import { principalFromClaims } from './claims.ts';
import type { Principal } from './permissions.ts';
import type { SigningKey } from './signing-key.ts';
import { LOCAL_ISSUER } from './token-issuer.ts';

const REMOTE_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** A cached verification is trusted at most this long, so a JWKS key rotation takes effect soon. */
const MAX_CACHE_MS = 5 * 60_000;

interface CachedPrincipal {
  readonly principal: Principal;
  readonly expiresAtMs: number;
}

export class TokenVerifier {
  private readonly cache = new Map<string, CachedPrincipal>();
  private readonly remoteKeys: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(
    private readonly localKey: SigningKey,
    private readonly auth: AuthConfig,
    private readonly limits: Pick<Limits, 'tokenClockSkewSeconds' | 'tokenCacheEntries'>,
  ) {
    this.remoteKeys = auth.jwksUrl ? createRemoteJWKSet(new URL(auth.jwksUrl)) : undefined;
  }

  /** Verifies the value of an Authorization header; throws a 401 GraphError when it does not pass. */
  async verifyAuthorizationHeader(header: string | undefined): Promise<Principal> {
    if (!header) throw graphErrors.unauthenticated('Access token is empty.');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw graphErrors.unauthenticated('The Authorization header must be "Bearer <token>".');
    return this.verify(match[1]);
  }

  /** The principal of a token verified before and not yet expired, without any work; else undefined. */
  cachedPrincipal(header: string | undefined): Principal | undefined {
    if (!header || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
    const cached = this.cache.get(header.slice(7).trim());
    return cached && cached.expiresAtMs > Date.now() ? cached.principal : undefined;
  }

  async verify(token: string): Promise<Principal> {
    const now = Date.now();
    const cached = this.cache.get(token);
    if (cached && cached.expiresAtMs > now) return cached.principal;
    if (cached) this.cache.delete(token);

    const claims = await this.verifySignatureAndClaims(token);
    const principal = principalFromClaims(claims);
    this.remember(token, principal, claims, now);
    return principal;
  }

  private async verifySignatureAndClaims(token: string): Promise<JWTPayload> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw invalid('the token is not a well-formed JWT.');
    }
    const local = kid === this.localKey.kid;
    if (!local && !this.remoteKeys) throw invalid('the token was not signed by a key this server trusts.');
    try {
      const options = {
        audience: [...this.auth.audiences],
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
      throw translateJoseError(error);
    }
  }

  private checkIssuer(payload: JWTPayload, local: boolean): void {
    const iss = payload.iss;
    if (local) {
      if (iss === LOCAL_ISSUER) return;
    } else if (typeof iss === 'string' && typeof payload.tid === 'string') {
      const tid = payload.tid;
      if (this.auth.issuers.some((expected) => expected.replaceAll('{tenantid}', tid) === iss)) return;
    }
    throw invalid('invalid issuer.');
  }

  private remember(token: string, principal: Principal, claims: JWTPayload, now: number): void {
    const expMs = ((claims.exp ?? 0) + this.limits.tokenClockSkewSeconds) * 1000;
    if (this.cache.size >= this.limits.tokenCacheEntries) {
      // Map iterates in insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(token, { principal, expiresAtMs: Math.min(expMs, now + MAX_CACHE_MS) });
  }
}

function invalid(reason: string): GraphError {
  return graphErrors.unauthenticated(`Access token validation failure: ${reason}`);
}

function translateJoseError(error: unknown): GraphError {
  if (error instanceof GraphError) return error;
  if (error instanceof joseErrors.JWTExpired) return invalid('the token has expired.');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return invalid('the token is not valid yet.');
    if (error.claim === 'aud') return invalid('invalid audience.');
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
