// Moving from the classic store to a PKI, the first step of Entra's documented migration ("upload all the
// CAs to the PKI store; it then takes priority; watch the sign-in logs; then delete the classic CAs", spec
// cba-setup-and-signin.md §3). Graph has no API for it; this one copies the classic certificateAuthorities
// into a PKI (a named one, or a new one) and reports per CA what it did: created, already present (the
// same certificate is a live CA of the PKI), or skipped with why (the PKI's checks refused it, or the PKI
// is full). Each CA keeps its CRL URLs. All of it is one transaction; a dry run writes nothing. The classic
// store is deleted only when asked, and only when every CA is in the PKI afterwards.
import type { CaRecord } from '../../store/ca-repository.ts';
import type { PkiRecord } from '../../store/pki-repository.ts';
import type { Repositories, Store } from '../../store/store.ts';
import { graphTimestamp } from '../clock.ts';
import { GraphError, graphErrors } from '../errors.ts';
import { newObjectId } from '../ids.ts';
import type { CaService } from './ca-service.ts';
import { CLASSIC_CONFIGURATION_ID } from './classic-store-service.ts';
import type { PkiService } from './pki-service.ts';
import { DEFAULT_MIGRATION_PKI_NAME } from './classic-migration-defaults.ts';

export interface ClassicMigrationRequest {
  /** Copy into this live PKI (404 when missing). */
  readonly pkiId?: string | undefined;
  /** Else into the live PKI with exactly this displayName, created when there is none. */
  readonly displayName?: string | undefined;
  /** Check and report, write nothing. */
  readonly dryRun?: boolean | undefined;
  /** Delete the classic store afterwards, when every one of its CAs is in the PKI. */
  readonly deleteClassic?: boolean | undefined;
}

export type MigrationAction = 'created' | 'alreadyPresent' | 'skipped';

export interface MigratedCa {
  readonly thumbprint: string;
  readonly issuer: string;
  readonly isRootAuthority: boolean;
  readonly action: MigrationAction;
  /** The PKI's CA (created or already there); null when skipped or in a dry run that would create it. */
  readonly certificateAuthorityId: string | null;
  /** Why it was skipped; null otherwise. */
  readonly reason: string | null;
}

export interface ClassicMigrationReport {
  readonly dryRun: boolean;
  readonly publicKeyInfrastructure: {
    /** null in a dry run that would create the PKI. */
    readonly id: string | null;
    readonly displayName: string | null;
    readonly created: boolean;
  };
  readonly certificateAuthorities: readonly MigratedCa[];
  readonly classicStoreDeleted: boolean;
  /** Why the classic store was kept although deleteClassic was asked; null otherwise. */
  readonly classicStoreKeptBecause: string | null;
}

export class ClassicMigrationService {
  constructor(
    private readonly store: Store,
    private readonly pkis: PkiService,
    private readonly cas: CaService,
    private readonly maxCasPerPki: number,
  ) {}

  async migrate(tenantId: string, request: ClassicMigrationRequest): Promise<ClassicMigrationReport> {
    const dryRun = request.dryRun === true;
    const run = async (repos: Repositories): Promise<ClassicMigrationReport> => {
      const classic = await repos.classicStore.find(tenantId);
      if (!classic) throw graphErrors.notFound(CLASSIC_CONFIGURATION_ID);
      const { pki, created } = await this.targetPki(repos, tenantId, request);
      // Locks the PKI for the rest of the transaction (as every CA write does).
      if (!dryRun && !created && !(await repos.pkis.touch(tenantId, pki.id, graphTimestamp()))) throw graphErrors.notFound(pki.id);
      if (!dryRun && created) await repos.pkis.insert(tenantId, pki);
      const present = created ? new Map<string, string>() : await repos.cas.idsByThumbprint(tenantId, pki.id, classic.certificateAuthorities.map((ca) => ca.thumbprint));
      let room = this.maxCasPerPki - (created ? 0 : await repos.cas.count(tenantId, pki.id));
      const toInsert: CaRecord[] = [];
      const report: MigratedCa[] = classic.certificateAuthorities.map((ca) => {
        const base = { thumbprint: ca.thumbprint, issuer: ca.issuer, isRootAuthority: ca.isRootAuthority };
        const existing = present.get(ca.thumbprint);
        if (existing !== undefined) return { ...base, action: 'alreadyPresent', certificateAuthorityId: existing, reason: null };
        if (room <= 0) return { ...base, action: 'skipped', certificateAuthorityId: null, reason: `the PKI holds ${this.maxCasPerPki} certificate authorities, the most allowed` };
        let record: CaRecord;
        try {
          const now = graphTimestamp();
          record = this.cas.prepareNew(
            pki.id,
            { certificate: ca.certificate, certificateRevocationListUrl: ca.certificateRevocationListUrl, deltaCertificateRevocationListUrl: ca.deltaCertificateRevocationListUrl },
            { id: newObjectId(), createdDateTime: now, deletedDateTime: null },
          );
        } catch (error) {
          if (!(error instanceof GraphError)) throw error;
          return { ...base, action: 'skipped', certificateAuthorityId: null, reason: error.message };
        }
        room -= 1;
        toInsert.push(record);
        return { ...base, action: 'created', certificateAuthorityId: dryRun ? null : record.id, reason: null };
      });
      if (!dryRun && toInsert.length > 0) await repos.cas.insert(tenantId, toInsert);
      const skipped = report.filter((ca) => ca.action === 'skipped').length;
      let classicStoreDeleted = false;
      let classicStoreKeptBecause: string | null = null;
      if (request.deleteClassic === true) {
        if (skipped > 0) classicStoreKeptBecause = `${skipped} of its certificate authorities ${skipped === 1 ? 'is' : 'are'} not in the PKI`;
        else if (dryRun) classicStoreKeptBecause = 'dry run';
        else classicStoreDeleted = await repos.classicStore.delete(tenantId);
      }
      return {
        dryRun,
        publicKeyInfrastructure: { id: dryRun && created ? null : pki.id, displayName: pki.displayName, created },
        certificateAuthorities: report,
        classicStoreDeleted,
        classicStoreKeptBecause,
      };
    };
    return dryRun ? this.store.consistentRead(run) : this.store.transaction(run);
  }

  /** The PKI to copy into: by id, by displayName (live), or a new one (its record, not yet inserted). */
  private async targetPki(repos: Repositories, tenantId: string, request: ClassicMigrationRequest): Promise<{ pki: PkiRecord; created: boolean }> {
    if (request.pkiId !== undefined) {
      const pki = await repos.pkis.findById(tenantId, request.pkiId);
      if (!pki) throw graphErrors.notFound(request.pkiId);
      return { pki, created: false };
    }
    const displayName = request.displayName ?? DEFAULT_MIGRATION_PKI_NAME;
    const found = await repos.pkis.findByDisplayName(tenantId, displayName);
    if (found && found.deletedDateTime === null) return { pki: found, created: false };
    return { pki: this.pkis.prepareNew({ displayName }), created: true };
  }
}
