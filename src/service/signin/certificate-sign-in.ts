// Entra's certificate sign-in as an OIDC provider: /authorize takes the client certificate presented on
// the sign-in listener's TLS handshake, verifies it with the verification use case (trust store, CRLs,
// x509 policy), binds it to a user and hands the client a one-time code; /token redeems the code (PKCE,
// client secret) to a Graph access token, an id token when the scopes hold openid, and with offline_access
// a refresh token, which /token redeems once for new tokens and a new refresh token (rotation) while the
// user is still enabled. A `scope` on either redemption narrows the tokens to a subset of the sign-in's.
// Every /authorize attempt is logged.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SigninConfig } from '../../config.ts';
import { type IssuedTokens, issueOidcTokens, type SignedInUser } from '../../auth/oidc-tokens.ts';
import type { SigningKey } from '../../auth/signing-key.ts';
import type { Store } from '../../store/store.ts';
import { entraTimestamp, signInError } from '../verification/sign-in-errors.ts';
import type { VerificationResult, VerificationService } from '../verification/verification-service.ts';
import { AADSTS, type AadstsError } from './aadsts.ts';
import { acceptsRedirect, type OidcClient, type OidcClientService } from './oidc-clients.ts';
import type { KeyValue, SignInLogService } from './sign-in-log.ts';
import type { DirectoryRoleService } from './directory-roles.ts';

const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
const GRAPH_RESOURCE = 'https://graph.microsoft.com/';
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** The query of an /authorize request (OAuth 2.0 + OIDC names). */
export interface AuthorizeParameters {
  readonly client_id?: string | undefined;
  readonly redirect_uri?: string | undefined;
  readonly response_type?: string | undefined;
  readonly response_mode?: string | undefined;
  readonly scope?: string | undefined;
  readonly state?: string | undefined;
  readonly nonce?: string | undefined;
  readonly code_challenge?: string | undefined;
  readonly code_challenge_method?: string | undefined;
  readonly login_hint?: string | undefined;
}

/** The client certificate of the TLS handshake: DER of the leaf and of the CAs the client sent with it. */
export interface PresentedCertificate {
  readonly leaf: Buffer;
  readonly intermediates: readonly Buffer[];
}

/** Where /authorize sends the browser, or the error it shows itself (no trustworthy redirect URI). */
export type AuthorizeOutcome =
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'error'; readonly status: number; readonly error: AadstsError; readonly correlationId: string };

/** What /token answers: tokens, or an OAuth error (400, or 401 for client authentication). */
export type TokenOutcome =
  | { readonly kind: 'tokens'; readonly tokens: IssuedTokens; readonly refreshToken: string | undefined }
  | { readonly kind: 'error'; readonly status: number; readonly error: AadstsError; readonly correlationId: string };

export interface TokenParameters {
  readonly grant_type?: string | undefined;
  readonly code?: string | undefined;
  readonly redirect_uri?: string | undefined;
  readonly client_id?: string | undefined;
  readonly client_secret?: string | undefined;
  readonly code_verifier?: string | undefined;
  readonly refresh_token?: string | undefined;
  /** The scopes the tokens carry, within the code's or refresh token's grant (RFC 6749 §6); omitted = the grant's. */
  readonly scope?: string | undefined;
}

/** OIDC scopes and delegated Graph permissions: what a grant holds, or what one set of tokens carries. */
interface Scopes {
  readonly oidcScopes: readonly string[];
  readonly graphScopes: readonly string[];
}

/** What a refresh token continues: the sign-in's scopes and methods (the user is read again at each use). */
interface RefreshGrant extends Scopes {
  readonly amr: readonly string[];
  readonly authTime: number;
}

/** What a code grants, stored (as JSON) until it is redeemed. */
interface CodeGrant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string | null;
  readonly nonce: string | null;
  readonly oidcScopes: readonly string[];
  readonly graphScopes: readonly string[];
  readonly user: SignedInUser;
  readonly amr: readonly string[];
  readonly authTime: number;
}

export interface SignInContext {
  readonly ipAddress: string;
  /** The provider's base URL, no trailing slash. */
  readonly baseUrl: string;
}

export class CertificateSignInService {
  constructor(
    private readonly store: Store,
    private readonly clients: OidcClientService,
    private readonly verification: VerificationService,
    private readonly roles: DirectoryRoleService,
    private readonly logs: SignInLogService,
    private readonly key: SigningKey,
    private readonly config: Pick<SigninConfig, 'authorizationCodeLifetimeSeconds' | 'tokenLifetimeSeconds' | 'refreshTokenLifetimeSeconds'>,
  ) {}

  async authorize(tenant: string, params: AuthorizeParameters, certificate: PresentedCertificate | undefined, context: SignInContext): Promise<AuthorizeOutcome> {
    const tenantId = tenant.toLowerCase();
    const correlationId = randomUUID();
    const fail = (status: number, error: AadstsError): AuthorizeOutcome => ({ kind: 'error', status, error, correlationId });
    // Until the client and its redirect URI check out, errors are shown here, never sent to the URI (RFC 6749 §4.1.2.1).
    if (!params.client_id) return fail(400, AADSTS.missingParameter('client_id'));
    const client = await this.clients.find(tenantId, params.client_id);
    if (!client) return fail(400, AADSTS.appNotFound(params.client_id, tenantId));
    if (!params.redirect_uri) return fail(400, AADSTS.missingParameter('redirect_uri'));
    if (!acceptsRedirect(client, params.redirect_uri)) return fail(400, AADSTS.redirectMismatch(client.clientId));
    const redirectUri = params.redirect_uri;
    const redirect = (query: Record<string, string>): AuthorizeOutcome => {
      const url = new URL(redirectUri);
      for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
      if (params.state !== undefined) url.searchParams.set('state', params.state);
      return { kind: 'redirect', location: url.toString() };
    };
    const redirectError = (error: AadstsError) => redirect(errorQuery(error, correlationId));

    const protocolProblem = this.protocolProblem(client, params);
    if (protocolProblem) return redirectError(protocolProblem);
    const scopes = splitScopes(params.scope ?? '', client.defaultScopes);
    if ('error' in scopes) return redirectError(scopes.error);

    const attempt = await this.signIn(tenantId, certificate, params.login_hint);
    await this.logs.record(tenantId, {
      correlationId,
      appId: client.clientId,
      appDisplayName: client.displayName,
      ipAddress: context.ipAddress,
      userId: attempt.user?.id ?? null,
      userPrincipalName: attempt.user?.userPrincipalName ?? params.login_hint ?? null,
      userDisplayName: attempt.user?.displayName ?? null,
      status: attempt.ok
        ? { errorCode: 0, failureReason: null, additionalDetails: 'MFA requirement satisfied by claim in the token' }
        : { errorCode: attempt.error.code, failureReason: attempt.error.message, additionalDetails: attempt.detail },
      authenticationRequirement: attempt.amr.includes('mfa') ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
      resultDetail: attempt.ok ? 'Certificate validated and bound to the user' : attempt.detail,
      processingDetails: attempt.details,
    });
    if (!attempt.ok) return redirectError(attempt.error);

    const code = randomBytes(32).toString('base64url');
    const grant: CodeGrant = {
      clientId: client.clientId,
      redirectUri,
      codeChallenge: params.code_challenge ?? null,
      nonce: params.nonce ?? null,
      oidcScopes: scopes.oidc,
      graphScopes: scopes.graph,
      user: attempt.user,
      amr: attempt.amr,
      authTime: Math.floor(Date.now() / 1000),
    };
    await this.store.repositories.authorizationCodes.insert(hashToken(code), tenantId, JSON.stringify(grant), Date.now() + this.config.authorizationCodeLifetimeSeconds * 1000);
    return redirect({ code });
  }

  async token(tenant: string, params: TokenParameters, context: SignInContext): Promise<TokenOutcome> {
    const tenantId = tenant.toLowerCase();
    const correlationId = randomUUID();
    const fail = (error: AadstsError): TokenOutcome => ({ kind: 'error', status: error.error === 'invalid_client' ? 401 : 400, error, correlationId });
    if (!params.grant_type) return fail(AADSTS.missingParameter('grant_type'));
    if (params.grant_type !== 'authorization_code' && params.grant_type !== 'refresh_token') return fail(AADSTS.unsupportedGrantType(params.grant_type));
    const required = params.grant_type === 'refresh_token' ? (['refresh_token', 'client_id'] as const) : (['code', 'client_id', 'redirect_uri'] as const);
    for (const name of required) if (!params[name]) return fail(AADSTS.missingParameter(name));
    const client = await this.clients.find(tenantId, params.client_id as string);
    if (!client) return fail(AADSTS.appNotFound(params.client_id as string, tenantId));
    if (!client.isPublic) {
      if (params.client_secret === undefined) return fail(AADSTS.clientSecretMissing);
      if (!(await this.clients.secretMatches(tenantId, client.clientId, params.client_secret))) return fail(AADSTS.clientSecretInvalid(client.clientId));
    }
    const outcome =
      params.grant_type === 'refresh_token' ? await this.redeemRefreshToken(tenantId, client, params.refresh_token as string, params.scope) : await this.redeemCode(tenantId, client, params);
    if ('error' in outcome) return fail(outcome.error);
    const { user, grant, scopes } = outcome;
    const tokens = await issueOidcTokens(this.key, {
      baseUrl: context.baseUrl,
      tenantId,
      clientId: client.clientId,
      confidentialClient: !client.isPublic,
      user,
      oidcScopes: scopes.oidcScopes,
      graphScopes: scopes.graphScopes,
      amr: grant.amr,
      nonce: outcome.nonce,
      authTime: grant.authTime,
      lifetimeSeconds: this.config.tokenLifetimeSeconds,
    });
    // The grant decides, not this request's scope: a refresh narrowed to scopes without offline_access
    // still rotates the token (as Entra does), and the new one keeps the grant's full set.
    const refreshToken = grant.oidcScopes.includes('offline_access') ? await this.issueRefreshToken(tenantId, client.clientId, user.id, grant) : undefined;
    return { kind: 'tokens', tokens, refreshToken };
  }

  /**
   * The code's grant, once (client, redirect URI and PKCE checked), or the error. A `scope` beyond the
   * grant gets InvalidScope (70011) before the code is spent, so the client may redeem it again with a
   * narrower one; within the grant, the tokens carry that scope (Entra's extension: the redemption names
   * the resource and scopes it wants, entra-docs v2-oauth2-auth-code-flow).
   */
  private async redeemCode(tenantId: string, client: OidcClient, params: TokenParameters): Promise<Redeemed | { readonly error: AadstsError }> {
    const codeHash = hashToken(params.code as string);
    const codes = this.store.repositories.authorizationCodes;
    // Only a redemption that would otherwise succeed learns that its scope is refused.
    const beyond = await scopeBeyondGrant<CodeGrant>(params.scope, 'authorization code', () => codes.findUnredeemed(tenantId, codeHash), (grant) => !codeRefusal(grant, client, params));
    if (beyond) return { error: beyond };
    const taken = await codes.take(tenantId, codeHash, Date.now());
    if (taken.state === 'redeemed') return { error: AADSTS.codeRedeemed };
    if (taken.state === 'unknown') return { error: AADSTS.codeInvalid };
    if (taken.expiresAtMs < Date.now()) return { error: AADSTS.codeInvalid };
    const grant = JSON.parse(taken.grantJson) as CodeGrant;
    const refused = codeRefusal(grant, client, params);
    if (refused) return { error: refused };
    const scopes = scopesWithin(grant, params.scope, 'authorization code');
    if ('error' in scopes) return scopes;
    return { user: grant.user, grant, scopes, nonce: grant.nonce ?? undefined };
  }

  /**
   * A refresh token of this client, once: a used one (rotated), an expired one and an unknown one are
   * ExpiredOrRevokedGrant (70008), another client's InvalidGrant (70000); the user is read again, so a
   * deleted one gets 50034, a disabled one 50057, and the new tokens carry the user's current roles.
   * A `scope` beyond the grant gets InvalidScope (70011) before the token is redeemed, so the client
   * keeps it; within the grant, the new tokens carry that scope and the grant stays whole.
   */
  private async redeemRefreshToken(tenantId: string, client: OidcClient, token: string, scope: string | undefined): Promise<Redeemed | { readonly error: AadstsError }> {
    const tokenHash = hashToken(token);
    const refreshTokens = this.store.repositories.refreshTokens;
    const beyond = await scopeBeyondGrant<RefreshGrant>(scope, 'refresh token', () => refreshTokens.findUnredeemed(tenantId, client.clientId, tokenHash));
    if (beyond) return { error: beyond };
    const taken = await refreshTokens.take(tenantId, client.clientId, tokenHash, Date.now());
    if (taken.state === 'another_client') return { error: AADSTS.refreshTokenInvalid };
    if (taken.state !== 'taken' || taken.expiresAtMs < Date.now()) return { error: AADSTS.codeInvalid };
    const user = await this.store.repositories.users.findById(tenantId, taken.userId);
    if (!user) return { error: AADSTS.userNotFound };
    if (!user.accountEnabled) return { error: AADSTS.userDisabled };
    const grant = JSON.parse(taken.grantJson) as RefreshGrant;
    // The same row's grant passed the check above; derived from what take() returned all the same.
    const scopes = scopesWithin(grant, scope, 'refresh token');
    if ('error' in scopes) return scopes;
    const directoryRoles = await this.roles.rolesOf(tenantId, user.id);
    return { user: { id: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName, directoryRoles }, grant, scopes, nonce: undefined };
  }

  /** A new refresh token, stored by its hash for the configured lifetime. */
  private async issueRefreshToken(tenantId: string, clientId: string, userId: string, grant: RefreshGrant): Promise<string> {
    const token = randomBytes(48).toString('base64url');
    const kept: RefreshGrant = { oidcScopes: grant.oidcScopes, graphScopes: grant.graphScopes, amr: grant.amr, authTime: grant.authTime };
    await this.store.repositories.refreshTokens.insert({
      tokenHash: hashToken(token),
      tenantId,
      clientId,
      userId,
      grantJson: JSON.stringify(kept),
      expiresAtMs: Date.now() + this.config.refreshTokenLifetimeSeconds * 1000,
    });
    return token;
  }

  /** Removes expired codes and refresh tokens; how many. */
  async sweepCodes(): Promise<number> {
    const now = Date.now();
    return (await this.store.repositories.authorizationCodes.deleteExpired(now)) + (await this.store.repositories.refreshTokens.deleteExpired(now));
  }

  /** What is wrong with the request apart from the client and redirect URI, or undefined. */
  private protocolProblem(client: OidcClient, params: AuthorizeParameters): AadstsError | undefined {
    if (!params.response_type) return AADSTS.missingParameter('response_type');
    if (params.response_type !== 'code') return AADSTS.unsupportedResponseType(params.response_type);
    if (params.response_mode !== undefined && params.response_mode !== 'query') return AADSTS.invalidParameter('response_mode', "only 'query' is supported");
    if (params.code_challenge === undefined) return client.isPublic ? AADSTS.pkceRequired : undefined;
    if (params.code_challenge_method !== 'S256') return AADSTS.invalidParameter('code_challenge_method', "only 'S256' is supported");
    if (!/^[A-Za-z0-9_-]{43}$/.test(params.code_challenge)) return AADSTS.invalidParameter('code_challenge', 'expected the base64url SHA-256 of the code verifier (43 characters)');
    return undefined;
  }

  /**
   * The sign-in of spec §10 as the verification use case decides it (trust store, CRLs, x509 policy, the
   * user through certificateUserBindings, the account and the method's targets): the certificate must be
   * there; the user's directory roles are added for the token.
   */
  private async signIn(tenantId: string, certificate: PresentedCertificate | undefined, loginHint: string | undefined): Promise<SignInResult> {
    if (!certificate) return failed(AADSTS.noCertificate, 'no client certificate was presented in the TLS handshake', []);
    let verdict: VerificationResult;
    try {
      verdict = await this.verification.verify(tenantId, {
        certificate: certificate.leaf.toString('base64'),
        intermediates: certificate.intermediates.slice(0, 20).map((der) => der.toString('base64')),
        userPrincipalName: loginHint === '' ? undefined : loginHint,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const refused = signInError(50017, message);
      return failed({ code: refused.errorCode, error: 'access_denied', message: refused.message }, message, []);
    }
    const details = certificateDetails(verdict);
    const outcome = verdict.signIn;
    const amr = outcome.authenticationMode === 'x509CertificateMultiFactor' ? ['rsa', 'mfa'] : ['rsa'];
    const user = outcome.user && { id: outcome.user.id, userPrincipalName: outcome.user.userPrincipalName, displayName: outcome.user.displayName, directoryRoles: await this.roles.rolesOf(tenantId, outcome.user.id) };
    if (!outcome.succeeded || !user) {
      const error = outcome.error ?? signInError(50034, 'no user was bound');
      return { ok: false, error: { code: error.errorCode, error: 'access_denied', message: error.message }, detail: error.detail, amr, details, user: user ?? undefined };
    }
    const binding = outcome.binding;
    const bindingText = binding ? `Certificate: ${binding.x509CertificateField}; user attribute: ${binding.userProperty}; Rank: ${binding.priority}` : 'none';
    return { ok: true, user, amr, details: [...details, { key: 'User certificate binding', value: bindingText }] };
  }
}

/** What a redeemed code or refresh token grants, for whom, and the scopes of the tokens issued now. */
interface Redeemed {
  readonly user: SignedInUser;
  readonly grant: RefreshGrant;
  readonly scopes: Scopes;
  readonly nonce: string | undefined;
}

type SignInResult =
  | { readonly ok: true; readonly user: SignedInUser; readonly amr: readonly string[]; readonly details: readonly KeyValue[] }
  | { readonly ok: false; readonly user?: SignedInUser | undefined; readonly error: AadstsError; readonly detail: string; readonly amr: readonly string[]; readonly details: readonly KeyValue[] };

function failed(error: AadstsError, detail: string, details: readonly KeyValue[]): SignInResult {
  return { ok: false, error, detail, amr: [], details };
}

/** The Additional Details of the log entry: the certificate, the strength the policy gives it, the CRL that was checked. */
function certificateDetails(verdict: VerificationResult): KeyValue[] {
  const leaf = verdict.path[0];
  const details: KeyValue[] = [];
  if (leaf) {
    details.push(
      { key: 'User certificate subject name', value: leaf.subject },
      { key: 'User certificate issuer', value: leaf.issuer },
      { key: 'User certificate serial number', value: leaf.serialNumber },
      { key: 'User certificate thumbprint', value: leaf.thumbprint },
    );
  }
  const ski = leaf?.subjectKeyIdentifier;
  if (ski) details.push({ key: 'User certificate subject key identifier', value: ski });
  const policy = verdict.policy;
  if (policy) {
    details.push({ key: 'User certificate authentication level', value: policy.authenticationMode === 'x509CertificateMultiFactor' ? 'multiFactorAuthentication' : 'singleFactorAuthentication' });
    const rule = policy.matchedRules[0];
    details.push({ key: 'User certificate authentication level type', value: rule ? rule.type : 'Default' });
    if (rule) details.push({ key: 'User certificate authentication level identifier', value: rule.identifier });
  }
  const revocation = verdict.path[0]?.revocation as { readonly checked?: boolean; readonly crlUrl?: string; readonly crlNumber?: string } | undefined;
  if (revocation?.checked && revocation.crlUrl) details.push({ key: 'Certificate revocation list', value: `${revocation.crlUrl} (CRL number ${revocation.crlNumber ?? 'none'})` });
  else if (verdict.failure?.crlUrl) details.push({ key: 'Certificate revocation list', value: `${verdict.failure.crlUrl} (CRL number ${verdict.failure.crlNumber ?? 'unknown'})` });
  else details.push({ key: 'Certificate revocation list', value: 'none checked' });
  details.push({ key: 'Is Legacy Store Used', value: '0' });
  return details;
}

/** openid/profile/email/offline_access, and the Graph permissions asked for (`.default` = `defaultScopes`). */
function splitScopes(scope: string, defaultScopes: readonly string[]): { readonly oidc: string[]; readonly graph: string[] } | { readonly error: AadstsError } {
  const oidc: string[] = [];
  const graph = new Set<string>();
  for (const item of scope.split(' ').filter(Boolean)) {
    if (OIDC_SCOPES.has(item)) {
      oidc.push(item);
      continue;
    }
    const name = item.toLowerCase().startsWith(GRAPH_RESOURCE) ? item.slice(GRAPH_RESOURCE.length) : item;
    if (name.includes('/') || name.includes(':')) return { error: AADSTS.invalidScope(item) };
    if (name === '.default') for (const s of defaultScopes) graph.add(s);
    else graph.add(name);
  }
  return { oidc, graph: [...graph] };
}

/** Why a code may not be redeemed by this request (another client's, another redirect URI, PKCE), or undefined. */
function codeRefusal(grant: CodeGrant, client: OidcClient, params: TokenParameters): AadstsError | undefined {
  if (grant.clientId !== client.clientId) return AADSTS.codeInvalid;
  if (grant.redirectUri !== params.redirect_uri) return AADSTS.redirectMismatch(client.clientId);
  if (grant.codeChallenge === null) return undefined;
  if (!params.code_verifier) return AADSTS.missingParameter('code_verifier');
  if (!PKCE_VERIFIER.test(params.code_verifier) || s256(params.code_verifier) !== grant.codeChallenge) return AADSTS.pkceMismatch;
  return undefined;
}

/**
 * InvalidScope for a `scope` beyond the grant of an unspent code or refresh token, read (`unredeemed`)
 * without spending it, so the client keeps it and may retry with a narrower scope. A row that is gone,
 * spent or expired, or one this request may not redeem anyway (`redeemable`), is left to take(), which
 * refuses it as it would without a scope.
 */
async function scopeBeyondGrant<G extends Scopes>(
  scope: string | undefined,
  grantedTo: GrantHolder,
  unredeemed: () => Promise<{ readonly grantJson: string; readonly expiresAtMs: number } | undefined>,
  redeemable: (grant: G) => boolean = () => true,
): Promise<AadstsError | undefined> {
  if (!scope?.trim()) return undefined;
  const row = await unredeemed();
  if (!row || row.expiresAtMs < Date.now()) return undefined;
  const grant = JSON.parse(row.grantJson) as G;
  if (!redeemable(grant)) return undefined;
  const checked = scopesWithin(grant, scope, grantedTo);
  return 'error' in checked ? checked.error : undefined;
}

type GrantHolder = Parameters<typeof AADSTS.scopeNotGranted>[1];

/**
 * The scopes a code redemption or refresh asks for, within its grant (RFC 6749 §6: none beyond the
 * original), or InvalidScope naming those outside it; none asked = the grant's. `.default` stands for the
 * grant's Graph permissions (what was consented to, as Entra's `.default` is), not the client's defaults
 * of today. Graph permission names match case-insensitively, as Entra's do, and are issued as the grant
 * spells them.
 */
function scopesWithin(grant: Scopes, scope: string | undefined, grantedTo: GrantHolder): Scopes | { readonly error: AadstsError } {
  if (!scope?.trim()) return grant;
  const asked = splitScopes(scope, grant.graphScopes);
  if ('error' in asked) return asked;
  const grantedGraph = new Map(grant.graphScopes.map((name) => [name.toLowerCase(), name]));
  const notGranted = [
    ...asked.oidc.filter((name) => !grant.oidcScopes.includes(name)),
    ...asked.graph.filter((name) => !grantedGraph.has(name.toLowerCase())).map((name) => `${GRAPH_RESOURCE}${name}`),
  ];
  if (notGranted.length > 0) return { error: AADSTS.scopeNotGranted([...new Set(notGranted)], grantedTo) };
  return { oidcScopes: [...new Set(asked.oidc)], graphScopes: [...new Set(asked.graph.map((name) => grantedGraph.get(name.toLowerCase()) as string))] };
}

function errorQuery(error: AadstsError, correlationId: string): Record<string, string> {
  return {
    error: error.error,
    error_description: aadstsDescription(error, correlationId),
    error_uri: `https://login.microsoftonline.com/error?code=${error.code}`,
  };
}

/** Entra's error_description: "AADSTS<code>: <message>" with its trace lines. */
export function aadstsDescription(error: AadstsError, correlationId: string): string {
  return `AADSTS${error.code}: ${error.message}\r\nTrace ID: ${correlationId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${entraTimestamp(new Date())}`;
}

/** How codes and refresh tokens are stored: their SHA-256, never themselves. */
function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
