// Users' directory roles (role template ids), per tenant: the `wids` of the tokens a sign-in issues.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export class DirectoryRoleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The user's role template ids, sorted. */
  async rolesOf(tenantId: string, principalId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('directory_role_assignment')
      .select('role_template_id')
      .where('tenant_id', '=', tenantId)
      .where('principal_id', '=', principalId)
      .orderBy('role_template_id')
      .execute();
    return rows.map((row) => row.role_template_id);
  }

  /** Every assignment of the tenant, by user then role (a snapshot export). */
  async allOfTenant(tenantId: string): Promise<{ readonly principalId: string; readonly roleTemplateId: string }[]> {
    const rows = await this.db
      .selectFrom('directory_role_assignment')
      .select(['principal_id', 'role_template_id'])
      .where('tenant_id', '=', tenantId)
      .orderBy('principal_id')
      .orderBy('role_template_id')
      .execute();
    return rows.map((row) => ({ principalId: row.principal_id, roleTemplateId: row.role_template_id }));
  }

  /** Makes `roles` the user's roles, replacing any before. */
  async replace(tenantId: string, principalId: string, roles: readonly string[]): Promise<void> {
    await this.db.deleteFrom('directory_role_assignment').where('tenant_id', '=', tenantId).where('principal_id', '=', principalId).execute();
    if (roles.length === 0) return;
    await this.db
      .insertInto('directory_role_assignment')
      .values(roles.map((role) => ({ tenant_id: tenantId, principal_id: principalId, role_template_id: role })))
      .execute();
  }

  /** Gives the user these roles too (a seed run): roles held already stay, nothing is removed. */
  async add(tenantId: string, principalId: string, roles: readonly string[]): Promise<void> {
    if (roles.length === 0) return;
    await this.db
      .insertInto('directory_role_assignment')
      .values(roles.map((role) => ({ tenant_id: tenantId, principal_id: principalId, role_template_id: role })))
      .onConflict((oc) => oc.columns(['tenant_id', 'principal_id', 'role_template_id']).doNothing())
      .execute();
  }
}
