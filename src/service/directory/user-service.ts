// Use cases of directory users (../shared/spec/cba-setup-and-signin.md §1): create, read, list, update,
// soft delete, restore and purge, and the look-ups username binding needs (findByCertificateUserId,
// findByUserProperty). Callable from HTTP, the admin API (seed, snapshot) and the verification and
// sign-in use cases alike.
import type { Limits } from '../../config.ts';
import { certificateUserIdMatchKey, matchHash, otherSerialByteOrder } from '../../pki/certificate-user-id-key.ts';
import { isUniqueViolation } from '../../store/database.ts';
import type { Condition, ListQuery } from '../../store/list-query.ts';
import type { Page } from '../../store/pki-repository.ts';
import type { Repositories, Store } from '../../store/store.ts';
import type { CertificateUserIdEntry, UserChanges, UserRecord, UserRepository } from '../../store/user-repository.ts';
import { graphTimestamp } from '../clock.ts';
import { graphErrors } from '../errors.ts';
import { newObjectId } from '../ids.ts';
import { certificateUserIdTaken, checkCertificateUserIds } from './certificate-user-ids.ts';
import { checkUserPrincipalName } from './user-principal-name.ts';

export type { UserRecord } from '../../store/user-repository.ts';

/** The user properties a certificate binding can compare with (x509CertificateUserBinding.userProperty), and mail. */
export type UserBindingProperty = 'userPrincipalName' | 'onPremisesUserPrincipalName' | 'mail' | 'certificateUserIds';

/** Properties Graph lets a client write. undefined = not given (create: default; update: keep). */
export interface UserInput {
  readonly userPrincipalName?: string | undefined;
  readonly displayName?: string | null | undefined;
  readonly accountEnabled?: boolean | undefined;
  readonly mail?: string | null | undefined;
  readonly mailNickname?: string | null | undefined;
  readonly givenName?: string | null | undefined;
  readonly surname?: string | null | undefined;
  readonly jobTitle?: string | null | undefined;
  /** authorizationInfo.certificateUserIds: replaces the stored list (null = empty). */
  readonly certificateUserIds?: readonly unknown[] | null | undefined;
}

/**
 * Properties only directory sync (Entra Connect) sets: read-only in Graph, given here by seed files and
 * snapshots so that bindings to onPremisesUserPrincipalName and synced users can be tested.
 */
export interface DirectorySyncInput {
  readonly onPremisesUserPrincipalName?: string | null | undefined;
  readonly onPremisesSyncEnabled?: boolean | null | undefined;
}

export type NewUserInput = UserInput & DirectorySyncInput & { readonly userPrincipalName: string };

export type UserServiceLimits = Pick<Limits, 'maxCertificateUserIds' | 'maxCertificateUserIdLength' | 'maxDisplayNameLength'>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class UserService {
  constructor(
    private readonly store: Store,
    private readonly limits: UserServiceLimits,
  ) {}

  private get users(): UserRepository {
    return this.store.repositories.users;
  }

  /** Checks and stores a new user; 400 when its userPrincipalName or a certificateUserIds value is taken. */
  async create(tenantId: string, input: NewUserInput): Promise<UserRecord> {
    const user = this.prepareNew(input);
    await this.writeChecked(tenantId, user, (repos, entries) => repos.users.insert(tenantId, user, entries));
    return user;
  }

  /** Checks a new user as create does and builds its record, writing nothing (create, seed files). */
  prepareNew(input: NewUserInput, id = newObjectId()): UserRecord {
    this.checkTexts(input);
    return {
      id,
      userPrincipalName: checkUserPrincipalName(input.userPrincipalName),
      onPremisesUserPrincipalName: input.onPremisesUserPrincipalName ?? null,
      onPremisesSyncEnabled: input.onPremisesSyncEnabled ?? null,
      mail: input.mail ?? null,
      mailNickname: input.mailNickname ?? null,
      displayName: input.displayName ?? null,
      givenName: input.givenName ?? null,
      surname: input.surname ?? null,
      jobTitle: input.jobTitle ?? null,
      accountEnabled: input.accountEnabled ?? true,
      certificateUserIds: checkCertificateUserIds(input.certificateUserIds ?? [], this.limits),
      createdDateTime: graphTimestamp(),
      deletedDateTime: null,
    };
  }

  /** The live user with this id or userPrincipalName (as Graph's /users/{id | userPrincipalName}); 404 when none. */
  async get(tenantId: string, idOrUserPrincipalName: string): Promise<UserRecord> {
    const user = await this.find(tenantId, idOrUserPrincipalName);
    if (!user) throw graphErrors.notFound(idOrUserPrincipalName);
    return user;
  }

  /** The live user with this id or userPrincipalName, undefined when none. */
  find(tenantId: string, idOrUserPrincipalName: string): Promise<UserRecord | undefined> {
    return GUID.test(idOrUserPrincipalName)
      ? this.users.findById(tenantId, idOrUserPrincipalName.toLowerCase())
      : this.users.findByUserPrincipalName(tenantId, idOrUserPrincipalName);
  }

  list(tenantId: string, query: ListQuery): Promise<Page<UserRecord>> {
    return this.users.page(tenantId, 'live', query);
  }

  count(tenantId: string, filter?: Condition): Promise<number> {
    return this.users.count(tenantId, 'live', filter);
  }

  /**
   * Changes a live user (PATCH semantics: given properties only). certificateUserIds replace the stored
   * list, as Graph's do; a synced user's can only come from directory sync (400).
   */
  async update(tenantId: string, idOrUserPrincipalName: string, input: UserInput): Promise<UserRecord> {
    this.checkTexts(input);
    const current = await this.get(tenantId, idOrUserPrincipalName);
    const changes: UserChanges = {
      userPrincipalName: input.userPrincipalName === undefined ? undefined : checkUserPrincipalName(input.userPrincipalName),
      displayName: input.displayName,
      accountEnabled: input.accountEnabled,
      mail: input.mail,
      mailNickname: input.mailNickname,
      givenName: input.givenName,
      surname: input.surname,
      jobTitle: input.jobTitle,
    };
    let certificateUserIds: string[] | undefined;
    if (input.certificateUserIds !== undefined) {
      if (current.onPremisesSyncEnabled === true) {
        throw graphErrors.badRequest(
          `The user '${current.userPrincipalName}' is synchronized from an on-premises directory: its certificateUserIds come from directory sync (altSecurityIdentities) and cannot be changed through Graph.`,
        );
      }
      certificateUserIds = checkCertificateUserIds(input.certificateUserIds ?? [], this.limits);
    }
    const next: UserRecord = { ...current, ...definedOnly(changes), ...(certificateUserIds ? { certificateUserIds } : {}) };
    let updated: UserRecord | undefined;
    await this.writeChecked(tenantId, next, async (repos, entries) => {
      updated = await repos.users.update(tenantId, current.id, { ...changes, certificateUserIds }, certificateUserIds ? entries : undefined);
    });
    if (!updated) throw graphErrors.notFound(idOrUserPrincipalName);
    return updated;
  }

  /** Soft delete: the user leaves every read but deletedItems, and its values are free for others. */
  async softDelete(tenantId: string, idOrUserPrincipalName: string): Promise<void> {
    const user = await this.get(tenantId, idOrUserPrincipalName);
    const deleted = await this.store.transaction((repos) => repos.users.softDelete(tenantId, user.id, graphTimestamp()));
    if (!deleted) throw graphErrors.notFound(idOrUserPrincipalName);
  }

  /** The lookup entries of certificateUserIds values: each value with the hash of its match key. */
  entriesOf(values: readonly string[]): CertificateUserIdEntry[] {
    return values.map((value) => ({ matchHash: hashOf(value), value }));
  }

  /** The soft-deleted user with this id, undefined when none. */
  findDeleted(tenantId: string, id: string): Promise<UserRecord | undefined> {
    return this.users.findById(tenantId, id, 'deleted');
  }

  listDeleted(tenantId: string, query: ListQuery): Promise<Page<UserRecord>> {
    return this.users.page(tenantId, 'deleted', query);
  }

  countDeleted(tenantId: string, filter?: Condition): Promise<number> {
    return this.users.count(tenantId, 'deleted', filter);
  }

  /** Restores a soft-deleted user; 400 when its userPrincipalName or one of its values was taken meanwhile. */
  async restore(tenantId: string, id: string): Promise<UserRecord> {
    const deleted = await this.findDeleted(tenantId, id);
    if (!deleted) throw graphErrors.notFound(id);
    let restored: UserRecord | undefined;
    await this.writeChecked(tenantId, deleted, async (repos, entries) => {
      restored = await repos.users.restore(tenantId, id, entries);
    });
    if (!restored) throw graphErrors.notFound(id);
    return restored;
  }

  /** Deletes a soft-deleted user for good; false when there is no such deleted user. */
  purge(tenantId: string, id: string): Promise<boolean> {
    return this.users.purge(tenantId, id);
  }

  /**
   * The live user holding this certificateUserIds value, compared under its match key (X509 prefix exact,
   * hex and names case-insensitive, DNs trimmed); an IssuerAndSerialNumber value also finds the serial
   * written in the other byte order.
   */
  async findByCertificateUserId(tenantId: string, value: string): Promise<UserRecord | undefined> {
    const found = await this.users.findByCertificateUserIdHash(tenantId, hashOf(value));
    if (found) return found;
    const other = otherSerialByteOrder(value);
    return other === undefined ? undefined : this.users.findByCertificateUserIdHash(tenantId, hashOf(other));
  }

  /**
   * The live users whose property equals the value: userPrincipalName, onPremisesUserPrincipalName and mail
   * case-insensitively (the first two are unique in the tenant, mail is not), certificateUserIds as
   * findByCertificateUserId compares. Empty when none.
   */
  async findByUserProperty(tenantId: string, property: UserBindingProperty, value: string): Promise<readonly UserRecord[]> {
    const one = (user: UserRecord | undefined) => (user ? [user] : []);
    switch (property) {
      case 'userPrincipalName':
        return one(await this.users.findByUserPrincipalName(tenantId, value));
      case 'onPremisesUserPrincipalName':
        return one(await this.users.findByOnPremisesUserPrincipalName(tenantId, value));
      case 'mail':
        return this.users.findByMail(tenantId, value);
      case 'certificateUserIds':
        return one(await this.findByCertificateUserId(tenantId, value));
    }
  }

  /**
   * Runs `write` in a transaction after checking that no other live user holds the user's
   * userPrincipalName, onPremisesUserPrincipalName or certificateUserIds; the database's unique indexes
   * catch a concurrent writer, reported the same way.
   */
  private async writeChecked(
    tenantId: string,
    user: UserRecord,
    write: (repos: Repositories, entries: readonly CertificateUserIdEntry[]) => Promise<void>,
  ): Promise<void> {
    const entries = this.entriesOf(user.certificateUserIds);
    try {
      await this.store.transaction(async (repos) => {
        await this.checkUnique(repos, tenantId, user);
        await write(repos, entries);
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A concurrent writer took a value between the check and the write: say which, as the check would have.
      await this.checkUnique(this.store.repositories, tenantId, user);
      throw certificateUserIdTaken();
    }
  }

  /**
   * 400 when another live user holds the user's userPrincipalName, onPremisesUserPrincipalName or one of
   * its certificateUserIds values; run in the transaction that then writes the user (create, seed files).
   */
  async checkUnique(repos: Repositories, tenantId: string, user: UserRecord): Promise<void> {
    const byName = await repos.users.findByUserPrincipalName(tenantId, user.userPrincipalName);
    if (byName && byName.id !== user.id) throw conflict('userPrincipalName');
    if (user.onPremisesUserPrincipalName !== null) {
      const byOnPremisesName = await repos.users.findByOnPremisesUserPrincipalName(tenantId, user.onPremisesUserPrincipalName);
      if (byOnPremisesName && byOnPremisesName.id !== user.id) throw conflict('onPremisesUserPrincipalName');
    }
    const holders = await repos.users.holdersOf(tenantId, this.entriesOf(user.certificateUserIds).map((e) => e.matchHash));
    if ([...holders.values()].some((holder) => holder !== user.id)) throw certificateUserIdTaken();
  }

  /** 400 when a name-like property is longer than allowed. */
  private checkTexts(input: UserInput): void {
    for (const property of ['displayName', 'mail', 'mailNickname', 'givenName', 'surname', 'jobTitle'] as const) {
      const value = input[property];
      if (typeof value !== 'string') continue;
      const length = [...value].length;
      if (length > this.limits.maxDisplayNameLength) {
        throw graphErrors.badRequest(
          `Invalid value specified for property '${property}' of resource 'User': ${length} characters, at most ${this.limits.maxDisplayNameLength} allowed.`,
        );
      }
    }
  }
}

function hashOf(value: string): string {
  return matchHash(certificateUserIdMatchKey(value));
}

/** Graph's answer when another directory object holds a unique property's value. */
function conflict(property: string) {
  return graphErrors.badRequest(`Another object with the same value for property ${property} already exists.`);
}

function definedOnly(changes: UserChanges): UserChanges {
  return Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as UserChanges;
}
