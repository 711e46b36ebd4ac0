// Mints tokens signed with the local key: the dev issuer behind `graph-pki token`. The claims follow the
// shape of Entra access tokens for Microsoft Graph (tid, appid, roles or scp + wids).
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { GRAPH_AUDIENCES } from '../config.ts';
import type { SigningKey } from './signing-key.ts';

/** `iss` of every locally minted token. */
export const LOCAL_ISSUER = 'urn:graph-pki:local-issuer';
export const DEFAULT_TENANT_ID = '00000000-0000-4000-8000-000000000001';
export const DEFAULT_APP_ID = '00000000-0000-4000-8000-00000000a991';
/**
 * `aud` of admin tokens (the /_admin API). No Graph route accepts it, whatever --audience says, and the
 * admin API accepts nothing else: a Graph token can never reset or export a tenant.
 */
export const ADMIN_AUDIENCE = 'urn:graph-pki:admin';
/** `sub` of admin tokens. */
export const ADMIN_SUBJECT = 'graph-pki-admin';

export interface TokenRequest {
  readonly tenantId: string;
  /** Application permissions (`roles`); ignored when scopes are given. */
  readonly appRoles: readonly string[];
  /** Delegated permissions (`scp`); non-empty makes a delegated token. */
  readonly scopes: readonly string[];
  /** Directory role template ids (`wids`) of the signed-in user, for delegated tokens. */
  readonly directoryRoles: readonly string[];
  readonly ttlSeconds: number;
  readonly appId?: string;
  readonly audience?: string;
  /** Seconds since the epoch; defaults to now. For tests of not-yet-valid and expired tokens. */
  readonly issuedAt?: number;
}

export async function mintToken(key: SigningKey, request: TokenRequest): Promise<string> {
  const iat = request.issuedAt ?? Math.floor(Date.now() / 1000);
  const delegated = request.scopes.length > 0;
  const claims: Record<string, unknown> = {
    tid: request.tenantId,
    appid: request.appId ?? DEFAULT_APP_ID,
    oid: randomUUID(),
    idtyp: delegated ? 'user' : 'app',
    ver: '1.0',
    ...(delegated ? { scp: request.scopes.join(' '), wids: [...request.directoryRoles] } : { roles: [...request.appRoles] }),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(LOCAL_ISSUER)
    .setAudience(request.audience ?? GRAPH_AUDIENCES[0])
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + request.ttlSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

/**
 * An admin token for the /_admin API: signed with the same local key, but with the admin audience and no
 * tenant, roles or scopes, so it means nothing to Graph routes.
 */
export async function mintAdminToken(key: SigningKey, request: { readonly ttlSeconds: number; readonly issuedAt?: number }): Promise<string> {
  const iat = request.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ idtyp: 'admin' })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(LOCAL_ISSUER)
    .setSubject(ADMIN_SUBJECT)
    .setAudience(ADMIN_AUDIENCE)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + request.ttlSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
}
