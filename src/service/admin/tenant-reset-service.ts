// Resetting tenants for the admin API: every row a tenant owns (PKIs and CAs live or deleted, upload
// jobs in any state, the x509 policy and the authenticationMethodsPolicy root, its CRL health checks, the
// certificate sign-in's clients, codes, refresh tokens, directory roles and log) is removed in one
// transaction, for one tenant or for all.
// Shared state that belongs to no tenant (signing and skiptoken keys, the CRL cache) stays.
import type { Store } from '../../store/store.ts';
import type { TenantContentCounts } from '../../store/tenant-repository.ts';

export class TenantResetService {
  constructor(private readonly store: Store) {}

  /** Empties one tenant; what was removed (all zero when it held nothing). */
  resetTenant(tenantId: string): Promise<TenantContentCounts> {
    return this.store.transaction(async (repos) => {
      await repos.crlHealth.deleteTenant(tenantId);
      await repos.methodsPolicies.deleteTenant(tenantId);
      await repos.refreshTokens.deleteTenant(tenantId);
      return repos.tenants.deleteTenant(tenantId);
    });
  }

  /** Empties every tenant; how many held anything, and what was removed. */
  resetAll(): Promise<{ readonly tenants: number; readonly deleted: TenantContentCounts }> {
    return this.store.transaction(async (repos) => {
      await repos.crlHealth.deleteTenant(undefined);
      await repos.methodsPolicies.deleteTenant(undefined);
      await repos.refreshTokens.deleteTenant(undefined);
      return repos.tenants.deleteAll();
    });
  }
}
