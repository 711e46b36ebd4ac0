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
   * The roles of a user of the tenant, for the admin API: 400 for an id that is no GUID; 404 as GET
   * /users/{id} answers for an id that is no user (live or soft-deleted, whose roles are kept for its
   * restore) and holds no roles, rather than an empty list that reads as "a user without roles". Roles
   * kept on an id that is no user (a database written before assign checked) are shown, so they can be
   * seen and cleared.
   */
  async rolesOfUser(tenantId: string, userId: string): Promise<string[]> {
    checkedUserId(userId);
    const roles = await this.rolesOf(tenantId, userId);
    if (roles.length > 0) return roles;
    const users = this.store.repositories.users;
    const id = userId.toLowerCase();
    if ((await users.findById(tenantId, id)) ?? (await users.findById(tenantId, id, 'deleted'))) return roles;
    throw graphErrors.notFound(userId);
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
  checkedUserId(userId);
  const roles = [...new Set(roleTemplateIds.map((id) => id.toLowerCase()))].sort();
  const bad = roles.find((id) => !GUID.test(id));
  if (bad !== undefined) throw graphErrors.badRequest(`Invalid value specified for 'roleTemplateIds': '${bad}' is not a role template id (a GUID).`);
  if (roles.length > MAX_ROLES_PER_USER) throw graphErrors.badRequest(`Invalid value specified for 'roleTemplateIds': at most ${MAX_ROLES_PER_USER} roles.`);
  return roles;
}

/** A GraphError (400) unless `userId` is a GUID, as a user's object id is. */
function checkedUserId(userId: string): void {
  if (!GUID.test(userId)) throw graphErrors.badRequest(`'${userId}' is not a user id: expected the user's object id (a GUID).`);
}
