// Use cases of the certificateBasedAuthPki collection, callable from HTTP, the CLI and tests alike.
import type { Limits } from '../../config.ts';
import type { Condition, ListQuery } from '../../store/list-query.ts';
import type { CertificateBasedAuthPkiRepository, Page, PkiRecord } from '../../store/pki-repository.ts';
import { graphTimestamp } from '../clock.ts';
import { newObjectId } from '../ids.ts';
import { graphErrors } from '../errors.ts';

/** `status` of a PKI on which no upload or delete job is running (what Graph's examples show). */
export const PKI_STATUS_IDLE = 'succeeded';

export interface PkiInput {
  /** undefined = not supplied (keep), null = clear. */
  readonly displayName?: string | null | undefined;
}

export class PkiService {
  constructor(
    private readonly pkis: CertificateBasedAuthPkiRepository,
    private readonly limits: Pick<Limits, 'maxDisplayNameLength'>,
  ) {}

  async create(tenantId: string, input: PkiInput): Promise<PkiRecord> {
    const pki = this.prepareNew(input);
    await this.pkis.insert(tenantId, pki);
    return pki;
  }

  /** Checks a new PKI as create does and builds its record, writing nothing (create, seed files). */
  prepareNew(input: PkiInput, id = newObjectId()): PkiRecord {
    this.checkDisplayName(input.displayName);
    const now = graphTimestamp();
    return {
      id,
      displayName: input.displayName ?? null,
      status: PKI_STATUS_IDLE,
      statusDetails: null,
      lastModifiedDateTime: now,
      createdDateTime: now,
      deletedDateTime: null,
    };
  }

  /** The live PKI when it can be read synchronously right now (the fast read path); undefined = call get(). */
  peek(tenantId: string, id: string): PkiRecord | undefined {
    return this.pkis.findLiveNow(tenantId, id);
  }

  async get(tenantId: string, id: string): Promise<PkiRecord> {
    const pki = await this.pkis.findById(tenantId, id);
    if (!pki) throw graphErrors.notFound(id);
    return pki;
  }

  async list(tenantId: string, query: ListQuery): Promise<Page<PkiRecord>> {
    return this.pkis.page(tenantId, 'live', query);
  }

  async count(tenantId: string, filter?: Condition): Promise<number> {
    return this.pkis.count(tenantId, 'live', filter);
  }

  async update(tenantId: string, id: string, input: PkiInput): Promise<PkiRecord> {
    this.checkDisplayName(input.displayName);
    const updated = await this.pkis.update(tenantId, id, {
      displayName: input.displayName,
      lastModifiedDateTime: graphTimestamp(),
    });
    if (!updated) throw graphErrors.notFound(id);
    return updated;
  }

  /** Soft delete: the PKI, and with it its CAs, leave every normal read until restored or purged. */
  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.pkis.softDelete(tenantId, id, graphTimestamp()))) throw graphErrors.notFound(id);
  }

  /** 400 when the displayName is longer than allowed. */
  checkDisplayName(displayName: string | null | undefined): void {
    if (typeof displayName !== 'string') return;
    // Length in characters (code points), as Graph counts them.
    const length = [...displayName].length;
    if (length > this.limits.maxDisplayNameLength) {
      throw graphErrors.badRequest(
        `Invalid value specified for property 'displayName' of resource 'certificateBasedAuthPki': ` +
          `${length} characters, at most ${this.limits.maxDisplayNameLength} allowed.`,
      );
    }
  }
}
