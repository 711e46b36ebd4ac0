// Buffers for CRLs (up to 20 MB each) and their indexes, allocated so that freeing them gives the
// memory back to the system. glibc's malloc serves a request from its heap unless the request is at
// least its mmap threshold, and that threshold rises (up to 32 MiB) to the size of each mapped block
// freed: after the first 20 MB CRL is freed every later one comes from the heap, which returns memory
// only from its top, so a few CRLs still cached there pin every freed one below them (measured: 90 MB
// of a 200 MB heap free but resident after 30 CRLs). A request above 32 MiB is always mapped on its own
// and unmapped when freed, and pages never written take no memory: so a large buffer is allocated as
// 32 MiB and a page, and only its front is used. It costs address space, not memory.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

const ALWAYS_MAPPED_BYTES = 32 * 1024 * 1024 + 4096;
/** Below this a buffer is allocated as usual: the heap handles small blocks well. */
const LARGE_BYTES = 1024 * 1024;

/** An uninitialised buffer of `bytes`, in its own mapping when it is large. */
export function largeBuffer(bytes: number): Buffer {
  if (bytes < LARGE_BYTES || bytes >= ALWAYS_MAPPED_BYTES) return Buffer.allocUnsafe(bytes);
  return Buffer.allocUnsafe(ALWAYS_MAPPED_BYTES).subarray(0, bytes);
}

/**
 * Room for a body of up to `maxBytes` whose length is not known in advance, in its own mapping: only
 * the pages written take memory, so the body is received in place instead of in pieces copied into a
 * second buffer at the end. Undefined when `maxBytes` is outside the sizes that get their own mapping.
 */
export function largeBufferUpTo(maxBytes: number): Buffer | undefined {
  if (maxBytes < LARGE_BYTES || maxBytes >= ALWAYS_MAPPED_BYTES) return undefined;
  return largeBuffer(maxBytes);
}

/**
 * The first `length` bytes of a largeBufferUpTo buffer to keep: a view when they are large, else a copy
 * of their own (a small body would otherwise keep a whole mapping, and a process has a limited number).
 */
export function shrunkToFit(buffer: Buffer, length: number): Buffer {
  return length >= LARGE_BYTES ? buffer.subarray(0, length) : Buffer.from(buffer.subarray(0, length));
}

/** A zero-filled Uint32Array of `length`, in its own mapping when it is large (fresh mappings are zero). */
export function largeUint32Array(length: number): Uint32Array {
  const bytes = length * 4;
  if (bytes < LARGE_BYTES || bytes >= ALWAYS_MAPPED_BYTES) return new Uint32Array(length);
  return new Uint32Array(new ArrayBuffer(ALWAYS_MAPPED_BYTES), 0, length);
}

/**
 * Runs a full garbage collection now, so that large buffers nothing refers to any more are unmapped at
 * once and V8 can shrink its own heap back. V8 frees a buffer only when it collects the object holding
 * it, and on a quiet server that can be long after the buffer was dropped. Measured with
 * bench/crl-cache.ts (SQLite, 30 distinct 20 MB CRLs): RSS growth 140 MB without these collections, 127
 * with (V8's heap pages +17 → +4 MB; peak 287 → 271 MB). Costs one major collection (tens of ms on this
 * service's heap); callers do it only after they dropped megabytes. A no-op where the collector cannot
 * be reached.
 */
export function collectGarbage(): void {
  collector ??= exposeCollector();
  collector();
}

/**
 * Runs a young-generation collection (about a millisecond): frees the buffers of objects that died
 * young, such as the pieces a download arrives in once they are copied where they belong. Left to V8,
 * the 64 KB pieces of a 20 MB download (malloc'd outside its heap) wait for a major collection, and
 * malloc's heap grew by 48 MB over 12 such downloads (bench/crl-cache.ts --urls 12); freed every 2 MB,
 * by 17 MB.
 */
export function collectYoungGarbage(): void {
  collector ??= exposeCollector();
  collector({ type: 'minor' });
}

let collector: ((options?: { type: 'minor' }) => void) | undefined;

/**
 * The `gc` function of a fresh context: V8 exposes it to contexts made while --expose-gc is set, and
 * only to those (the flag is cleared again at once, so no other code sees a global `gc`).
 */
function exposeCollector(): (options?: { type: 'minor' }) => void {
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') return existing as (options?: { type: 'minor' }) => void;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as (options?: { type: 'minor' }) => void) : () => {};
  } catch {
    return () => {};
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}
