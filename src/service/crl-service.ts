// CRLs for verification, as Entra handles them: downloaded through the guarded fetcher on first need,
// cached in memory and in the database until nextUpdate, one download at a time per URL
// (single-flight), refreshed in the background before they expire, and refused when their CRL number
// goes backwards (replay). A CRL that cannot be had fails the verification (fail closed).
import { BoundedMap } from '../bounded-map.ts';
import type { CrlConfig } from '../config.ts';
import { FetchError, type GuardedFetcher } from '../net/guarded-fetcher.ts';
import { crlDetail } from '../pki/crl-check.ts';
import { type CrlIndex, CrlProblem, indexCrl } from '../pki/crl.ts';
import { ValidationFailure } from '../pki/path-validation.ts';
import type { Store } from '../store/store.ts';
import { graphTimestamp } from './clock.ts';

export type CrlSource = 'memory' | 'database' | 'downloaded';

export interface CrlLookup {
  readonly crl: CrlIndex;
  readonly source: CrlSource;
}

type CrlLimits = Pick<CrlConfig, 'maxCrlBytes' | 'crlDownloadTimeoutMs' | 'crlRefreshAheadMs' | 'crlMemoryEntries'>;

/** How a CRL lookup for a verification ended: a cache hit, a fresh download, or no usable CRL. */
export type CrlLookupResult = CrlSource | 'failed';

/** Where CrlService reports what it does (the HTTP layer turns it into Prometheus counters). */
export interface CrlMetricsSink {
  lookup(result: CrlLookupResult): void;
  downloadedBytes(bytes: number): void;
}

export interface CrlLookups {
  get(url: string, now: Date, depth: number): Promise<CrlLookup>;
}

export class CrlService {
  private readonly memory: BoundedMap<string, CrlIndex>;
  private readonly inFlight = new Map<string, Promise<CrlIndex>>();

  constructor(
    private readonly store: Store,
    private readonly fetcher: GuardedFetcher,
    private readonly limits: CrlLimits,
    private readonly metrics?: CrlMetricsSink,
  ) {
    this.memory = new BoundedMap(limits.crlMemoryEntries);
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
          if (error instanceof ValidationFailure && error.depth !== depth) throw new ValidationFailure(error.reason, error.message, depth, error.crl);
          throw error;
        }
      },
    };
  }

  private async lookup(url: string, now: Date, depth: number): Promise<CrlLookup> {
    const cached = this.memory.get(url);
    if (cached && isCurrent(cached, now)) return { crl: cached, source: 'memory' };
    const stored = await this.store.repositories.crlCache.find(url);
    const crl = stored ? readStored(stored.der) : undefined;
    if (crl && isCurrent(crl, now)) {
      this.memory.set(url, crl);
      return { crl, source: 'database' };
    }
    return { crl: await this.download(url, depth), source: 'downloaded' };
  }

  /** Downloads again every cached CRL that expires within the refresh window. */
  async refreshExpiring(now = new Date()): Promise<number> {
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

  private download(url: string, depth: number): Promise<CrlIndex> {
    let pending = this.inFlight.get(url);
    if (!pending) {
      pending = this.fetchAndStore(url, depth).finally(() => this.inFlight.delete(url));
      this.inFlight.set(url, pending);
    }
    return pending;
  }

  private async fetchAndStore(url: string, depth: number): Promise<CrlIndex> {
    let body: Buffer;
    try {
      body = (await this.fetcher.fetch(url, { maxBytes: this.limits.maxCrlBytes })).body;
      this.metrics?.downloadedBytes(body.length);
    } catch (error) {
      if (error instanceof FetchError) {
        // The download's own budget ran out: say so in its terms (not the fetcher's), with the configured figure.
        const why = error.kind === 'timeout' ? `the download took longer than ${durationText(this.limits.crlDownloadTimeoutMs)}` : error.message;
        throw new ValidationFailure('crl_unavailable', `the CRL at ${url} cannot be downloaded: ${why}`, depth);
      }
      throw error;
    }
    let crl: CrlIndex;
    try {
      crl = indexCrl(body);
    } catch (error) {
      if (error instanceof CrlProblem) throw new ValidationFailure('crl_invalid', `the CRL at ${url} cannot be used: ${error.message}`, depth, { kind: 'base', why: 'malformed' });
      throw error;
    }
    const previous = await this.store.repositories.crlCache.find(url);
    const highest = previous?.highest_crl_number ? BigInt(previous.highest_crl_number) : undefined;
    if (highest !== undefined && crl.crlNumber !== undefined && crl.crlNumber < highest) {
      throw new ValidationFailure('crl_invalid', `the CRL at ${url} has CRL number ${crl.crlNumber}, lower than ${highest} seen before (a replayed CRL)`, depth, crlDetail(crl, 'base', 'number_regressed'));
    }
    const newHighest = crl.crlNumber !== undefined && (highest === undefined || crl.crlNumber > highest) ? crl.crlNumber : highest;
    await this.store.repositories.crlCache.save({
      url,
      der: body.toString('base64'),
      crl_number: crl.crlNumber?.toString() ?? null,
      highest_crl_number: newHighest?.toString() ?? null,
      next_update: crl.nextUpdate ? graphTimestamp(crl.nextUpdate) : null,
      fetched_at: graphTimestamp(),
    });
    this.memory.set(url, crl);
    return crl;
  }
}

/** A cached CRL that no longer parses (e.g. stricter rules since) is simply downloaded again. */
function readStored(base64: string): CrlIndex | undefined {
  try {
    return indexCrl(Buffer.from(base64, 'base64'));
  } catch {
    return undefined;
  }
}

/** 10000 → '10 s', 1500 → '1.5 s', 800 → '800 ms'. */
function durationText(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

function isCurrent(crl: CrlIndex, now: Date): boolean {
  return crl.nextUpdate !== undefined && crl.nextUpdate > now && crl.thisUpdate <= now;
}
