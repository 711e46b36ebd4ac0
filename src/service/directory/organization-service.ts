// The tenant's organization object (GET /organization, /organization/{id}): Graph's minimal documented
// properties, made from the tenant id (graph-pki keeps no other organization data). The id of the
// organization is the tenant id; any other id is not found, for every path under /organization/{id}.
import { graphErrors } from '../errors.ts';

export interface Organization {
  readonly id: string;
  readonly deletedDateTime: null;
  readonly businessPhones: readonly string[];
  readonly createdDateTime: null;
  readonly displayName: string;
  readonly tenantType: 'AAD';
}

export function organizationOf(tenantId: string): Organization {
  return { id: tenantId, deletedDateTime: null, businessPhones: [], createdDateTime: null, displayName: `graph-pki tenant ${tenantId}`, tenantType: 'AAD' };
}

/** 404 unless `organizationId` names the caller's own tenant (GUIDs compare case-insensitively). */
export function requireOrganization(tenantId: string, organizationId: string): void {
  if (organizationId.toLowerCase() !== tenantId.toLowerCase()) throw graphErrors.notFound(organizationId);
}
