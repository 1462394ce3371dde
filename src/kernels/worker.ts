// A kernel worker: the same wasm module over the same shared memory, claiming chunks of each dispatch.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { ControlBlock, SEQ, DONE, STOP, ERROR, tagOf } from './dispatch.js';
import { instantiateKernels, KERNEL_NAMES } from './wasm.js';
import { abortProgramAfterTrap } from './program-abort.js';

interface WorkerInit {
  port: MessagePort;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  spin: number;
}

type Kernel = (s: number, e: number, ...args: number[]) => void;

const init = workerData as WorkerInit;
const kernels = instantiateKernels(init.memory, init.module) as unknown as Record<string, Kernel>;
const table: Kernel[] = KERNEL_NAMES.map((n) => kernels[n]);
const cb = new ControlBlock(init.control);
const { i32 } = cb;

// starts at 0, not the current SEQ: the pool waits for `ready` before its first dispatch, so nothing is missed
let seen = 0;
parentPort?.postMessage('ready');
for (;;) {
  // spin first: waking a sleeping worker costs two orders of magnitude more than a spinning one notices (docs/performance.md,
  // design measurements), and a training step dispatches a dozen kernels back to back
  let spins = init.spin;
  while (Atomics.load(i32, SEQ) === seen && spins-- > 0);
  if (Atomics.load(i32, SEQ) === seen) Atomics.wait(i32, SEQ, seen);
  seen = Atomics.load(i32, SEQ);
  if (Atomics.load(i32, STOP) === 1) break;
  const tag = tagOf(seen);
  // the claim fails at once if the main thread already finished this dispatch (and maybe started the next one:
  // then SEQ has moved and the loop comes straight back)
  for (let g = cb.claim(tag, cb.totalChunks()); g >= 0; g = cb.claim(tag, cb.totalChunks())) {
    try {
      cb.runChunk(g, table);
    } catch (err) {
      // first: threads of a kernel program waiting at a barrier for this chunk stop waiting
      const task = cb.taskOf(g);
      abortProgramAfterTrap(init.memory, task.kernel, task.args);
      Atomics.store(i32, ERROR, 1);
      init.port.postMessage({ error: String((err as Error)?.stack ?? err) });
    }
    Atomics.add(i32, DONE, 1);
  }
}
