// Persistence of directory users and the lookup rows of their certificateUserIds. Every method takes the
// tenant id and scopes every statement by it (the purge sweep alone works across tenants, on rows deleted
// long ago). A live user's certificateUserIds are in two places: the ordered list in its row (what Graph
// returns) and one lookup row per value (what finds the user and keeps a value unique in the tenant);
// the service writes both in one transaction. A deleted user keeps its list but no lookup rows, so its
// values are free for others until it is restored.
import type { Kysely, Selectable } from 'kysely';
import { certificateUserIdMatchKey, matchHash } from '../pki/certificate-user-id-key.ts';
import type { DialectName } from './database.ts';
import { type Condition, type FieldMap, type ListQuery, runListQuery, textKey, withFilter } from './list-query.ts';
import type { Lifecycle, Page } from './pki-repository.ts';
import type { Database, DirectoryUserTable } from './schema.ts';
import { SoftDeletion } from './soft-deletion.ts';

export interface UserRecord {
  readonly id: string;
  readonly userPrincipalName: string;
  /** Set by directory sync only (read-only in Graph); seeded through the admin API. */
  readonly onPremisesUserPrincipalName: string | null;
  readonly onPremisesSyncEnabled: boolean | null;
  readonly mail: string | null;
  readonly mailNickname: string | null;
  readonly displayName: string | null;
  readonly givenName: string | null;
  readonly surname: string | null;
  readonly jobTitle: string | null;
  readonly accountEnabled: boolean;
  readonly certificateUserIds: readonly string[];
  readonly createdDateTime: string;
  readonly deletedDateTime: string | null;
}

/** Properties to change; undefined = keep. */
export type UserChanges = Partial<Omit<UserRecord, 'id' | 'createdDateTime' | 'deletedDateTime'>>;

/** One certificateUserIds value with the hash of its match key. */
export interface CertificateUserIdEntry {
  readonly matchHash: string;
  readonly value: string;
}

const USERS = 'directory_user';
const IDS = 'user_certificate_user_id';

export const USER_FIELDS: FieldMap = {
  id: { kind: 'text', column: 'id', keyColumn: 'id' },
  userPrincipalName: { kind: 'text', column: 'user_principal_name', keyColumn: 'user_principal_name_key', byteOrdered: true },
  onPremisesUserPrincipalName: {
    kind: 'text',
    column: 'on_premises_user_principal_name',
    keyColumn: 'on_premises_user_principal_name_key',
    byteOrdered: true,
  },
  mail: { kind: 'text', column: 'mail', keyColumn: 'mail_key', byteOrdered: true },
  displayName: { kind: 'text', column: 'display_name', keyColumn: 'display_name_key', byteOrdered: true },
  accountEnabled: { kind: 'boolean', column: 'account_enabled' },
  createdDateTime: { kind: 'timestamp', column: 'created_date_time' },
  deletedDateTime: { kind: 'timestamp', column: 'deleted_date_time' },
  certificateUserIds: {
    kind: 'collection',
    column: 'id',
    collection: {
      table: IDS,
      outerTable: USERS,
      ownerColumn: 'user_id',
      matchColumn: 'match_hash',
      valueColumn: 'value',
      matchHash: (value) => matchHash(certificateUserIdMatchKey(value)),
    },
  },
};

/** The lower-case key columns of the name-like properties, as a user row stores them. */
function keysOf(user: Pick<UserRecord, 'userPrincipalName' | 'onPremisesUserPrincipalName' | 'mail' | 'displayName'>) {
  return {
    user_principal_name_key: textKey(user.userPrincipalName),
    on_premises_user_principal_name_key: textKey(user.onPremisesUserPrincipalName),
    mail_key: textKey(user.mail),
    display_name_key: textKey(user.displayName),
  };
}

export class UserRepository {
  private readonly lifecycle: SoftDeletion<'directory_user'>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {
    this.lifecycle = new SoftDeletion(db, USERS);
  }

  /** Inserts the user's row and the lookup rows of its values (call inside a transaction). */
  async insert(tenantId: string, user: UserRecord, entries: readonly CertificateUserIdEntry[]): Promise<void> {
    await this.db.insertInto(USERS).values(rowOf(tenantId, user)).execute();
    if (user.deletedDateTime === null) await this.insertEntries(tenantId, user.id, entries);
  }

  async findById(tenantId: string, id: string, lifecycle: Lifecycle = 'live'): Promise<UserRecord | undefined> {
    const row = await this.scoped(tenantId, lifecycle).where('id', '=', id).selectAll().executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * Whether a live user has this id, holding its row until the transaction ends (PostgreSQL: FOR SHARE;
   * SQLite runs one write transaction at a time) so that it is not deleted before what names it is written
   * (directory roles: a purge would otherwise miss roles written after it looked). Call inside a transaction.
   */
  async holdLive(tenantId: string, id: string): Promise<boolean> {
    const row = await this.scoped(tenantId, 'live')
      .where('id', '=', id)
      .select('id')
      .$if(this.dialect === 'postgres', (qb) => qb.forShare())
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The live (or one deleted) user with this userPrincipalName, compared case-insensitively. */
  async findByUserPrincipalName(tenantId: string, userPrincipalName: string, lifecycle: Lifecycle = 'live'): Promise<UserRecord | undefined> {
    const row = await this.scoped(tenantId, lifecycle).where('user_principal_name_key', '=', textKey(userPrincipalName)).selectAll().executeTakeFirst();
    return row && toRecord(row);
  }

  /** The live user with this onPremisesUserPrincipalName, compared case-insensitively. */
  async findByOnPremisesUserPrincipalName(tenantId: string, name: string): Promise<UserRecord | undefined> {
    const row = await this.scoped(tenantId, 'live')
      .where('on_premises_user_principal_name', 'is not', null)
      .where('on_premises_user_principal_name_key', '=', textKey(name))
      .selectAll()
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Live users with this mail (not unique in the directory), compared case-insensitively, by id. */
  async findByMail(tenantId: string, mail: string): Promise<UserRecord[]> {
    const rows = await this.scoped(tenantId, 'live').where('mail', 'is not', null).where('mail_key', '=', textKey(mail)).selectAll().orderBy('id').execute();
    return rows.map(toRecord);
  }

  /** The live user holding a value with this match hash. */
  async findByCertificateUserIdHash(tenantId: string, matchHash: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom(USERS)
      .innerJoin(IDS, (join) => join.onRef(`${IDS}.tenant_id`, '=', `${USERS}.tenant_id`).onRef(`${IDS}.user_id`, '=', `${USERS}.id`))
      .where(`${IDS}.tenant_id`, '=', tenantId)
      .where(`${IDS}.match_hash`, '=', matchHash)
      .where(`${USERS}.deleted_date_time`, 'is', null)
      .selectAll(USERS)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Which of these match hashes live users hold, and whose: hash -> user id. */
  async holdersOf(tenantId: string, matchHashes: readonly string[]): Promise<Map<string, string>> {
    if (matchHashes.length === 0) return new Map();
    const rows = await this.db
      .selectFrom(IDS)
      .select(['match_hash', 'user_id'])
      .where('tenant_id', '=', tenantId)
      .where('match_hash', 'in', [...matchHashes])
      .execute();
    return new Map(rows.map((r) => [r.match_hash, r.user_id]));
  }

  /** Every user of the tenant, live and deleted, by id: a tenant snapshot. */
  async allOfTenant(tenantId: string): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom(USERS).selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
    return rows.map(toRecord);
  }

  /** One page of users in the query's order, starting after its keyset position. */
  async page(tenantId: string, lifecycle: Lifecycle, query: ListQuery): Promise<Page<UserRecord>> {
    const { rows, next } = await runListQuery(this.scoped(tenantId, lifecycle).selectAll(), query, USER_FIELDS);
    return { items: rows.map(toRecord), next };
  }

  async count(tenantId: string, lifecycle: Lifecycle = 'live', filter?: Condition): Promise<number> {
    const row = await withFilter(this.scoped(tenantId, lifecycle).select((eb) => eb.fn.countAll().as('n')), filter, USER_FIELDS).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Applies the changes to a live user and returns it, undefined when it does not exist. With new
   * certificateUserIds, `entries` replaces its lookup rows (call inside a transaction).
   */
  async update(tenantId: string, id: string, changes: UserChanges, entries?: readonly CertificateUserIdEntry[]): Promise<UserRecord | undefined> {
    const current = await this.findById(tenantId, id);
    if (!current) return undefined;
    const next: UserRecord = { ...current, ...definedOnly(changes) };
    const row = rowOf(tenantId, next);
    const { tenant_id: _tenant, id: _id, created_date_time: _created, deleted_date_time: _deleted, ...set } = row;
    const updated = await this.db
      .updateTable(USERS)
      .set(set)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('deleted_date_time', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!updated) return undefined;
    if (entries) {
      await this.db.deleteFrom(IDS).where('tenant_id', '=', tenantId).where('user_id', '=', id).execute();
      await this.insertEntries(tenantId, id, entries);
    }
    return toRecord(updated);
  }

  /** Soft-deletes a live user and frees its values; false when it does not exist (call inside a transaction). */
  async softDelete(tenantId: string, id: string, deletedDateTime: string): Promise<boolean> {
    if (!(await this.lifecycle.softDelete(tenantId, id, deletedDateTime))) return false;
    await this.db.deleteFrom(IDS).where('tenant_id', '=', tenantId).where('user_id', '=', id).execute();
    return true;
  }

  /**
   * Brings a soft-deleted user back with its values' lookup rows; undefined when there is no such deleted
   * user. A unique violation (its UPN or a value now taken) is the caller's to report (call inside a transaction).
   */
  async restore(tenantId: string, id: string, entries: readonly CertificateUserIdEntry[]): Promise<UserRecord | undefined> {
    const row = await this.lifecycle.restore(tenantId, id);
    if (!row) return undefined;
    await this.insertEntries(tenantId, id, entries);
    return toRecord(row);
  }

  /**
   * Removes a soft-deleted user for good, with its directory roles (they would name no user: a tenant
   * snapshot could not carry them); false when there is no such deleted user.
   */
  async purge(tenantId: string, id: string): Promise<boolean> {
    await this.db
      .deleteFrom('directory_role_assignment')
      .where('tenant_id', '=', tenantId)
      .where('principal_id', '=', id)
      .where((eb) => eb.exists(eb.selectFrom(USERS).select('id').where('tenant_id', '=', tenantId).where('id', '=', id).where('deleted_date_time', 'is not', null)))
      .execute();
    return this.lifecycle.purge(tenantId, id);
  }

  /** The retention sweep: purges, in every tenant, users deleted before the cutoff. */
  async purgeDeletedBefore(cutoff: string): Promise<number> {
    await this.db
      .deleteFrom('directory_role_assignment')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom(`${USERS} as u`)
            .select('u.id')
            .whereRef('u.tenant_id', '=', 'directory_role_assignment.tenant_id')
            .whereRef('u.id', '=', 'directory_role_assignment.principal_id')
            .where('u.deleted_date_time', '<', cutoff),
        ),
      )
      .execute();
    return this.lifecycle.purgeDeletedBefore(cutoff);
  }

  private async insertEntries(tenantId: string, userId: string, entries: readonly CertificateUserIdEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db
      .insertInto(IDS)
      .values(entries.map((e) => ({ tenant_id: tenantId, match_hash: e.matchHash, user_id: userId, value: e.value })))
      .execute();
  }

  private scoped(tenantId: string, lifecycle: Lifecycle) {
    return this.db
      .selectFrom(USERS)
      .where('tenant_id', '=', tenantId)
      .where('deleted_date_time', lifecycle === 'live' ? 'is' : 'is not', null);
  }
}

function definedOnly(changes: UserChanges): UserChanges {
  return Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as UserChanges;
}

function rowOf(tenantId: string, user: UserRecord): DirectoryUserTable {
  return {
    tenant_id: tenantId,
    id: user.id,
    user_principal_name: user.userPrincipalName,
    on_premises_user_principal_name: user.onPremisesUserPrincipalName,
    on_premises_sync_enabled: user.onPremisesSyncEnabled === null ? null : user.onPremisesSyncEnabled ? 1 : 0,
    mail: user.mail,
    mail_nickname: user.mailNickname,
    display_name: user.displayName,
    given_name: user.givenName,
    surname: user.surname,
    job_title: user.jobTitle,
    account_enabled: user.accountEnabled ? 1 : 0,
    certificate_user_ids: JSON.stringify(user.certificateUserIds),
    created_date_time: user.createdDateTime,
    deleted_date_time: user.deletedDateTime,
    ...keysOf(user),
  };
}

function toRecord(row: Selectable<DirectoryUserTable>): UserRecord {
  return {
    id: row.id,
    userPrincipalName: row.user_principal_name,
    onPremisesUserPrincipalName: row.on_premises_user_principal_name,
    onPremisesSyncEnabled: row.on_premises_sync_enabled === null ? null : Number(row.on_premises_sync_enabled) === 1,
    mail: row.mail,
    mailNickname: row.mail_nickname,
    displayName: row.display_name,
    givenName: row.given_name,
    surname: row.surname,
    jobTitle: row.job_title,
    accountEnabled: Number(row.account_enabled) === 1,
    certificateUserIds: JSON.parse(row.certificate_user_ids) as string[],
    createdDateTime: row.created_date_time,
    deletedDateTime: row.deleted_date_time,
  };
}
