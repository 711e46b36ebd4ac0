// A least-recently-used cache bounded by the total size of its values (bytes, as the caller counts
// them) rather than by their number: the CRL cache holds a few very large values, so a count says
// nothing about the memory it takes. A value larger than the whole bound is not kept at all.
// Work in progress that will hold memory of its own (a download) can reserve part of the bound, so the
// cache plus that work stay within it together.
export class SizedLru<K, V> {
  /** Map iteration order is insertion order: re-inserting on use keeps the least recently used first. */
  private readonly entries = new Map<K, { value: V; size: number }>();
  private total = 0;
  private reserved = 0;
  private dropped = 0;

  constructor(
    private readonly maxSize: number,
    /** Told about each entry dropped to make room (not about explicit deletes or replacements). */
    private readonly onEvict: (key: K, size: number) => void = () => {},
  ) {}

  get size(): number {
    return this.total;
  }

  /** Whether the key is held, without counting as a use. */
  has(key: K): boolean {
    return this.entries.has(key);
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /**
   * Total size of the values that have left the cache so far (dropped to make room, deleted or
   * replaced): memory that becomes free once nothing else refers to them.
   */
  get droppedSize(): number {
    return this.dropped;
  }

  /** Bytes reserved for work in progress (not part of `size`). */
  get reservedSize(): number {
    return this.reserved;
  }

  /**
   * Stores the value as the most recently used, dropping the least recently used until it fits beside
   * the reservations; a value that cannot fit even in an empty cache is not kept.
   */
  set(key: K, value: V, size: number): void {
    this.delete(key);
    if (size + this.reserved > this.maxSize) return;
    this.makeRoom(size);
    this.entries.set(key, { value, size });
    this.total += size;
  }

  /**
   * Sets `size` aside for work in progress, dropping the least recently used values to make room (all of
   * them when it is more than the bound); returns the function that gives it back (once).
   */
  reserve(size: number): () => void {
    this.makeRoom(size);
    this.reserved += size;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved -= size;
    };
  }

  private makeRoom(size: number): void {
    for (const [oldest, entry] of this.entries) {
      if (this.total + this.reserved + size <= this.maxSize) break;
      this.entries.delete(oldest);
      this.total -= entry.size;
      this.dropped += entry.size;
      this.onEvict(oldest, entry.size);
    }
  }

  delete(key: K): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.total -= entry.size;
    this.dropped += entry.size;
    return true;
  }

  keys(): IterableIterator<K> {
    return this.entries.keys();
  }
}
