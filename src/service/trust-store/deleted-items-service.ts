// Directory soft delete for PKIs, CAs and users: list, get, restore and purge deleted items, and the
// retention sweep that purges what was deleted longer ago than the retention period.
import type { Limits } from '../../config.ts';
import type { CaRecord } from '../../store/ca-repository.ts';
import { isUniqueViolation } from '../../store/database.ts';
import type { Condition, ListQuery } from '../../store/list-query.ts';
import type { Page, PkiRecord } from '../../store/pki-repository.ts';
import type { Store } from '../../store/store.ts';
import type { UserRecord } from '../../store/user-repository.ts';
import type { UserService } from '../directory/user-service.ts';
import { duplicateError } from './ca-service.ts';
import { graphTimestamp } from '../clock.ts';
import { graphErrors } from '../errors.ts';

export type DeletedItem =
  | { readonly kind: 'pki'; readonly pki: PkiRecord }
  | { readonly kind: 'ca'; readonly ca: CaRecord }
  | { readonly kind: 'user'; readonly user: UserRecord };

export class DeletedItemsService {
  constructor(
    private readonly store: Store,
    private readonly limits: Pick<Limits, 'maxCasPerPki' | 'deletedItemRetentionDays'>,
    private readonly users: UserService,
  ) {}

  listUsers(tenantId: string, query: ListQuery): Promise<Page<UserRecord>> {
    return this.users.listDeleted(tenantId, query);
  }

  countUsers(tenantId: string, filter?: Condition): Promise<number> {
    return this.users.countDeleted(tenantId, filter);
  }

  listPkis(tenantId: string, query: ListQuery): Promise<Page<PkiRecord>> {
    return this.store.repositories.pkis.page(tenantId, 'deleted', query);
  }

  countPkis(tenantId: string, filter?: Condition): Promise<number> {
    return this.store.repositories.pkis.count(tenantId, 'deleted', filter);
  }

  listCas(tenantId: string, query: ListQuery): Promise<Page<CaRecord>> {
    return this.store.repositories.cas.deletedPage(tenantId, query);
  }

  countCas(tenantId: string, filter?: Condition): Promise<number> {
    return this.store.repositories.cas.deletedCount(tenantId, filter);
  }

  async get(tenantId: string, id: string): Promise<DeletedItem> {
    const pki = await this.store.repositories.pkis.findById(tenantId, id, 'deleted');
    if (pki) return { kind: 'pki', pki };
    const ca = await this.store.repositories.cas.findDeleted(tenantId, id);
    if (ca) return { kind: 'ca', ca };
    const user = await this.users.findDeleted(tenantId, id);
    if (user) return { kind: 'user', user };
    throw graphErrors.notFound(id);
  }

  /** Restores a PKI (with the CAs it had), a CA (into its PKI, which must be live) or a user (its name and values must be free). */
  async restore(tenantId: string, id: string): Promise<DeletedItem> {
    const item = await this.get(tenantId, id);
    if (item.kind === 'user') return { kind: 'user', user: await this.users.restore(tenantId, id) };
    const now = graphTimestamp();
    if (item.kind === 'pki') {
      const pki = await this.store.repositories.pkis.restore(tenantId, id, now);
      if (!pki) throw graphErrors.notFound(id);
      return { kind: 'pki', pki };
    }
    const pkiId = item.ca.pkiId;
    try {
      return await this.store.transaction(async (repos) => {
        if (!(await repos.pkis.touch(tenantId, pkiId, now))) {
          throw graphErrors.badRequest(`The certificate authority cannot be restored while its PKI '${pkiId}' is deleted; restore the PKI first.`);
        }
        const existing = (await repos.cas.idsByThumbprint(tenantId, pkiId, [item.ca.thumbprint])).get(item.ca.thumbprint);
        if (existing !== undefined) throw duplicateError(existing);
        const count = await repos.cas.count(tenantId, pkiId);
        if (count >= this.limits.maxCasPerPki) {
          throw graphErrors.badRequest(`The PKI already holds ${count} certificate authorities, the most allowed (${this.limits.maxCasPerPki}).`);
        }
        const ca = await repos.cas.restore(tenantId, id);
        if (!ca) throw graphErrors.notFound(id);
        return { kind: 'ca', ca } as const;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateError(undefined);
      throw error;
    }
  }

  /** Deletes a deleted item for good (a PKI with its CAs). */
  async purge(tenantId: string, id: string): Promise<void> {
    const repos = this.store.repositories;
    if (await repos.pkis.purge(tenantId, id)) return;
    if (await repos.cas.purge(tenantId, id)) return;
    if (await this.users.purge(tenantId, id)) return;
    throw graphErrors.notFound(id);
  }

  /** Purges, in every tenant, items deleted more than the retention period ago. */
  async sweep(now = Date.now()): Promise<{ pkis: number; cas: number; users: number }> {
    const cutoff = graphTimestamp(new Date(now - this.limits.deletedItemRetentionDays * 86_400_000));
    const cas = await this.store.repositories.cas.purgeDeletedBefore(cutoff);
    const pkis = await this.store.repositories.pkis.purgeDeletedBefore(cutoff);
    const users = await this.store.repositories.users.purgeDeletedBefore(cutoff);
    return { pkis, cas, users };
  }
}
