// Group commit: writes that arrive while others are being written share one transaction, so N
// concurrent creates pay for one commit (on SQLite most of a durable insert's cost is the commit's
// WAL write). Every caller is answered only after the commit that holds its write, so an acknowledged
// write is as durable as before. If the batch fails, each write is retried alone, so one bad write
// cannot fail the others.

export class WriteBatcher<Item> {
  private queue: Array<{ item: Item; resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushing = false;

  constructor(
    private readonly writeAll: (items: Item[]) => Promise<void>,
    private readonly maxBatch = 500,
  ) {}

  write(item: Item): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Let the writes of this event-loop turn join before the first commit.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.writeAll(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        if (batch.length === 1) {
          (batch[0] as (typeof batch)[number]).reject(error);
          continue;
        }
        for (const entry of batch) {
          await this.writeAll([entry.item]).then(entry.resolve, entry.reject);
        }
      }
    }
    this.flushing = false;
  }
}
