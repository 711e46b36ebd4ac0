// Buffers for CRLs (up to 20 MB each) and their indexes, allocated so that freeing them gives the
// memory back to the system. glibc's malloc serves a request from its heap unless the request is at
// least its mmap threshold, and that threshold rises (up to 32 MiB) to the size of each mapped block
// freed: after the first 20 MB CRL is freed every later one comes from the heap, which returns memory
// only from its top, so a few CRLs still cached there pin every freed one below them (measured: 90 MB
// of a 200 MB heap free but resident after 30 CRLs). A request above 32 MiB is always mapped on its own
// and unmapped when freed, and pages never written take no memory: so a large buffer is allocated as
// 32 MiB and a page, and only its front is used. It costs address space, not memory.
const ALWAYS_MAPPED_BYTES = 32 * 1024 * 1024 + 4096;
/** Below this a buffer is allocated as usual: the heap handles small blocks well. */
const LARGE_BYTES = 1024 * 1024;

/** An uninitialised buffer of `bytes`, in its own mapping when it is large. */
export function largeBuffer(bytes: number): Buffer {
  if (bytes < LARGE_BYTES || bytes >= ALWAYS_MAPPED_BYTES) return Buffer.allocUnsafe(bytes);
  return Buffer.allocUnsafe(ALWAYS_MAPPED_BYTES).subarray(0, bytes);
}

/** A zero-filled Uint32Array of `length`, in its own mapping when it is large (fresh mappings are zero). */
export function largeUint32Array(length: number): Uint32Array {
  const bytes = length * 4;
  if (bytes < LARGE_BYTES || bytes >= ALWAYS_MAPPED_BYTES) return new Uint32Array(length);
  return new Uint32Array(new ArrayBuffer(ALWAYS_MAPPED_BYTES), 0, length);
}
