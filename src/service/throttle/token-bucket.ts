// A token bucket (capacity units, refilled continuously at capacity/window) whose units other instances
// may draw from too. Locally it is exact; when shared, the units spent here since the last exchange
// with the shared store are counted on top of the shared level seen then, so an instance overshoots the
// shared limit by at most what the others spent within one exchange interval.

export class TokenBucket {
  /** The level at `levelAt`: measured here (local) or received from the shared store. */
  private baseLevel: number;
  private levelAt: number;
  /** Units spent here and not yet sent to the shared store. */
  private unsent = 0;
  /** Units sent with an exchange that has not answered yet. */
  private sending = 0;
  /** When a request last touched the bucket (ms). */
  lastUsedAt: number;

  constructor(
    readonly capacity: number,
    readonly refillPerMs: number,
    now: number,
  ) {
    this.baseLevel = capacity;
    this.levelAt = now;
    this.lastUsedAt = now;
  }

  /** Units available now (may be negative when instances together overshot). */
  level(now: number): number {
    const refilled = this.baseLevel + Math.max(0, now - this.levelAt) * this.refillPerMs;
    return Math.min(this.capacity, refilled) - this.unsent - this.sending;
  }

  /** Milliseconds until `units` can be spent while keeping `reserve` units untouched; 0 = now. */
  waitMs(units: number, reserve: number, now: number): number {
    const missing = units + reserve - this.level(now);
    if (missing <= 0) return 0;
    // A request larger than the bucket can never pass; report the time to refill it completely.
    if (units + reserve > this.capacity) return this.capacity / this.refillPerMs;
    return missing / this.refillPerMs;
  }

  /** Share of the capacity in use now (0 = full bucket, 1 = empty, above 1 = overdrawn). */
  usedFraction(now: number): number {
    return (this.capacity - this.level(now)) / this.capacity;
  }

  spend(units: number, now: number, shared: boolean): void {
    this.lastUsedAt = now;
    if (shared) {
      this.unsent += units;
      return;
    }
    // Local only: fold the refill in now, so the level never needs an exchange.
    this.baseLevel = this.level(now) - units;
    this.levelAt = now;
  }

  /** Hands the units spent since the last exchange to an exchange about to start. */
  takeUnsent(): number {
    const units = this.unsent;
    this.unsent = 0;
    this.sending += units;
    return units;
  }

  /** The shared store answered: its level now already includes the `sent` units. */
  exchanged(sharedLevel: number, sent: number, now: number): void {
    this.sending -= sent;
    this.baseLevel = sharedLevel;
    this.levelAt = now;
  }

  /** The exchange failed (store unreachable): keep counting the units locally instead. */
  exchangeFailed(sent: number, now: number): void {
    const level = this.level(now);
    this.sending -= sent;
    this.baseLevel = level;
    this.levelAt = now;
  }

  /** Whether the bucket is full and holds nothing unsent: forgetting it changes nothing. */
  isIdle(now: number): boolean {
    return this.unsent === 0 && this.sending === 0 && this.level(now) >= this.capacity;
  }
}
