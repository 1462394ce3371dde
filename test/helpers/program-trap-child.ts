// Run in a child process by test/program-trap.test.ts (so that a hang shows as a timeout, not a stuck test run): a
// kernel program whose first record traps in its second chunk (an out-of-bounds store), on an engine of argv[2]
// threads, argv[4] times. Prints one JSON line per trial: which thread's error reached the caller, its message, and
// whether the pool refuses further work.
//
// argv[3] 'worker' makes a worker trap while the main thread will wait for the trapped chunk at the barrier after the
// record: the main thread's run_program_mt (its entry in the pool's private kernel table, replaced here, test only)
// first waits until the program's abort word is set, i.e. until a worker has run both chunks and trapped, then runs
// the program, finds no chunk left and waits at the barrier for the chunk that will never be done. 'any' leaves the
// threads to race for the chunks.
import { Engine } from '../../src/engine/engine.js';
import { KernelProgram } from '../../src/kernels/program.js';
import { abortWordAt } from '../../src/kernels/program-abort.js';
import { KERNEL_NAMES } from '../../src/kernels/table.js';
import type { Task } from '../../src/kernels/pool.js';

const threads = Number(process.argv[2]);
const where = process.argv[3];
const trials = Number(process.argv[4]);

for (let trial = 0; trial < trials; trial++) {
  const engine = await Engine.create({ threads, adaptive: false });
  const mem = engine.memory;
  const small = mem.allocF32(64);
  // elements [0, 32) are the last 128 bytes of the memory (lr 0 and a zero gradient leave them as they are), elements
  // [32, 64) lie past its end: chunk [0, 32) runs, chunk [32, 64) traps
  const end = mem.memory.buffer.byteLength;
  const trap: Task = { kernel: 'sgd_update', n: 64, args: [end - 128, small, 0], bounds: Int32Array.of(0, 32, 64) };
  const fine: Task = { kernel: 'sgd_update', n: 64, args: [small, small, 0.5] };
  const program = new KernelProgram(mem, mem, [trap, fine], { pool: engine.pool, barrierAfter: [true, true] });
  if (where === 'worker') {
    const table = (engine.pool as unknown as { table: ((...a: number[]) => void)[] }).table;
    const index = KERNEL_NAMES.indexOf('run_program_mt');
    const run = table[index];
    table[index] = (...a: number[]) => {
      const words = new Int32Array(mem.memory.buffer);
      const abort = abortWordAt(a[5], a[3]) >> 2;
      const deadline = Date.now() + 30000;
      while (Atomics.load(words, abort) === 0) {
        if (Date.now() > deadline) throw new Error('no worker trapped within 30 s');
      }
      run(...a);
    };
  }
  let message = '';
  try {
    program.run(engine.pool.kernels);
  } catch (err) {
    message = String((err as Error)?.message ?? err);
  }
  let closed = false;
  try {
    engine.pool.run(fine);
  } catch {
    closed = true;
  }
  const trapped = message === '' ? 'none' : message.startsWith('radixnet kernel error in a worker') ? 'worker' : 'main';
  console.log(JSON.stringify({ trial, trapped, message: message.split('\n')[0], closed }));
  engine.close();
}
