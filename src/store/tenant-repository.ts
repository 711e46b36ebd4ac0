// A tenant's data as a whole, for the admin API: what it holds, resetting it (one tenant or every one),
// and a per-tenant lock that serialises whole-tenant writes (snapshot import, seeding) across instances.
// The tables that carry a tenant: certificate_based_auth_pki, certificate_authority, job,
// x509_certificate_policy, the classic store's two, directory_user (its user_certificate_user_id rows go
// with it, by foreign key) and the certificate sign-in's four. server_setting and crl_cache belong to no
// tenant and are left alone.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** Rows of one tenant (or of all), table by table. */
export interface TenantContentCounts {
  readonly certificateBasedAuthConfigurations: number;
  readonly certificateAuthorities: number;
  readonly jobs: number;
  readonly x509CertificatePolicies: number;
  /** The classic store: 0 or 1 configuration, and its CAs. */
  readonly classicCertificateBasedAuthConfigurations: number;
  readonly classicCertificateAuthorities: number;
  readonly users: number;
  /** The certificate sign-in's registered clients, (user, role) pairs and sign-in log entries. */
  readonly oidcClients: number;
  readonly directoryRoleAssignments: number;
  readonly signIns: number;
}

// Children before their parents (the foreign keys would cascade, but counting them needs their own delete).
const TENANT_TABLES = [
  'certificate_authority',
  'certificate_based_auth_pki',
  'job',
  'x509_certificate_policy',
  'classic_certificate_authority',
  'classic_auth_configuration',
  'directory_user',
  'oidc_client',
  'directory_role_assignment',
  'sign_in_log',
] as const;
type TenantTable = (typeof TENANT_TABLES)[number];
/**
 * Emptied with the tenant but not counted: unredeemed authorization codes live minutes, belong to no
 * snapshot, and do not make a tenant hold anything.
 */
const UNCOUNTED_TABLES = ['authorization_code'] as const;

export class TenantRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Takes the tenant's write lock until the transaction ends; call first, inside a transaction, and
   * `unlock` last. A marker row in server_setting: a second transaction inserting the same marker waits
   * on PostgreSQL until the first one ends (the first deletes it before committing, so nothing stays
   * behind); SQLite runs one write transaction at a time anyway.
   */
  async lock(tenantId: string): Promise<void> {
    await this.db
      .insertInto('server_setting')
      .values({ name: lockName(tenantId), value: 'locked' })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }

  async unlock(tenantId: string): Promise<void> {
    await this.db.deleteFrom('server_setting').where('name', '=', lockName(tenantId)).execute();
  }

  /** What the tenant holds, deleted items and finished jobs included. */
  async contentCounts(tenantId: string): Promise<TenantContentCounts> {
    const count = async (table: TenantTable) => {
      const row = await this.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('tenant_id', '=', tenantId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    return countsFrom(await Promise.all(TENANT_TABLES.map(count)));
  }

  /** Deletes every row of the tenant in every tenant table; what was deleted. */
  async deleteTenant(tenantId: string): Promise<TenantContentCounts> {
    const deleted: number[] = [];
    for (const table of TENANT_TABLES) {
      const result = await this.db.deleteFrom(table).where('tenant_id', '=', tenantId).executeTakeFirst();
      deleted.push(Number(result.numDeletedRows));
    }
    for (const table of UNCOUNTED_TABLES) await this.db.deleteFrom(table).where('tenant_id', '=', tenantId).execute();
    return countsFrom(deleted);
  }

  /** Deletes every tenant's rows; how many tenants held anything, and what was deleted. */
  async deleteAll(): Promise<{ readonly tenants: number; readonly deleted: TenantContentCounts }> {
    const [first, ...rest] = TENANT_TABLES.map((table) => this.db.selectFrom(table).select('tenant_id'));
    const tenants = first ? await rest.reduce((query, next) => query.union(next), first).execute() : [];
    const deleted: number[] = [];
    for (const table of TENANT_TABLES) {
      const result = await this.db.deleteFrom(table).executeTakeFirst();
      deleted.push(Number(result.numDeletedRows));
    }
    for (const table of UNCOUNTED_TABLES) await this.db.deleteFrom(table).execute();
    return { tenants: tenants.length, deleted: countsFrom(deleted) };
  }
}

function lockName(tenantId: string): string {
  return `tenant-lock:${tenantId}`;
}

/** Counts in TENANT_TABLES order. */
function countsFrom([
  certificateAuthorities = 0,
  certificateBasedAuthConfigurations = 0,
  jobs = 0,
  x509CertificatePolicies = 0,
  classicCertificateAuthorities = 0,
  classicCertificateBasedAuthConfigurations = 0,
  users = 0,
  oidcClients = 0,
  directoryRoleAssignments = 0,
  signIns = 0,
]: readonly number[]): TenantContentCounts {
  return {
    certificateBasedAuthConfigurations,
    certificateAuthorities,
    jobs,
    x509CertificatePolicies,
    classicCertificateBasedAuthConfigurations,
    classicCertificateAuthorities,
    users,
    oidcClients,
    directoryRoleAssignments,
    signIns,
  };
}
