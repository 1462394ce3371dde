// A kernel program: a list of kernel calls written once into kernel memory (one record per call, the layout of the
// generated assembly/calls.ts) and run in order by one call into wasm (run_program). A training step built this way
// costs one crossing from JS instead of a dozen, and no JS between its kernels; each record calls the same kernel with
// the same arguments over its whole range, as a single-threaded pool would, so the results are the same bits.
import type { Allocator, KernelMemory } from './memory.js';
import { splitEven, type Task, type ThreadPool } from './pool.js';
import { MAX_CHUNKS } from './dispatch.js';
import { programControlWords } from './program-abort.js';
import { KERNEL_NAMES, KERNEL_TABLE, PROGRAM_RECORD_WORDS, type KernelExports, type KernelSpec } from './table.js';

const SPECS = new Map<string, KernelSpec>(KERNEL_TABLE.map((k) => [k.name, k]));
/** Words of one record's schedule for run_program_mt (assembly/program.ts SCHED_WORDS): chunks, barrier, bounds. */
const SCHED_WORDS = 2 + MAX_CHUNKS + 1;

/** How several threads run a program: per record whether a barrier follows it, and the pool it runs on. */
export interface ProgramThreads {
  pool: ThreadPool;
  /** barrierAfter[t]: every thread waits after record t until all chunks since the previous barrier are done. */
  barrierAfter: readonly boolean[];
}

export class KernelProgram {
  /** Byte offset of the first record. */
  readonly ptr: number;
  readonly count: number;
  // views of the records, made once: views of a shared memory stay valid when it grows (they just do not cover the
  // new pages), so setting an argument each step allocates nothing
  private readonly i32: Int32Array<ArrayBufferLike>;
  private readonly f32: Float32Array<ArrayBufferLike>;
  /** Per record, whether each argument after the range is an f32. */
  private readonly isF32: boolean[][];
  // the threaded schedule (run_program_mt): per-record chunks, and the claim/done counters zeroed before each run
  private readonly sched: number = 0;
  private readonly ctl: number = 0;
  private readonly ctlView: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private readonly slots: Int32Array = new Int32Array(0);
  private readonly pool: ThreadPool | null = null;

  /** Writes `tasks` as records into memory from `alloc` (the owner frees it with its other blocks). */
  constructor(memory: KernelMemory, alloc: Allocator, tasks: readonly Task[], threads?: ProgramThreads) {
    this.count = tasks.length;
    this.ptr = alloc.alloc(tasks.length * PROGRAM_RECORD_WORDS * 4);
    this.i32 = memory.i32(this.ptr, tasks.length * PROGRAM_RECORD_WORDS);
    this.f32 = memory.f32(this.ptr, tasks.length * PROGRAM_RECORD_WORDS);
    this.isF32 = tasks.map((task) => {
      const spec = SPECS.get(task.kernel)!;
      if (task.args.length !== spec.args.length - 2)
        throw new Error(
          `KernelProgram: ${task.kernel} takes ${spec.args.length - 2} arguments after its range, got ${task.args.length}`,
        );
      return spec.types.slice(2).map((t) => t === 'f32');
    });
    tasks.forEach((task, t) => {
      const r = t * PROGRAM_RECORD_WORDS;
      this.i32[r] = KERNEL_NAMES.indexOf(task.kernel);
      this.i32[r + 1] = 0;
      this.i32[r + 2] = task.n;
      task.args.forEach((value, a) => this.setArg(t, a, value));
    });
    if (threads && threads.pool.threads > 1) {
      // each record cut into the chunks the pool would cut it into (its bounds, else even chunks)
      this.pool = threads.pool;
      this.sched = alloc.alloc(tasks.length * SCHED_WORDS * 4);
      const sched = memory.i32(this.sched, tasks.length * SCHED_WORDS);
      tasks.forEach((task, t) => {
        const bounds = task.bounds ?? splitEven(task.n, threads.pool.chunks);
        sched[t * SCHED_WORDS] = bounds.length - 1;
        sched[t * SCHED_WORDS + 1] = threads.barrierAfter[t] ? 1 : 0;
        sched.set(bounds, t * SCHED_WORDS + 2);
      });
      // claim and done counters per record, then the abort word a trap in any thread sets (program-abort.ts)
      this.ctl = alloc.alloc(programControlWords(tasks.length) * 4);
      this.ctlView = memory.i32(this.ctl, programControlWords(tasks.length));
      this.slots = Int32Array.from({ length: threads.pool.threads + 1 }, (_, i) => i);
    }
  }

  /** Sets argument `a` (after the range) of record `t`, stored as its kernel declares it (f32 or i32). */
  setArg(t: number, a: number, value: number): void {
    const at = t * PROGRAM_RECORD_WORDS + 3 + a;
    if (this.isF32[t][a]) this.f32[at] = value;
    else this.i32[at] = value;
  }

  /** Runs every record in order: on the calling thread, or with a threaded schedule, as one dispatch of its pool. */
  run(kernels: KernelExports): void {
    if (!this.pool) return kernels.run_program(this.ptr, this.count);
    this.ctlView.fill(0);
    const n = this.slots.length - 1;
    this.pool.run({
      kernel: 'run_program_mt',
      n,
      bounds: this.slots,
      args: [this.ptr, this.count, this.sched, this.ctl],
    });
  }

  /** The blocks this program holds (its owner frees them). */
  get blocks(): number[] {
    return [this.ptr, this.sched, this.ctl].filter((p) => p !== 0);
  }
}
