// A kernel worker: the same wasm module over the same shared memory, running its share of each dispatch.
import { parentPort, workerData } from 'node:worker_threads';
import { ControlBlock, SEQ, DONE, STOP, ERROR, NTASK } from './dispatch.js';
import { instantiateKernels, KERNEL_NAMES } from './wasm.js';

interface WorkerInit {
  port: import("node:worker_threads").MessagePort;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  tid: number;
  spin: number;
}

type Kernel = (s: number, e: number, ...args: number[]) => void;

const init = workerData as WorkerInit;
const kernels = instantiateKernels(init.memory, init.module) as unknown as Record<string, Kernel>;
const table: Kernel[] = KERNEL_NAMES.map((n) => kernels[n]);
const cb = new ControlBlock(init.control);
const { i32, f64 } = cb;
const tid = init.tid;

// starts at 0, not the current SEQ: the pool waits for `ready` before its first dispatch, so nothing is missed
let seen = 0;
parentPort?.postMessage('ready');
for (;;) {
  // spin first: a sleeping worker takes ~135 us to wake, a spinning one under 1 us, and a training step
  // dispatches a dozen kernels back to back
  let spins = init.spin;
  while (Atomics.load(i32, SEQ) === seen && spins-- > 0);
  if (Atomics.load(i32, SEQ) === seen) Atomics.wait(i32, SEQ, seen);
  seen = Atomics.load(i32, SEQ);
  if (Atomics.load(i32, STOP) === 1) break;
  try {
    const ntask = i32[NTASK];
    for (let t = 0; t < ntask; t++) {
      const s = i32[cb.boundAt(t, tid)];
      const e = i32[cb.boundAt(t, tid + 1)];
      if (s >= e) continue;
      const a = cb.argAt(t);
      table[i32[cb.kernelAt(t)]](s, e, f64[a], f64[a + 1], f64[a + 2], f64[a + 3], f64[a + 4], f64[a + 5], f64[a + 6], f64[a + 7], f64[a + 8], f64[a + 9], f64[a + 10], f64[a + 11]);
    }
  } catch (err) {
    Atomics.store(i32, ERROR, 1);
    init.port.postMessage({ error: String((err as Error)?.stack ?? err) });
  }
  Atomics.add(i32, DONE, 1);
}
