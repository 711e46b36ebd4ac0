// A least-recently-used cache bounded by the total size of its values (bytes, as the caller counts
// them) rather than by their number: the CRL cache holds a few very large values, so a count says
// nothing about the memory it takes. A value larger than the whole bound is not kept at all.
export class SizedLru<K, V> {
  /** Map iteration order is insertion order: re-inserting on use keeps the least recently used first. */
  private readonly entries = new Map<K, { value: V; size: number }>();
  private total = 0;

  constructor(
    private readonly maxSize: number,
    /** Told about each entry dropped to make room (not about explicit deletes or replacements). */
    private readonly onEvict: (key: K, size: number) => void = () => {},
  ) {}

  get size(): number {
    return this.total;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores the value as the most recently used, dropping the least recently used until it fits. */
  set(key: K, value: V, size: number): void {
    this.delete(key);
    if (size > this.maxSize) return;
    for (const [oldest, entry] of this.entries) {
      if (this.total + size <= this.maxSize) break;
      this.entries.delete(oldest);
      this.total -= entry.size;
      this.onEvict(oldest, entry.size);
    }
    this.entries.set(key, { value, size });
    this.total += size;
  }

  delete(key: K): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.total -= entry.size;
    return true;
  }

  keys(): IterableIterator<K> {
    return this.entries.keys();
  }
}
