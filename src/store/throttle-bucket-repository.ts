// The throttling buckets all instances share on PostgreSQL. One statement per exchange: every bucket's
// spent units are subtracted from its refilled level atomically (row locks serialise instances), using
// the database's clock so the instances' clocks need not agree. PostgreSQL only (unnest, least/greatest);
// a single SQLite instance keeps its buckets in memory.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** One bucket's part of an exchange: its shape, and the units this instance spent since the last one. */
export interface BucketExchange {
  readonly key: string;
  readonly capacity: number;
  readonly refillPerMs: number;
  readonly spent: number;
}

/** The shared token buckets of src/service/throttle (which sees this as its SharedBucketStore). */
export class ThrottleBucketRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async exchange(updates: readonly BucketExchange[]): Promise<ReadonlyMap<string, number>> {
    // Sorted keys: two instances lock the same rows in the same order, so they never deadlock.
    const sorted = [...updates].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const now = sql`(extract(epoch from clock_timestamp()) * 1000)::float8`;
    // A new row starts full minus what was spent; `excluded.capacity - excluded.level` is the units spent.
    const result = await sql<{ bucket_key: string; level: number }>`
      insert into throttle_bucket as b (bucket_key, level, capacity, refill_per_ms, updated_ms)
      select u.k, u.c - u.s, u.c, u.r, ${now}
      from unnest(${sorted.map((u) => u.key)}::text[], ${sorted.map((u) => u.capacity)}::float8[],
                  ${sorted.map((u) => u.refillPerMs)}::float8[], ${sorted.map((u) => u.spent)}::float8[]) as u(k, c, r, s)
      on conflict (bucket_key) do update set
        level = least(excluded.capacity, b.level + greatest(0, excluded.updated_ms - b.updated_ms) * excluded.refill_per_ms)
                - (excluded.capacity - excluded.level),
        capacity = excluded.capacity,
        refill_per_ms = excluded.refill_per_ms,
        updated_ms = greatest(b.updated_ms, excluded.updated_ms)
      returning b.bucket_key, b.level`.execute(this.db);
    return new Map(result.rows.map((row) => [row.bucket_key, Number(row.level)]));
  }

  /**
   * Deletes buckets no instance has touched for `idleMs` (longer than any window: they are full again,
   * exactly what a missing row means), so the table does not grow with every application and tenant
   * ever seen. Returns how many went.
   */
  async forgetIdle(idleMs: number): Promise<number> {
    const result = await sql`delete from throttle_bucket where updated_ms < (extract(epoch from clock_timestamp()) * 1000)::float8 - ${idleMs}`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }
}
