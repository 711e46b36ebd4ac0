// A Map that holds at most `capacity` entries: adding one more drops the oldest insertion (Map iterates
// in insertion order). The in-memory caches (verified tokens, CRL indexes, PKI reads) use it so that
// each is bounded by a named limit.
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Stores the entry unless the capacity is 0 (caching off), making room by dropping the oldest. */
  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    if (this.entries.size >= this.capacity && !this.entries.has(key)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
