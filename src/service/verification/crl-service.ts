// CRLs for verification, as Entra handles them: downloaded through the guarded fetcher on first need,
// cached in memory and in the database until nextUpdate, one download at a time per URL
// (single-flight), refreshed in the background before they expire, and refused when their CRL number
// goes backwards (replay). A CRL that cannot be had fails the verification (fail closed).
// Both caches are bounded in bytes, least recently used out first; the periodic sweep drops what no
// live CA names any more and refreshes only what live CAs name. A CRL being loaded (downloaded, or read
// back from the database, and indexed) holds as much memory as a cached one and a little more: at most
// crlLoadsInFlight load at once, and each reserves its peak within the memory bound before the first
// byte of its body is held (a download's Content-Length, a stored CRL's recorded size), more before its
// index outgrows that (a CRL of unusually short entries), so a burst of
// distinct 20 MB CRLs does not hold one copy per waiting verification, and the cache plus the loads stay
// within the bound. What the cache drops and what a load leaves behind is given back to the system at
// once (collectGarbage) instead of when V8 next collects.
// A CRL downloaded elsewhere (the CRL health refresh) is taken through the same load (accept), so a
// fresher CRL serves the next verification without waiting for nextUpdate or the refresh window.
import type { CrlConfig } from '../../config.ts';
import { FetchError, type GuardedFetcher } from '../../net/guarded-fetcher.ts';
import { crlDetail, unreadableCrlWhy } from '../../pki/crl-check.ts';
import { type CrlIndex, CrlProblem, IndexBudgetExceeded, indexCrl, mostEntriesIn } from '../../pki/crl.ts';
import type { CrlDownloadProblem } from '../../pki/crl-failure.ts';
import { ValidationFailure } from '../../pki/path-validation.ts';
import type { Store } from '../../store/store.ts';
import { collectGarbage } from '../../caching/large-buffers.ts';
import { SizedLru } from '../../caching/sized-lru.ts';
import { Slots, SlotWaitTimeout } from '../../caching/slots.ts';
import { graphTimestamp } from '../clock.ts';

export type CrlSource = 'memory' | 'database' | 'downloaded';

export interface CrlLookup {
  readonly crl: CrlIndex;
  readonly source: CrlSource;
}

type CrlLimits = Pick<CrlConfig, 'maxCrlBytes' | 'crlDownloadTimeoutMs' | 'crlRefreshAheadMs' | 'crlCacheMemoryBytes' | 'crlCacheDatabaseBytes' | 'crlLoadsInFlight'>;

/** How a CRL lookup for a verification ended: a cache hit, a fresh download, or no usable CRL. */
export type CrlLookupResult = CrlSource | 'failed';

/** Where CrlService reports what it does (the HTTP layer turns it into Prometheus counters). */
export type CrlCacheTier = 'memory' | 'database';

/** Why a cached CRL left a cache: room for a more recently used one, or no live CA names its URL. */
export type CrlEvictionReason = 'size' | 'unreferenced';

export interface CrlMetricsSink {
  lookup(result: CrlLookupResult): void;
  downloadedBytes(bytes: number): void;
  cacheBytes(tier: CrlCacheTier, bytes: number): void;
  evicted(tier: CrlCacheTier, reason: CrlEvictionReason, count: number): void;
}

export interface CrlLookups {
  get(url: string, now: Date, depth: number): Promise<CrlLookup>;
}

export class CrlService {
  private readonly memory: SizedLru<string, CrlIndex>;
  private readonly inFlight = new Map<string, Promise<CrlIndex>>();
  private readonly loads: Slots;
  /** URLs served from memory since the last sweep, whose last use the sweep writes to the database. */
  private readonly usedFromMemory = new Set<string>();
  /** memory.droppedSize at the last garbage collection. */
  private droppedAtCollection = 0;
  /** Bytes of CRLs loaded since the last garbage collection (their loads left buffers behind). */
  private loadedSinceCollection = 0;
  /** The part of the memory bound held back for the working memory loads leave in the process (see holdBackWorkingMemory). */
  private workingMemory = { bytes: 0, release: () => {} };

  constructor(
    private readonly store: Store,
    private readonly fetcher: GuardedFetcher,
    private readonly limits: CrlLimits,
    private readonly metrics?: CrlMetricsSink,
  ) {
    this.memory = new SizedLru(limits.crlCacheMemoryBytes, () => this.metrics?.evicted('memory', 'size', 1));
    this.loads = new Slots(limits.crlLoadsInFlight);
  }

  /** The current CRL at `url`, from memory, the database or a download; throws ValidationFailure. */
  async get(url: string, now: Date, depth: number): Promise<CrlLookup> {
    let lookup: CrlLookup;
    try {
      lookup = await this.lookup(url, now, depth);
    } catch (error) {
      this.metrics?.lookup('failed');
      throw error;
    }
    this.metrics?.lookup(lookup.source);
    return lookup;
  }

  /**
   * Lookups for one verification: each URL is looked up once however many candidate paths need it, so
   * a CRL server that times out costs one download timeout, not one per path.
   */
  forOneVerification(): CrlLookups {
    const seen = new Map<string, Promise<CrlLookup>>();
    return {
      get: async (url, now, depth) => {
        let pending = seen.get(url);
        if (!pending) {
          pending = this.get(url, now, depth);
          seen.set(url, pending);
        }
        try {
          return await pending;
        } catch (error) {
          // The same failure, placed where this path meets it.
          if (error instanceof ValidationFailure && error.depth !== depth) throw new ValidationFailure(error.reason, error.message, depth, error.crl, error.facts);
          throw error;
        }
      },
    };
  }

  private async lookup(url: string, now: Date, depth: number): Promise<CrlLookup> {
    const cached = this.memory.get(url);
    if (cached && isCurrent(cached, now)) {
      this.usedFromMemory.add(url);
      return { crl: cached, source: 'memory' };
    }
    const stored = await this.readStored(url, now, depth);
    if (stored) return { crl: stored, source: 'database' };
    return { crl: await this.download(url, depth), source: 'downloaded' };
  }

  /**
   * The CRL the database holds for `url` when it is current, indexed and kept in memory; undefined when
   * there is none (an emptied row keeps only its highest CRL number), it has expired, or it no longer
   * parses (stricter rules since): then it is downloaded again.
   */
  private async readStored(url: string, now: Date, depth: number): Promise<CrlIndex | undefined> {
    const repository = this.store.repositories.crlCache;
    const entry = await repository.find(url);
    if (!entry || entry.size_bytes === 0 || entry.next_update === null || entry.next_update <= graphTimestamp(now)) return undefined;
    const crl = await this.inLoadSlot(url, depth, async () => {
      const load = this.startLoad(entry.size_bytes);
      let der: Buffer | undefined;
      try {
        der = await repository.readDer(url);
        return der === undefined ? undefined : indexOrUndefined(load, der);
      } finally {
        load.end();
        this.holdBackWorkingMemory(der?.length ?? 0);
      }
    });
    if (!crl || !isCurrent(crl, now)) return undefined;
    await repository.touch([url], Date.now());
    this.remember(url, crl);
    return crl;
  }

  /**
   * Runs a load in one of the crlLoadsInFlight slots, telling it how long it waited for one. The wait
   * counts against the download's time (crlDownloadTimeoutMs): a verification that gets no slot within
   * it fails closed, and one that waited downloads in what is left of it.
   */
  private async inLoadSlot<T>(url: string, depth: number, work: (waitedMs: number) => Promise<T>): Promise<T> {
    const timeout = this.limits.crlDownloadTimeoutMs;
    try {
      return await this.loads.run(timeout, work);
    } catch (error) {
      if (!(error instanceof SlotWaitTimeout)) throw error;
      throw new ValidationFailure(
        'crl_unavailable',
        `the CRL at ${url} cannot be downloaded: no CRL load slot became free within ${durationText(timeout)} (--crl-timeout-ms); ` +
          `all ${this.loads.limit} (--crl-loads-in-flight) were taken by other CRLs being downloaded or read back`,
        depth,
        undefined,
        { download: { kind: 'busy', url } },
      );
    }
  }

  /**
   * The periodic sweep: records the last use of CRLs served from memory, drops from both caches every
   * URL no live CA names (in any tenant: a purged tenant's CRLs go), then downloads again the cached
   * CRLs that live CAs name and that expire within the refresh window. Returns how many it refreshed.
   */
  async sweep(now = new Date()): Promise<number> {
    const repository = this.store.repositories.crlCache;
    const used = [...this.usedFromMemory];
    this.usedFromMemory.clear();
    await repository.touch(used, now.getTime());
    const dropped = await repository.dropUnreferenced();
    this.metrics?.evicted('database', 'unreferenced', dropped.length);
    const inMemory = [...this.memory.keys()];
    const live = await repository.liveAmong(inMemory);
    let forgotten = 0;
    for (const url of inMemory) {
      if (!live.has(url) && this.memory.delete(url)) forgotten++;
    }
    this.metrics?.evicted('memory', 'unreferenced', forgotten);
    this.collectDropped();
    this.metrics?.cacheBytes('memory', this.memory.size);
    this.metrics?.cacheBytes('database', await repository.totalBytes());
    return this.refreshExpiring(now);
  }

  /** Downloads again every cached CRL that live CAs name and that expires within the refresh window. */
  private async refreshExpiring(now: Date): Promise<number> {
    const urls = await this.store.repositories.crlCache.expiringBefore(graphTimestamp(new Date(now.getTime() + this.limits.crlRefreshAheadMs)));
    let refreshed = 0;
    for (const url of urls) {
      try {
        await this.download(url, 0);
        refreshed++;
      } catch {
        // Kept as it is; the next verification that needs it tries again and fails closed if it must.
      }
    }
    return refreshed;
  }

  /**
   * Takes a CRL downloaded elsewhere (the CRL health refresh) as if this cache had downloaded it: the same
   * indexing, the same refusal of a CRL number going backwards, stored in the database and kept in memory.
   * `onlyIfCached`: only when either cache holds a CRL of this URL already (replaced, never added).
   * True when it was taken; a CRL this cache would refuse (or no load slot in time) leaves it as it was.
   */
  async accept(url: string, body: Buffer, options: { readonly onlyIfCached?: boolean } = {}): Promise<boolean> {
    if (options.onlyIfCached && !this.memory.has(url) && !((await this.store.repositories.crlCache.find(url))?.size_bytes ?? 0)) return false;
    try {
      await this.inLoadSlot(url, 0, () => this.load(url, body, 0));
      return true;
    } catch (error) {
      if (error instanceof ValidationFailure) return false;
      throw error;
    }
  }

  /** Keeps an indexed CRL in memory (if it fits the bound at all) and reports the bytes held. */
  private remember(url: string, crl: CrlIndex): void {
    this.memory.set(url, crl, memorySizeOf(crl));
    this.metrics?.cacheBytes('memory', this.memory.size);
  }

  private download(url: string, depth: number): Promise<CrlIndex> {
    let pending = this.inFlight.get(url);
    if (!pending) {
      pending = this.fetchAndStore(url, depth).finally(() => this.inFlight.delete(url));
      this.inFlight.set(url, pending);
    }
    return pending;
  }

  private fetchAndStore(url: string, depth: number): Promise<CrlIndex> {
    return this.inLoadSlot(url, depth, (waitedMs) => this.fetchIndexAndStore(url, depth, waitedMs));
  }

  private async fetchIndexAndStore(url: string, depth: number, waitedMs: number): Promise<CrlIndex> {
    // Room in the memory bound for this CRL, made once its size is announced and before its body is
    // held, kept while it is indexed and stored; then the CRL becomes the cache entry.
    let started: Load | undefined;
    const maxBytes = this.limits.maxCrlBytes;
    const timeout = this.limits.crlDownloadTimeoutMs;
    // After a wait for the slot, the download gets what is left of its time.
    const left = Math.max(1, timeout - waitedMs);
    const signal = waitedMs > 0 ? AbortSignal.timeout(left) : undefined;
    let body: Buffer;
    try {
      const beforeBody = (declared: number | undefined) => {
        started ??= this.startLoad(declared ?? maxBytes);
      };
      body = (await this.fetcher.fetch(url, { maxBytes, beforeBody, ...(signal ? { signal } : {}) })).body;
      this.metrics?.downloadedBytes(body.length);
    } catch (error) {
      started?.end();
      if (signal?.aborted) {
        const why =
          `it waited ${durationText(waitedMs)} for a CRL load slot (all ${this.loads.limit} of --crl-loads-in-flight were taken by other CRLs), ` +
          `and the download did not finish in the ${durationText(left)} left of ${durationText(timeout)} (--crl-timeout-ms)`;
        // Busy rather than a slow server: the time went to waiting for a slot (Entra's "try again later").
        throw new ValidationFailure('crl_unavailable', `the CRL at ${url} cannot be downloaded: ${why}`, depth, undefined, { download: { kind: 'busy', url } });
      }
      if (error instanceof FetchError) {
        // The download's own budget ran out: say so in its terms (not the fetcher's), with the configured figure.
        const why = error.kind === 'timeout' ? `the download took longer than ${durationText(timeout)}` : error.message;
        throw new ValidationFailure('crl_unavailable', `the CRL at ${url} cannot be downloaded: ${why}`, depth, undefined, { download: downloadProblemOf(url, error, this.limits.maxCrlBytes) });
      }
      throw error;
    }
    return this.load(url, body, depth, started);
  }

  /**
   * Indexes, checks and stores a CRL, then keeps it in memory, within `load`'s reservation in the memory
   * bound (made here, for the body's size, when the caller made none), which it ends.
   */
  private async load(url: string, body: Buffer, depth: number, load = this.startLoad(body.length)): Promise<CrlIndex> {
    let crl: CrlIndex;
    try {
      crl = await this.indexAndStore(url, body, depth, load);
    } finally {
      load.end();
      this.holdBackWorkingMemory(body.length);
    }
    this.remember(url, crl);
    return crl;
  }

  /**
   * Reserves a load's peak memory (loadMemoryBound) in the memory bound, first giving back to the system
   * what the cache dropped to make room. The Load indexes within the reservation (reserving more first for
   * a CRL whose index outgrows it) and ends it: gives the reservation back (once) and, when enough was
   * dropped or loaded since the last time, the memory of both.
   */
  private startLoad(derBytes: number): Load {
    const reserved = loadMemoryBound(derBytes);
    const releases = [this.memory.reserve(reserved)];
    this.collectDropped();
    let ended = false;
    return {
      index: (der) => {
        // The entries the reservation has room to index beyond the DER. A CRL of shorter entries than
        // loadMemoryBound assumes has more: indexing stops at the first entry past them, the load sets
        // aside the most an index of this DER can take (on top: what the stopped attempt used is garbage
        // until collected) and indexes again. Rare (serials under 16 bytes), so the common load reserves less.
        const entryBudget = Math.max(0, Math.floor((reserved - der.length) / INDEX_BYTES_PER_ENTRY));
        try {
          return indexCrl(der, { entryBudget });
        } catch (error) {
          if (!(error instanceof IndexBudgetExceeded)) throw error;
          releases.push(this.memory.reserve(mostEntriesIn(der.length) * INDEX_BYTES_PER_ENTRY));
          return indexCrl(der);
        }
      },
      end: () => {
        if (ended) return;
        ended = true;
        for (const release of releases) release();
        this.loadedSinceCollection += derBytes;
        this.collectDropped();
      },
    };
  }

  /**
   * Holds back, for good, part of the memory bound for what loads leave in the process beyond the CRLs
   * themselves: SQLite's page cache and the drivers' buffers, the pieces a download arrives in, malloc's
   * free lists and V8's heap pages, which the process keeps after the load (glibc returns its heap only
   * from the top; V8 keeps pages it grew into). It grows with the CRLs loaded, so it is sized from the
   * largest one loaded so far (its true size, once loaded): WORKING_MEMORY_SHARE of it per load slot.
   * With it the cap bounds the process's growth, not only the CRL bytes (see WORKING_MEMORY_SHARE).
   */
  private holdBackWorkingMemory(derBytes: number): void {
    const bytes = this.limits.crlLoadsInFlight * Math.ceil(derBytes * WORKING_MEMORY_SHARE);
    if (bytes <= this.workingMemory.bytes) return;
    this.workingMemory.release();
    this.workingMemory = { bytes, release: this.memory.reserve(bytes) };
  }

  /**
   * Collects garbage once CRLs dropped from memory and loads finished add up to COLLECT_AFTER_BYTES since
   * the last collection: their buffers (and a load's scratch: the downloaded or read-back pieces, the
   * index being built) are unmapped now, not whenever V8 next runs a major collection.
   */
  private collectDropped(): void {
    const dropped = this.memory.droppedSize - this.droppedAtCollection + this.loadedSinceCollection;
    if (dropped < COLLECT_AFTER_BYTES) return;
    this.droppedAtCollection = this.memory.droppedSize;
    this.loadedSinceCollection = 0;
    collectGarbage();
  }

  private async indexAndStore(url: string, body: Buffer, depth: number, load: Load): Promise<CrlIndex> {
    let crl: CrlIndex;
    try {
      crl = load.index(body);
    } catch (error) {
      if (error instanceof CrlProblem) throw new ValidationFailure('crl_invalid', `the CRL at ${url} cannot be used: ${error.message}`, depth, { kind: 'base', why: unreadableCrlWhy(body) });
      throw error;
    }
    const previous = await this.store.repositories.crlCache.find(url);
    const highest = previous?.highest_crl_number ? BigInt(previous.highest_crl_number) : undefined;
    if (highest !== undefined && crl.crlNumber !== undefined && crl.crlNumber < highest) {
      throw new ValidationFailure('crl_invalid', `the CRL at ${url} has CRL number ${crl.crlNumber}, lower than ${highest} seen before (a replayed CRL)`, depth, crlDetail(crl, 'base', 'number_regressed'));
    }
    const newHighest = crl.crlNumber !== undefined && (highest === undefined || crl.crlNumber > highest) ? crl.crlNumber : highest;
    const repository = this.store.repositories.crlCache;
    // Room is made before the write, so the stored CRLs never add up to more than the bound (and on
    // SQLite the pages of the emptied ones are reused instead of growing the file). Room for the CRL
    // twice: until the write is checkpointed (SQLite's write-ahead log) or vacuumed (PostgreSQL keeps a
    // replaced CRL's rows until then) the database holds it once more, and the bound is on the disk the
    // cache takes at its peak, not only after. A CRL larger than half the bound is not stored: its row
    // keeps only its CRL numbers.
    const cap = this.limits.crlCacheDatabaseBytes;
    const fits = 2 * body.length <= cap;
    const { evicted, totalBytes } = await repository.evictBeyond(fits ? cap - 2 * body.length : cap, url);
    await repository.save(
      {
        url,
        crl_number: crl.crlNumber?.toString() ?? null,
        highest_crl_number: newHighest?.toString() ?? null,
        next_update: crl.nextUpdate ? graphTimestamp(crl.nextUpdate) : null,
        fetched_at: graphTimestamp(),
        size_bytes: fits ? body.length : 0,
        last_used_ms: Date.now(),
      },
      body,
    );
    this.metrics?.evicted('database', 'size', evicted.length + (fits ? 0 : 1));
    this.metrics?.cacheBytes('database', totalBytes + (fits ? body.length : 0));
    return crl;
  }
}

/** A cached CRL that no longer parses (e.g. stricter rules since) is simply downloaded again. */
function indexOrUndefined(load: Load, der: Buffer): CrlIndex | undefined {
  try {
    return load.index(der);
  } catch {
    return undefined;
  }
}

/** Memory an indexed CRL holds: its DER and the index (hash, offset and bucket start per entry). */
function memorySizeOf(crl: CrlIndex): number {
  return crl.der.length + crl.entryCount * 16 + crl.removedFromCrl.size * 64;
}

/**
 * What a load of a CRL of `derBytes` reserves from the DER's length alone: the DER, the index it keeps
 * (16 bytes per entry) and, while indexing, 8 bytes per entry of scratch, for entries of 36 bytes of DER
 * (a 16-byte serial and a UTCTime, the smallest that real CAs usually write). A CRL of shorter entries
 * has more of them; its load sets aside the rest before indexing past what this covers (Load.index).
 */
function loadMemoryBound(derBytes: number): number {
  return derBytes + Math.ceil((derBytes * INDEX_BYTES_PER_ENTRY) / 36);
}

/** What indexing takes per revoked entry at its peak: 16 bytes kept (hash, offset, bucket start) and 8 of scratch. */
const INDEX_BYTES_PER_ENTRY = 16 + 8;

/** A CRL load's reservation in the memory bound (CrlService.startLoad). */
interface Load {
  /** Indexes the CRL within the reservation, setting more aside first when its entries need it. */
  index(der: Buffer): CrlIndex;
  /** Gives the reservation back (once). */
  end(): void;
}

/**
 * Of the largest CRL loaded so far, the share held back per load slot for the working memory loads leave
 * behind and use while they run (holdBackWorkingMemory): 35 MB of the default 128 MB bound once 20 MB
 * CRLs were loaded, which still leaves room for three such CRLs, two while another loads. Measured
 * (bench/crl-cache.ts): loads left up to 28 MB behind them; at 3/4 (30 MB) two PostgreSQL loads at once
 * took the RSS to 3 MB over the bound for a moment (the driver's hex text of each 1 MiB row); at 7/8 the
 * peak stayed under it.
 */
export const WORKING_MEMORY_SHARE = 0.875;

/** Bytes dropped from the memory cache or loaded after which a garbage collection gives them back (see collectDropped). */
const COLLECT_AFTER_BYTES = 8 * 1024 * 1024;

/** 10000 → '10 s', 1500 → '1.5 s', 800 → '800 ms'. */
function durationText(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

function isCurrent(crl: CrlIndex, now: Date): boolean {
  return crl.nextUpdate !== undefined && crl.nextUpdate > now && crl.thisUpdate <= now;
}

/** The fetcher's error as the cause Entra's CRL error table tells apart (maxBytes: the limit it was fetched with). */
export function downloadProblemOf(url: string, error: FetchError, maxBytes: number): CrlDownloadProblem {
  switch (error.kind) {
    case 'http_status':
      return error.status === undefined ? { kind: 'unreachable', url, why: error.message } : { kind: 'status', url, status: error.status };
    case 'timeout':
      return { kind: 'timeout', url };
    case 'too_large':
      return { kind: 'too_large', url, maxBytes };
    default:
      return { kind: 'unreachable', url, why: error.message };
  }
}
