// The jobs table as a work queue: enqueue, claim with a lease (FOR UPDATE SKIP LOCKED on PostgreSQL, so
// several instances never claim the same job; SQLite serialises writers anyway), heartbeat, and finish
// only while the lease is still ours, so a job taken over after its lease expired completes once.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { DialectName } from './database.ts';
import type { Database, JobTable } from './schema.ts';

export type JobState = JobTable['state'];

/** pg_advisory_xact_lock key that serialises job claims across instances ('jobc' in ASCII). */
const CLAIM_LOCK_KEY = 0x6a6f6263;

export interface JobRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: string;
  readonly subjectId: string;
  readonly payload: string;
  readonly state: JobState;
  readonly attempts: number;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: number | null;
  readonly result: string | null;
  readonly createdAt: number;
  readonly finishedAt: number | null;
}

export interface NewJob {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: string;
  readonly subjectId: string;
  readonly payload: string;
  readonly createdAt: number;
}

export class JobRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  async enqueue(job: NewJob): Promise<void> {
    await this.insertRecord({ ...job, state: 'queued', attempts: 0, leaseOwner: null, leaseExpiresAt: null, result: null, finishedAt: null });
  }

  /**
   * Claims the oldest queued job, or a running one whose lease has expired (its owner died), of a
   * tenant that has fewer than `perTenant` jobs running (leases alive, over every instance): a tenant's
   * stalled jobs never hold more than that many runners, so other tenants' jobs go ahead of its queue.
   */
  async claim(owner: string, now: number, leaseMs: number, perTenant: number): Promise<JobRecord | undefined> {
    const busyTenants = (db: Kysely<Database>) =>
      db
        .selectFrom('job')
        .select('tenant_id')
        .where('state', '=', 'running')
        .where('lease_expires_at', '>=', now)
        .groupBy('tenant_id')
        .having((eb) => eb.fn.countAll(), '>=', perTenant);
    const candidates = (db: Kysely<Database>) =>
      db
        .selectFrom('job')
        .select('id')
        .where((eb) =>
          eb.or([eb('state', '=', 'queued'), eb.and([eb('state', '=', 'running'), eb('lease_expires_at', '<', now)])]),
        )
        .where('tenant_id', 'not in', busyTenants(db))
        .orderBy('created_at')
        .limit(1);
    // An idle runner asks this twice a second: a plain read first, so that no job means no write
    // statement (on SQLite a write takes the file's write lock and ends every cached read, see
    // SyncReads.changeMarker). The UPDATE below decides the claim on its own, races included.
    if (!(await candidates(this.db).executeTakeFirst())) return undefined;
    const claimIn = async (db: Kysely<Database>) => {
      const row = await db
        .updateTable('job')
        .set((eb) => ({
          state: 'running',
          lease_owner: owner,
          lease_expires_at: now + leaseMs,
          attempts: eb('attempts', '+', 1),
        }))
        .where('id', '=', candidates(db).$if(this.dialect === 'postgres', (qb) => qb.forUpdate().skipLocked()))
        .returningAll()
        .executeTakeFirst();
      return row && toRecord(row);
    };
    if (this.dialect !== 'postgres') return claimIn(this.db); // one writer at a time: the UPDATE is the whole claim
    // Instances claim one after another (a transaction-scoped advisory lock, held for the claim's few
    // milliseconds): two concurrent claims would each see the other's tenant as idle and break the cap.
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${CLAIM_LOCK_KEY})`.execute(trx);
      return claimIn(trx);
    });
  }

  /** Extends the lease; false when the job is no longer ours. */
  async heartbeat(id: string, owner: string, leaseExpiresAt: number): Promise<boolean> {
    const result = await this.db
      .updateTable('job')
      .set({ lease_expires_at: leaseExpiresAt })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Records the outcome; false (and nothing written) when the job is no longer ours. */
  async finish(id: string, owner: string, state: 'succeeded' | 'failed', result: string, now: number): Promise<boolean> {
    const updated = await this.db
      .updateTable('job')
      .set({ state, result, finished_at: now, lease_owner: null, lease_expires_at: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  /** Gives a claimed job back to the queue at once (graceful shutdown), without counting the attempt. */
  async release(id: string, owner: string): Promise<boolean> {
    const result = await this.db
      .updateTable('job')
      .set((eb) => ({ state: 'queued', lease_owner: null, lease_expires_at: null, attempts: eb('attempts', '-', 1) }))
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async findById(id: string): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('job').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /** Every job of the tenant, oldest first: a tenant snapshot. */
  async allOfTenant(tenantId: string): Promise<JobRecord[]> {
    const rows = await this.db.selectFrom('job').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toRecord);
  }

  /** Stores a job exactly as recorded elsewhere (a snapshot import), state and times included. */
  async insertRecord(job: JobRecord): Promise<void> {
    await this.db
      .insertInto('job')
      .values({
        id: job.id,
        tenant_id: job.tenantId,
        kind: job.kind,
        subject_id: job.subjectId,
        payload: job.payload,
        state: job.state,
        attempts: job.attempts,
        lease_owner: job.leaseOwner,
        lease_expires_at: job.leaseExpiresAt,
        result: job.result,
        created_at: job.createdAt,
        finished_at: job.finishedAt,
      })
      .execute();
  }

  /** Which of these job ids are taken, in any tenant (job ids are unique across tenants). */
  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.selectFrom('job').select('id').where('id', 'in', ids.slice(i, i + 500)).execute();
      for (const row of rows) found.add(row.id);
    }
    return found;
  }

  /** Jobs by state over every tenant: an operator view (metrics), never returned to a tenant. */
  async countAllByState(): Promise<Record<JobState, number>> {
    const rows = await this.db
      .selectFrom('job')
      .select(['state', (eb) => eb.fn.countAll().as('n')])
      .groupBy('state')
      .execute();
    const counts: Record<JobState, number> = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }

  async countByState(tenantId: string, subjectId: string): Promise<Record<JobState, number>> {
    const rows = await this.db
      .selectFrom('job')
      .select(['state', (eb) => eb.fn.countAll().as('n')])
      .where('tenant_id', '=', tenantId)
      .where('subject_id', '=', subjectId)
      .groupBy('state')
      .execute();
    const counts: Record<JobState, number> = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }
}

function toRecord(row: Selectable<JobTable>): JobRecord {
  // PostgreSQL returns bigint columns as strings.
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind,
    subjectId: row.subject_id,
    payload: row.payload,
    state: row.state,
    attempts: Number(row.attempts),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: num(row.lease_expires_at),
    result: row.result,
    createdAt: Number(row.created_at),
    finishedAt: num(row.finished_at),
  };
}
