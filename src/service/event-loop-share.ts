// Long CPU work in a request or job (parsing thousands of certificates: about 2 ms each) would hold
// the event loop for seconds, and every other request and health probe would wait for it. A loop over
// such work awaits `share()` between items: after each `sliceMs` of work it gives the event loop a turn.
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long a slice of CPU work runs before others get a turn, in ms. */
const CPU_SLICE_MS = 20;

export function eventLoopShare(sliceMs = CPU_SLICE_MS): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < sliceMs) return;
    await nextTurn();
    sliceStart = performance.now();
  };
}
