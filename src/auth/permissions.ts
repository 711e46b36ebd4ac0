// What a verified token may do: Graph's PublicKeyInfrastructure permissions (spec §7), and for delegated
// tokens also one of the directory roles Graph requires.

export const PERMISSION_READ = 'PublicKeyInfrastructure.Read.All';
export const PERMISSION_READ_WRITE = 'PublicKeyInfrastructure.ReadWrite.All';

/** Directory role template ids (`wids` claim) that may manage the PKI trust store. */
export const DIRECTORY_ROLES = {
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
} as const;

const PKI_ROLES: ReadonlySet<string> = new Set(Object.values(DIRECTORY_ROLES));

export type Access = 'read' | 'write';

export interface Principal {
  readonly tenantId: string;
  readonly appId: string | undefined;
  readonly kind: 'application' | 'delegated';
  /** `roles` of an application token or `scp` of a delegated one. */
  readonly permissions: ReadonlySet<string>;
  readonly directoryRoles: ReadonlySet<string>;
}

export function isAllowed(principal: Principal, access: Access): boolean {
  const granted =
    principal.permissions.has(PERMISSION_READ_WRITE) ||
    (access === 'read' && principal.permissions.has(PERMISSION_READ));
  if (!granted) return false;
  if (principal.kind === 'application') return true;
  for (const role of principal.directoryRoles) if (PKI_ROLES.has(role)) return true;
  return false;
}
