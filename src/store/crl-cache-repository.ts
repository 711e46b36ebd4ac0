// Cached CRLs by URL. CRLs are public documents and each use verifies the signature against the issuer
// in the trust store, so one cache serves every tenant. The cache is bounded in bytes (least recently
// used out first), and a URL that no live CA of any tenant names is dropped by the sweep and never
// refreshed: a purged tenant's URLs are not downloaded again.
// The DER is stored as raw bytes in rows of at most CRL_CHUNK_BYTES (crl_cache_chunk), written and read
// a few rows at a time, so neither driver ever holds a whole 20 MB CRL in one value of its own.
// Deleted chunk rows leave free space behind that must be reused, or the tables grow past the bound:
// SQLite reuses free pages by itself (its write-ahead log is truncated after each CRL written);
// PostgreSQL keeps deleted rows until a VACUUM, so every statement that deletes chunk rows is followed by
// a plain VACUUM of the chunk table (and its TOAST table), and a CRL written after room was made for it
// reuses the room.
import { type Kysely, type Selectable, sql } from 'kysely';
import { largeBuffer } from '../caching/large-buffers.ts';
import type { DialectName } from './database.ts';
import type { CrlCacheTable, Database } from './schema.ts';

export type CachedCrl = CrlCacheTable;

/** Bytes of DER per crl_cache_chunk row. */
export const CRL_CHUNK_BYTES = 1024 * 1024;
/** Chunk rows per SELECT when reading a CRL back: 4 MiB per round trip. */
const CHUNKS_PER_READ = 4;

export class CrlCacheRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  /** The entry's bookkeeping (not its DER: see readDer). */
  async find(url: string): Promise<CachedCrl | undefined> {
    const row = await this.db.selectFrom('crl_cache').selectAll().where('url', '=', url).executeTakeFirst();
    return row && toCached(row);
  }

  /**
   * The stored DER of `url` in one buffer of its recorded size, or undefined when nothing (or not
   * exactly that much) is stored. Read in one snapshot, so another instance's refresh of the same URL
   * cannot mix two CRLs.
   */
  async readDer(url: string): Promise<Buffer | undefined> {
    const read = async (db: Kysely<Database>): Promise<Buffer | undefined> => {
      const entry = await db.selectFrom('crl_cache').select('size_bytes').where('url', '=', url).executeTakeFirst();
      const size = Number(entry?.size_bytes ?? 0);
      if (size === 0) return undefined;
      const der = largeBuffer(size);
      let filled = 0;
      for (let seq = 0; ; seq += CHUNKS_PER_READ) {
        const rows = await db
          .selectFrom('crl_cache_chunk')
          .select(['seq', 'data'])
          .where('url', '=', url)
          .where('seq', '>=', seq)
          .where('seq', '<', seq + CHUNKS_PER_READ)
          .orderBy('seq')
          .execute();
        for (const row of rows) {
          if (filled + row.data.length > size) return undefined;
          row.data.copy(der, filled);
          filled += row.data.length;
        }
        if (rows.length < CHUNKS_PER_READ) break;
      }
      return filled === size ? der : undefined;
    };
    if (this.db.isTransaction) return read(this.db);
    const transaction = this.db.transaction();
    return (this.dialect === 'postgres' ? transaction.setIsolationLevel('repeatable read') : transaction).execute(read);
  }

  /** Stores (or replaces) the entry for `entry.url` with `der` as its CRL; `entry.size_bytes` must be der.length. */
  async save(entry: CachedCrl, der: Buffer): Promise<void> {
    let replaced = false;
    const write = async (db: Kysely<Database>): Promise<void> => {
      // The entry row first: on PostgreSQL its row lock makes a concurrent save of the same URL wait.
      await db
        .insertInto('crl_cache')
        .values(entry)
        .onConflict((oc) =>
          oc.column('url').doUpdateSet({
            crl_number: entry.crl_number,
            highest_crl_number: entry.highest_crl_number,
            next_update: entry.next_update,
            fetched_at: entry.fetched_at,
            size_bytes: entry.size_bytes,
            last_used_ms: entry.last_used_ms,
          }),
        )
        .execute();
      const deleted = await db.deleteFrom('crl_cache_chunk').where('url', '=', entry.url).executeTakeFirst();
      replaced = Number(deleted.numDeletedRows) > 0;
      for (let seq = 0; seq * CRL_CHUNK_BYTES < entry.size_bytes; seq++) {
        await db
          .insertInto('crl_cache_chunk')
          .values({ url: entry.url, seq, data: der.subarray(seq * CRL_CHUNK_BYTES, (seq + 1) * CRL_CHUNK_BYTES) })
          .execute();
      }
    };
    if (this.db.isTransaction) await write(this.db);
    else await this.db.transaction().execute(write);
    await this.reclaim(replaced);
  }

  /**
   * Makes the space of deleted chunk rows reusable, outside any transaction (a no-op inside one).
   * SQLite: copies the write-ahead log into the database file and truncates it, so a CRL's write does
   * not stay on disk twice (the WAL keeps its high-water size otherwise); free pages of the file are
   * reused by later writes by themselves. PostgreSQL, when rows were deleted: a plain VACUUM of
   * crl_cache_chunk (not FULL: it takes no lock that stops readers or writers), which marks the space
   * of the deleted rows and their TOAST chunks free for the next CRL written. SKIP_LOCKED: while another
   * instance's VACUUM of the table runs, that one does the work. Rows deleted by a transaction still
   * open when a VACUUM starts wait for the next one.
   */
  private async reclaim(deleted: boolean): Promise<void> {
    if (this.db.isTransaction) return;
    if (this.dialect === 'postgres') {
      if (deleted) await sql`vacuum (skip_locked) crl_cache_chunk`.execute(this.db);
      return;
    }
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(this.db);
    // And hands back the page cache's memory, which writing 1 MiB rows filled.
    await sql`pragma shrink_memory`.execute(this.db);
  }

  /** Records that verifications used these URLs at `now` (ms). */
  async touch(urls: readonly string[], now: number): Promise<void> {
    for (let i = 0; i < urls.length; i += 500) {
      await this.db.updateTable('crl_cache').set({ last_used_ms: now }).where('url', 'in', urls.slice(i, i + 500)).where('last_used_ms', '<', now).execute();
    }
  }

  /**
   * Empties the least recently used entries until the stored sizes add up to at most `maxBytes`. An
   * emptied row keeps its URL and highest CRL number, so evicting a CRL never resets its replay check.
   * `except` (the URL about to be written) is neither counted nor emptied.
   */
  async evictBeyond(maxBytes: number, except?: string): Promise<{ evicted: string[]; totalBytes: number }> {
    const rows = await this.db
      .selectFrom('crl_cache')
      .select(['url', 'size_bytes'])
      .where('size_bytes', '>', 0)
      .$if(except !== undefined, (qb) => qb.where('url', '<>', except as string))
      .orderBy('last_used_ms', 'desc')
      .orderBy('url')
      .execute();
    let kept = 0;
    const evicted: string[] = [];
    for (const row of rows) {
      const size = Number(row.size_bytes);
      if (kept + size <= maxBytes) kept += size;
      else evicted.push(row.url);
    }
    for (let i = 0; i < evicted.length; i += 500) {
      const urls = evicted.slice(i, i + 500);
      await this.db.deleteFrom('crl_cache_chunk').where('url', 'in', urls).execute();
      await this.db.updateTable('crl_cache').set({ size_bytes: 0 }).where('url', 'in', urls).execute();
    }
    if (evicted.length > 0) await this.reclaim(true);
    return { evicted, totalBytes: kept };
  }

  /** Which of `urls` a live CA (of a live PKI, in any tenant) names as base or delta CRL URL. */
  async liveAmong(urls: readonly string[]): Promise<Set<string>> {
    const live = new Set<string>();
    for (let i = 0; i < urls.length; i += 500) {
      const rows = await this.db.selectFrom(this.liveUrls().as('live')).select('live.url').where('live.url', 'in', urls.slice(i, i + 500)).execute();
      for (const row of rows) if (row.url !== null) live.add(row.url);
    }
    return live;
  }

  /** Deletes every entry whose URL no live CA (of a live PKI, in any tenant) names as base or delta CRL URL. */
  async dropUnreferenced(): Promise<string[]> {
    const rows = await this.db.selectFrom('crl_cache').select(['url', 'size_bytes']).where('url', 'not in', this.liveUrls()).execute();
    for (let i = 0; i < rows.length; i += 500) {
      const urls = rows.slice(i, i + 500).map((r) => r.url);
      await this.db.deleteFrom('crl_cache_chunk').where('url', 'in', urls).execute();
      await this.db.deleteFrom('crl_cache').where('url', 'in', urls).execute();
    }
    if (rows.length > 0) await this.reclaim(true);
    // Rows already emptied by the size bound held no CRL: only the others count as evictions.
    return rows.filter((r) => Number(r.size_bytes) > 0).map((r) => r.url);
  }

  /** Sum of the stored sizes. */
  async totalBytes(): Promise<number> {
    const row = await this.db.selectFrom('crl_cache').select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('size_bytes'), eb.lit(0)).as('total')).executeTakeFirstOrThrow();
    return Number(row.total);
  }

  /** URLs that live CAs name and whose cached CRL (not emptied by the size bound) expires before `before` (ISO), for the background refresh. */
  async expiringBefore(before: string): Promise<string[]> {
    const rows = await this.db.selectFrom('crl_cache').select('url').where('next_update', '<', before).where('size_bytes', '>', 0).where('url', 'in', this.liveUrls()).execute();
    return rows.map((r) => r.url);
  }

  /** Base and delta CRL URLs of live CAs in live PKIs, over every tenant (no nulls: NOT IN would match nothing). */
  private liveUrls() {
    const liveCas = () =>
      this.db
        .selectFrom('certificate_authority as ca')
        .innerJoin('certificate_based_auth_pki as pki', (join) => join.onRef('pki.tenant_id', '=', 'ca.tenant_id').onRef('pki.id', '=', 'ca.pki_id'))
        .where('ca.deleted_date_time', 'is', null)
        .where('pki.deleted_date_time', 'is', null);
    return liveCas()
      .select('ca.certificate_revocation_list_url as url')
      .where('ca.certificate_revocation_list_url', 'is not', null)
      .union(liveCas().select('ca.delta_certificate_revocation_list_url as url').where('ca.delta_certificate_revocation_list_url', 'is not', null));
  }
}

function toCached(row: Selectable<CrlCacheTable>): CachedCrl {
  // PostgreSQL returns bigint columns as strings.
  return { ...row, size_bytes: Number(row.size_bytes), last_used_ms: Number(row.last_used_ms) };
}
