// Turns the claims of a verified token into a Principal. The tenant comes from `tid` and nowhere else.
import type { JWTPayload } from 'jose';
import { graphErrors } from '../service/errors.ts';
import type { Principal } from './permissions.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function principalFromClaims(claims: JWTPayload): Principal {
  const tid = claims.tid;
  if (typeof tid !== 'string' || !GUID.test(tid)) {
    throw graphErrors.unauthenticated('Access token validation failure: the token has no valid tenant (tid) claim.');
  }
  const appId = stringClaim(claims.appid) ?? stringClaim(claims.azp);
  const scp = stringClaim(claims.scp);
  if (scp !== undefined) {
    return {
      tenantId: tid.toLowerCase(),
      appId,
      kind: 'delegated',
      permissions: new Set(scp.split(' ').filter(Boolean)),
      directoryRoles: new Set(stringArrayClaim(claims.wids).map((w) => w.toLowerCase())),
    };
  }
  return {
    tenantId: tid.toLowerCase(),
    appId,
    kind: 'application',
    permissions: new Set(stringArrayClaim(claims.roles)),
    directoryRoles: new Set(),
  };
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringArrayClaim(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
