// A fixed number of slots for work that holds a lot of memory while it runs (a 20 MB CRL being
// downloaded, read back or indexed): callers beyond the limit wait their turn, first come first served,
// for at most a given time, so a burst of distinct CRLs is handled a few at a time instead of all at once.
export class SlotWaitTimeout extends Error {}

export class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    this.free = limit;
  }

  /**
   * Runs `work` in a slot, telling it how long it waited for one (0: a slot was free); rejects with
   * SlotWaitTimeout when none frees up within `waitMs`.
   */
  async run<T>(waitMs: number, work: (waitedMs: number) => Promise<T>): Promise<T> {
    const asked = Date.now();
    const waited = await this.acquire(waitMs);
    try {
      return await work(waited ? Math.max(1, Date.now() - asked) : 0);
    } finally {
      this.release();
    }
  }

  /** Takes a slot; resolves true when it had to wait for one. */
  private acquire(waitMs: number): Promise<boolean> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(false);
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(new SlotWaitTimeout(`no slot of ${this.limit} became free within ${waitMs} ms`));
      }, waitMs);
      this.waiting.push(grant);
    });
  }

  /** Hands the slot straight to the longest waiter, if any. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
