// Graph's identity-and-access throttling (written here: no library offers Graph's resource-unit buckets
// and headers). Every authenticated Graph request is charged to token buckets: resource units per
// application and tenant, and for writes also writes per application and tenant and writes per tenant.
// The check is synchronous (no I/O per request); on PostgreSQL the buckets are exchanged with the other
// instances every syncIntervalMs, so all instances draw from one set of buckets.
import type { ThrottleConfig } from '../../config.ts';
import type { BucketExchange } from '../../store/throttle-bucket-repository.ts';
import { requestCost } from './request-cost.ts';
import { TokenBucket } from './token-bucket.ts';

export type ThrottlePriority = 'low' | 'normal' | 'high';

export interface ThrottleRequest {
  readonly tenantId: string;
  readonly appId: string | undefined;
  readonly method: string;
  readonly query: Readonly<Record<string, unknown>>;
  readonly priority: ThrottlePriority;
}

export type ThrottleVerdict =
  | { readonly allowed: true; readonly resourceUnits: number; readonly usedFraction: number }
  | {
      readonly allowed: false;
      readonly resourceUnits: number;
      readonly retryAfterSeconds: number;
      /** `<Scope>/<Limit>/<ApplicationId>/<TenantId>`, as Graph's x-ms-throttle-scope. */
      readonly scope: string;
      /** ResourceUnitLimitExceeded or WriteLimitExceeded, as Graph's x-ms-throttle-information. */
      readonly information: string;
      /** Which limit, for metrics: resource-units, writes or tenant-writes. */
      readonly limit: ThrottleLimitName;
    };

export type ThrottleLimitName = 'resource-units' | 'writes' | 'tenant-writes';

/** Where instances exchange bucket usage (PostgreSQL); absent = this instance alone. */
export interface SharedBucketStore {
  /** Adds each bucket's spent units to the shared level and returns the shared levels after that. */
  exchange(updates: readonly BucketExchange[]): Promise<ReadonlyMap<string, number>>;
}

/** Application id used in bucket keys and headers when a token names none. */
const UNKNOWN_APP = '00000000-0000-0000-0000-000000000000';

interface Charge {
  readonly key: string;
  readonly scope: string;
  readonly limit: ThrottleLimitName;
  readonly units: number;
  readonly capacity: number;
  readonly windowMs: number;
}

export class Throttle {
  private readonly buckets = new Map<string, TokenBucket>();
  private timer: NodeJS.Timeout | undefined;
  /** The exchange running or queued; exchanges run one after the other. */
  private pending: Promise<void> | undefined;

  constructor(
    private readonly config: ThrottleConfig,
    private readonly shared: SharedBucketStore | undefined,
    private readonly clock: () => number = Date.now,
    private readonly onExchangeError: (error: unknown) => void = () => {},
  ) {}

  check(request: ThrottleRequest): ThrottleVerdict {
    const now = this.clock();
    const cost = requestCost(request.method, request.query);
    const charges = this.chargesFor(request, cost.resourceUnits, cost.writes);
    let worst: { charge: Charge; waitMs: number } | undefined;
    for (const charge of charges) {
      const bucket = this.bucket(charge, now);
      const reserve = request.priority === 'low' ? bucket.capacity * this.config.lowPriorityReserve : 0;
      const waitMs = bucket.waitMs(charge.units, reserve, now);
      if (waitMs > 0 && (!worst || waitMs > worst.waitMs)) worst = { charge, waitMs };
    }
    if (worst) {
      return {
        allowed: false,
        resourceUnits: cost.resourceUnits,
        retryAfterSeconds: Math.max(1, Math.ceil(worst.waitMs / 1000)),
        scope: worst.charge.scope,
        information: worst.charge.limit === 'resource-units' ? 'ResourceUnitLimitExceeded' : 'WriteLimitExceeded',
        limit: worst.charge.limit,
      };
    }
    let usedFraction = 0;
    for (const charge of charges) {
      const bucket = this.bucket(charge, now);
      bucket.spend(charge.units, now, this.shared !== undefined);
      usedFraction = Math.max(usedFraction, bucket.usedFraction(now));
    }
    this.forgetIdleBuckets(now);
    return { allowed: true, resourceUnits: cost.resourceUnits, usedFraction };
  }

  /** Starts exchanging with the other instances (no-op without a shared store). */
  start(): void {
    if (!this.shared || this.timer) return;
    // A tick while an exchange is still running is skipped rather than queued.
    this.timer = setInterval(() => {
      if (!this.pending) void this.exchangeNow();
    }, this.config.syncIntervalMs);
    this.timer.unref();
  }

  /** Stops the exchange, sending what was spent since the last one. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.exchangeNow();
  }

  /**
   * Sends the units spent here and reads the shared levels, for every bucket used within its window
   * (an idle instance then still sees what the others spent). Runs after the exchange in progress, so
   * it includes everything spent before the call. Never rejects (a failed exchange is reported).
   */
  exchangeNow(): Promise<void> {
    const shared = this.shared;
    if (!shared) return Promise.resolve();
    const next = (this.pending ?? Promise.resolve()).then(() => this.exchange(shared));
    this.pending = next;
    void next.finally(() => {
      if (this.pending === next) this.pending = undefined;
    });
    return next;
  }

  private async exchange(shared: SharedBucketStore): Promise<void> {
    const now = this.clock();
    const sent = new Map<string, number>();
    const updates: BucketExchange[] = [];
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.lastUsedAt > bucket.capacity / bucket.refillPerMs) continue;
      const spent = bucket.takeUnsent();
      sent.set(key, spent);
      updates.push({ key, capacity: bucket.capacity, refillPerMs: bucket.refillPerMs, spent });
    }
    if (updates.length === 0) return;
    try {
      const levels = await shared.exchange(updates);
      const at = this.clock();
      for (const [key, spent] of sent) {
        const level = levels.get(key);
        const bucket = this.buckets.get(key);
        if (!bucket) continue;
        if (level === undefined) bucket.exchangeFailed(spent, at);
        else bucket.exchanged(level, spent, at);
      }
    } catch (error) {
      const at = this.clock();
      for (const [key, spent] of sent) this.buckets.get(key)?.exchangeFailed(spent, at);
      this.onExchangeError(error);
    }
  }

  private chargesFor(request: ThrottleRequest, resourceUnits: number, writes: number): Charge[] {
    const app = request.appId ?? UNKNOWN_APP;
    const tenant = request.tenantId;
    const c = this.config;
    const charges: Charge[] = [
      {
        key: `Tenant_Application/ReadWrite/${app}/${tenant}`,
        scope: `Tenant_Application/ReadWrite/${app}/${tenant}`,
        limit: 'resource-units',
        units: resourceUnits,
        capacity: c.resourceUnits,
        windowMs: c.resourceUnitWindowMs,
      },
    ];
    if (writes > 0) {
      charges.push(
        {
          key: `Tenant_Application/Write/${app}/${tenant}`,
          scope: `Tenant_Application/Write/${app}/${tenant}`,
          limit: 'writes',
          units: writes,
          capacity: c.writes,
          windowMs: c.writeWindowMs,
        },
        // One bucket for the tenant whatever the application; the header still names the caller's app.
        { key: `Tenant/Write/${tenant}`, scope: `Tenant/Write/${app}/${tenant}`, limit: 'tenant-writes', units: writes, capacity: c.tenantWrites, windowMs: c.tenantWriteWindowMs },
      );
    }
    return charges;
  }

  private bucket(charge: Charge, now: number): TokenBucket {
    let bucket = this.buckets.get(charge.key);
    if (!bucket) {
      bucket = new TokenBucket(charge.capacity, charge.capacity / charge.windowMs, now);
      this.buckets.set(charge.key, bucket);
      // New here, it starts full; learn the shared level at once rather than at the next tick.
      if (this.shared && this.timer && !this.pending) void this.exchangeNow();
    }
    return bucket;
  }

  /** Keeps memory bounded: past maxTrackedBuckets, buckets that are full again are dropped. */
  private forgetIdleBuckets(now: number): void {
    if (this.buckets.size <= this.config.maxTrackedBuckets) return;
    for (const [key, bucket] of this.buckets) {
      if (bucket.isIdle(now)) this.buckets.delete(key);
    }
  }
}
