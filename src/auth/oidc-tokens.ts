// The tokens a certificate sign-in redeems to, signed with the server's local key (served in the JWKS):
// a v2.0 id token for the client (only when `openid` is among the scopes, as Entra issues it) and a
// v1.0-format access token for Microsoft Graph, the format Entra
// issues for Graph (its accessTokenAcceptedVersion is null = v1). Claims as spec cba-setup-and-signin.md §7
// lists them; where Microsoft documents nothing for CBA (amr, acr) the choice is ours and README says so.
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from './signing-key.ts';

/** aud of the access token: Microsoft Graph's application id, as Entra's v1 Graph tokens carry it. */
export const GRAPH_RESOURCE_APP_ID = '00000003-0000-0000-c000-000000000000';

export interface SignedInUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string | null;
  /** Directory role template ids (`wids`). */
  readonly directoryRoles: readonly string[];
}

export interface OidcTokenRequest {
  /** The provider's base URL (no trailing slash); issuers are `{base}/{tid}/v2.0` and `{base}/{tid}/`. */
  readonly baseUrl: string;
  readonly tenantId: string;
  readonly clientId: string;
  /** Whether the client authenticated with a secret (appidacr/azpacr 1) or is public (0). */
  readonly confidentialClient: boolean;
  readonly user: SignedInUser;
  /** OIDC scopes granted (openid, profile, email, offline_access). */
  readonly oidcScopes: readonly string[];
  /** Delegated Graph permissions (`scp`). */
  readonly graphScopes: readonly string[];
  /** `amr` of the access token (ours: rsa, plus mfa for a multi-factor certificate). */
  readonly amr: readonly string[];
  readonly nonce: string | undefined;
  readonly authTime: number;
  readonly lifetimeSeconds: number;
}

export interface IssuedTokens {
  /** Only with the `openid` scope (entra-docs v2-oauth2-auth-code-flow: "Only provided if `openid` scope was requested"). */
  readonly idToken: string | undefined;
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly scope: string;
}

/** `iss` of the id token: Entra's v2.0 form. */
export function idTokenIssuer(baseUrl: string, tenantId: string): string {
  return `${baseUrl}/${tenantId}/v2.0`;
}

/** `iss` of the v1-format access token: Entra's is https://sts.windows.net/{tid}/; ours is the provider's base with the tenant. */
export function accessTokenIssuer(baseUrl: string, tenantId: string): string {
  return `${baseUrl}/${tenantId}/`;
}

export async function issueOidcTokens(key: SigningKey, request: OidcTokenRequest): Promise<IssuedTokens> {
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + request.lifetimeSeconds;
  const { user } = request;
  const header = { alg: key.alg, kid: key.kid, typ: 'JWT' };
  const scp = request.graphScopes.join(' ');
  const accessToken = await new SignJWT({
    acr: '1',
    amr: [...request.amr],
    appid: request.clientId,
    appidacr: request.confidentialClient ? '1' : '0',
    auth_time: request.authTime,
    idtyp: 'user',
    name: user.displayName ?? user.userPrincipalName,
    oid: user.id,
    scp,
    tid: request.tenantId,
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
    uti: uti(),
    ver: '1.0',
    wids: [...user.directoryRoles],
  })
    .setProtectedHeader(header)
    .setIssuer(accessTokenIssuer(request.baseUrl, request.tenantId))
    .setAudience(GRAPH_RESOURCE_APP_ID)
    .setSubject(pairwiseSubject(user.id, GRAPH_RESOURCE_APP_ID))
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .sign(key.privateKey);

  const scope = [...request.oidcScopes, ...request.graphScopes.map((s) => `https://graph.microsoft.com/${s}`)].join(' ');
  if (!request.oidcScopes.includes('openid')) return { idToken: undefined, accessToken, expiresIn: request.lifetimeSeconds, scope };
  const profile = request.oidcScopes.includes('profile');
  const idToken = await new SignJWT({
    oid: user.id,
    tid: request.tenantId,
    ver: '2.0',
    uti: uti(),
    auth_time: request.authTime,
    ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    ...(profile ? { preferred_username: user.userPrincipalName, name: user.displayName ?? user.userPrincipalName } : {}),
    ...(request.oidcScopes.includes('email') ? { email: user.userPrincipalName } : {}),
  })
    .setProtectedHeader(header)
    .setIssuer(idTokenIssuer(request.baseUrl, request.tenantId))
    .setAudience(request.clientId)
    .setSubject(pairwiseSubject(user.id, request.clientId))
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .sign(key.privateKey);

  return { idToken, accessToken, expiresIn: request.lifetimeSeconds, scope };
}

/** Entra's `sub` is pairwise: the same user has a different subject per application. */
function pairwiseSubject(userId: string, clientId: string): string {
  return createHash('sha256').update(`${clientId}\n${userId}`).digest('base64url').slice(0, 43);
}

/** `uti`: Entra's token identifier (opaque); a random id here. */
function uti(): string {
  return Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
}
