// Who may do what on every Graph path: ONE table (ACCESS_TABLE) that says, per access kind, which
// permissions (an application role in `roles` or a delegated scope in `scp`) and which directory roles
// (`wids`, for delegated tokens) Graph accepts. Routes name their kind in `config.access`; the auth hook
// asks isAllowed. A new kind of data gets a row here, never a condition in a route.
//
// Roles per row: the least-privileged roles Graph's docs name for the operation, plus every built-in
// role Graph gives a superset of them: Global Administrator everywhere, Global Reader on reads where
// the docs list it. Each row cites the Microsoft page it comes from (repo
// microsoftgraph/microsoft-graph-docs-contrib, both api-reference/beta and api-reference/v1.0 unless said).

export const PERMISSION_READ = 'PublicKeyInfrastructure.Read.All';
export const PERMISSION_READ_WRITE = 'PublicKeyInfrastructure.ReadWrite.All';
export const PERMISSION_POLICY_READ = 'Policy.Read.All';
export const PERMISSION_POLICY_READ_AUTHENTICATION_METHOD = 'Policy.Read.AuthenticationMethod';
export const PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD = 'Policy.ReadWrite.AuthenticationMethod';
export const PERMISSION_ORGANIZATION_READ = 'Organization.Read.All';
export const PERMISSION_ORGANIZATION_READ_WRITE = 'Organization.ReadWrite.All';
/** Sign-in logs (spec cba-setup-and-signin.md §8; learn signin-list). */
export const PERMISSION_AUDIT_LOG_READ = 'AuditLog.Read.All';
export const PERMISSION_USER_READ_ALL = 'User.Read.All';
export const PERMISSION_USER_READ_WRITE_ALL = 'User.ReadWrite.All';
export const PERMISSION_DIRECTORY_READ_ALL = 'Directory.Read.All';
export const PERMISSION_DIRECTORY_READ_WRITE_ALL = 'Directory.ReadWrite.All';

/**
 * Built-in directory role template ids (the `wids` claim), the same in every tenant
 * (entra-docs permissions-reference). Add the ones a new row needs.
 */
export const DIRECTORY_ROLES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  authenticationPolicyAdministrator: '0526716b-113d-4c15-b2c8-68e3c22b9f80',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  directoryReaders: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  securityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
  reportsReader: '4a5d8f65-41da-4de4-8968-e035b65339cf',
  securityOperator: '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f',
} as const;

export type DirectoryRoleName = keyof typeof DIRECTORY_ROLES;

/** The roles' names as Entra shows them, for documents and messages. */
export const DIRECTORY_ROLE_DISPLAY_NAMES: Readonly<Record<DirectoryRoleName, string>> = {
  globalAdministrator: 'Global Administrator',
  globalReader: 'Global Reader',
  privilegedAuthenticationAdministrator: 'Privileged Authentication Administrator',
  authenticationAdministrator: 'Authentication Administrator',
  authenticationPolicyAdministrator: 'Authentication Policy Administrator',
  userAdministrator: 'User Administrator',
  directoryReaders: 'Directory Readers',
  securityAdministrator: 'Security Administrator',
  securityReader: 'Security Reader',
  reportsReader: 'Reports Reader',
  securityOperator: 'Security Operator',
};

export interface AccessRule {
  /** Any one of these, as an application role or a delegated scope. */
  readonly permissions: readonly string[];
  /**
   * And every one of these too, where Graph's page asks for two permissions at once ("AuditLog.Read.All
   * and Directory.Read.All"); absent: the one of `permissions` suffices.
   */
  readonly alsoRequired?: readonly string[];
  /**
   * A delegated token also needs one of these directory roles ('any': no role, any signed-in user).
   * Application tokens have none to check.
   */
  readonly roles: readonly DirectoryRoleName[] | 'any';
  /** Whether the kind only reads: the rows where Global Reader may appear (checked by a test). */
  readonly reads: boolean;
}

/**
 * The access kinds and what each accepts. Rows other helpers add (users, organization / classic store,
 * audit logs) go here in the same shape, with the page they come from.
 */
export const ACCESS_TABLE = {
  // The PKI trust store (directory/publicKeyInfrastructure, its CAs, upload, their deleted items, the
  // verify API that reads it). Permissions: api/certificatebasedauthpki-{list,get}.md,
  // api/publickeyinfrastructureroot-list-certificatebasedauthconfigurations.md, …-get, certificateauthoritydetail-get.md.
  // Roles: includes/rbac-for-apis/rbac-cert-based-authpkis-apis.md names Privileged Authentication
  // Administrator and Authentication Administrator for reads and writes alike; it does not name Global
  // Reader, so Global Reader may not read the trust store.
  read: {
    permissions: [PERMISSION_READ, PERMISSION_READ_WRITE],
    roles: ['privilegedAuthenticationAdministrator', 'authenticationAdministrator', 'globalAdministrator'],
    reads: true,
  },
  // api/certificatebasedauthpki-{post,update,delete,upload}.md, certificateauthoritydetail-{post,update,delete}.md;
  // roles: includes/rbac-for-apis/rbac-cert-based-authpkis-apis.md.
  write: {
    permissions: [PERMISSION_READ_WRITE],
    roles: ['privilegedAuthenticationAdministrator', 'authenticationAdministrator', 'globalAdministrator'],
    reads: false,
  },
  // The authentication-methods policy and its x509 configuration: api/x509certificateauthenticationmethodconfiguration-get.md
  // (least Policy.Read.AuthenticationMethod; older revisions Policy.Read.All) and
  // api/authenticationmethodspolicy-get.md. Roles: includes/rbac-for-apis/rbac-authentication-methods-policy-apis-read.md
  // (Global Reader, Authentication Policy Administrator); the x509 get page's older revision lists Global
  // Administrator explicitly.
  'policy-read': {
    permissions: [PERMISSION_POLICY_READ_AUTHENTICATION_METHOD, PERMISSION_POLICY_READ, PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD],
    roles: ['authenticationPolicyAdministrator', 'globalReader', 'globalAdministrator'],
    reads: true,
  },
  // api/x509certificateauthenticationmethodconfiguration-{update,delete}.md, api/authenticationmethodspolicy-update.md;
  // roles: includes/rbac-for-apis/rbac-authentication-methods-policy-apis-write.md (Authentication Policy Administrator).
  'policy-write': {
    permissions: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD],
    roles: ['authenticationPolicyAdministrator', 'globalAdministrator'],
    reads: false,
  },
  // GET /organization (api/organization-get.md): any signed-in user reads their own organization
  // (delegated User.Read suffices); Directory.* are the higher privileged permissions of that page.
  'organization-read': {
    permissions: [PERMISSION_ORGANIZATION_READ, PERMISSION_ORGANIZATION_READ_WRITE, 'Directory.Read.All', 'Directory.ReadWrite.All', 'User.Read'],
    roles: 'any',
    reads: true,
  },
  // The classic store: api/certificatebasedauthconfiguration-{get,list,post,delete}.md and
  // includes/rbac-for-apis/rbac-cert-based-auth-config-apis.md: "Global Administrator is the only role
  // supported for this operation" (so no Global Reader either).
  'classic-read': {
    permissions: [PERMISSION_ORGANIZATION_READ, PERMISSION_ORGANIZATION_READ_WRITE],
    roles: ['globalAdministrator'],
    reads: true,
  },
  'classic-write': {
    permissions: [PERMISSION_ORGANIZATION_READ_WRITE],
    roles: ['globalAdministrator'],
    reads: false,
  },
  // Sign-in logs (auditLogs/signIns): api-reference/beta/api/signin-list.md @01746a3b, spec
  // cba-setup-and-signin.md §8: "AuditLog.Read.All and Directory.Read.All", delegated (work or school
  // account) and application alike ("currently requires consent to both"); personal accounts not
  // supported. Roles (the page's list): Global Administrator, Global Reader, Reports Reader, Security
  // Administrator, Security Operator, Security Reader.
  'audit-read': {
    permissions: [PERMISSION_AUDIT_LOG_READ],
    alsoRequired: [PERMISSION_DIRECTORY_READ_ALL],
    roles: ['reportsReader', 'securityReader', 'securityOperator', 'securityAdministrator', 'globalReader', 'globalAdministrator'],
    reads: true,
  },
  // Users (spec cba-setup-and-signin.md §1.5): api/user-{list,get}.md: User.Read.All (least),
  // User.ReadWrite.All, Directory.Read.All, Directory.ReadWrite.All; members read the directory by default,
  // so a delegated token needs no directory role.
  'users-read': {
    permissions: [PERMISSION_USER_READ_ALL, PERMISSION_USER_READ_WRITE_ALL, PERMISSION_DIRECTORY_READ_ALL, PERMISSION_DIRECTORY_READ_WRITE_ALL],
    roles: 'any',
    reads: true,
  },
  // api/user-post-users.md, user-update.md, user-delete.md: User.ReadWrite.All or Directory.ReadWrite.All;
  // other users are managed by a User Administrator.
  'users-write': {
    permissions: [PERMISSION_USER_READ_WRITE_ALL, PERMISSION_DIRECTORY_READ_WRITE_ALL],
    roles: ['userAdministrator', 'globalAdministrator'],
    reads: false,
  },
  // authorizationInfo.certificateUserIds of cloud users: "at least Privileged Authentication Administrator"
  // (entra-docs concept-certificate-based-authentication-certificateuserids.md), so not a User Administrator.
  'users-write-certificate-ids': {
    permissions: [PERMISSION_USER_READ_WRITE_ALL, PERMISSION_DIRECTORY_READ_WRITE_ALL],
    roles: ['privilegedAuthenticationAdministrator', 'globalAdministrator'],
    reads: false,
  },
  // PATCH /users/{id}: whoever holds users-write or users-write-certificate-ids gets in; the route then
  // requires the one (or both) the body's properties need.
  'users-update': {
    permissions: [PERMISSION_USER_READ_WRITE_ALL, PERMISSION_DIRECTORY_READ_WRITE_ALL],
    roles: ['userAdministrator', 'privilegedAuthenticationAdministrator', 'globalAdministrator'],
    reads: false,
  },
  // /directory/deletedItems/{id} holds PKIs, CAs and users: read or users-read lets the request in, and
  // the route requires the row of the item it finds (read/write for PKIs and CAs, users-* for users).
  'deleted-items-read': {
    permissions: [PERMISSION_READ, PERMISSION_READ_WRITE, PERMISSION_USER_READ_ALL, PERMISSION_USER_READ_WRITE_ALL, PERMISSION_DIRECTORY_READ_ALL, PERMISSION_DIRECTORY_READ_WRITE_ALL],
    roles: 'any',
    reads: true,
  },
  'deleted-items-write': {
    permissions: [PERMISSION_READ_WRITE, PERMISSION_USER_READ_WRITE_ALL, PERMISSION_DIRECTORY_READ_WRITE_ALL],
    roles: ['privilegedAuthenticationAdministrator', 'authenticationAdministrator', 'userAdministrator', 'globalAdministrator'],
    reads: false,
  },
} as const satisfies Record<string, AccessRule>;

/** What a route needs: one row of ACCESS_TABLE. */
export type Access = keyof typeof ACCESS_TABLE;

export interface Principal {
  readonly tenantId: string;
  readonly appId: string | undefined;
  readonly kind: 'application' | 'delegated';
  /** `roles` of an application token or `scp` of a delegated one. */
  readonly permissions: ReadonlySet<string>;
  readonly directoryRoles: ReadonlySet<string>;
}

export function isAllowed(principal: Principal, access: Access): boolean {
  const rule: AccessRule = ACCESS_TABLE[access];
  if (!rule.permissions.some((permission) => principal.permissions.has(permission))) return false;
  if (rule.alsoRequired && !rule.alsoRequired.every((permission) => principal.permissions.has(permission))) return false;
  if (principal.kind === 'application' || rule.roles === 'any') return true;
  return rule.roles.some((name) => principal.directoryRoles.has(DIRECTORY_ROLES[name]));
}
