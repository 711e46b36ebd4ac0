// Where a signed-in user's directory roles come from: role template ids assigned to the user's object id
// through the admin API or the seed file (graph-pki does not serve Graph's roleManagement API). They
// become the `wids` of the access token, which the Graph API checks as it does for any delegated token.
import type { Store } from '../../store/store.ts';
import { graphErrors } from '../errors.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Most roles one user may hold here (Entra has about a hundred built-in roles). */
export const MAX_ROLES_PER_USER = 100;

export class DirectoryRoleService {
  constructor(private readonly store: Store) {}

  rolesOf(tenantId: string, userId: string): Promise<string[]> {
    return this.store.repositories.directoryRoles.rolesOf(tenantId, userId.toLowerCase());
  }

  /**
   * Makes `roleTemplateIds` the user's roles (lower-cased, deduplicated); the ones it keeps. Roles go only
   * to a live user of the tenant: 404 as GET /users/{id} answers, nothing written, for an id that is no
   * user or a soft-deleted one (Graph assigns roles to directory objects, and a deleted user is only in
   * deletedItems). Removing every role ([]) works for any id, so roles left on an id that is no user (a
   * database written before this check) can still be cleared.
   */
  async assign(tenantId: string, userId: string, roleTemplateIds: readonly string[]): Promise<string[]> {
    const roles = checkedRoles(userId, roleTemplateIds);
    const principalId = userId.toLowerCase();
    await this.store.transaction(async (repos) => {
      if (roles.length > 0 && !(await repos.users.holdLive(tenantId, principalId))) throw graphErrors.notFound(userId);
      await repos.directoryRoles.replace(tenantId, principalId, roles);
    });
    return roles;
  }
}

/** The ids checked (GUIDs, at most MAX_ROLES_PER_USER), lower-cased and deduplicated; a GraphError otherwise. */
export function checkedRoles(userId: string, roleTemplateIds: readonly string[]): string[] {
  if (!GUID.test(userId)) throw graphErrors.badRequest(`'${userId}' is not a user id: expected the user's object id (a GUID).`);
  const roles = [...new Set(roleTemplateIds.map((id) => id.toLowerCase()))].sort();
  const bad = roles.find((id) => !GUID.test(id));
  if (bad !== undefined) throw graphErrors.badRequest(`Invalid value specified for 'roleTemplateIds': '${bad}' is not a role template id (a GUID).`);
  if (roles.length > MAX_ROLES_PER_USER) throw graphErrors.badRequest(`Invalid value specified for 'roleTemplateIds': at most ${MAX_ROLES_PER_USER} roles.`);
  return roles;
}
