// A kernel program: a list of kernel calls written once into kernel memory (one record per call, the layout of the
// generated assembly/calls.ts) and run in order by one call into wasm (run_program). A training step built this way
// costs one crossing from JS instead of a dozen, and no JS between its kernels; each record calls the same kernel with
// the same arguments over its whole range, as a single-threaded pool would, so the results are the same bits.
import type { Allocator, KernelMemory } from './memory.js';
import type { Task } from './pool.js';
import { KERNEL_NAMES, KERNEL_TABLE, PROGRAM_RECORD_WORDS, type KernelExports, type KernelSpec } from './table.js';

const SPECS = new Map<string, KernelSpec>(KERNEL_TABLE.map((k) => [k.name, k]));

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

  /** Writes `tasks` as records into memory from `alloc` (the owner frees it with its other blocks). */
  constructor(memory: KernelMemory, alloc: Allocator, tasks: readonly Task[]) {
    this.count = tasks.length;
    this.ptr = alloc.alloc(tasks.length * PROGRAM_RECORD_WORDS * 4);
    this.i32 = memory.i32(this.ptr, tasks.length * PROGRAM_RECORD_WORDS);
    this.f32 = memory.f32(this.ptr, tasks.length * PROGRAM_RECORD_WORDS);
    this.isF32 = tasks.map((task) => {
      const spec = SPECS.get(task.kernel)!;
      if (task.args.length !== spec.args.length - 2) throw new Error(`KernelProgram: ${task.kernel} takes ${spec.args.length - 2} arguments after its range, got ${task.args.length}`);
      return spec.types.slice(2).map((t) => t === 'f32');
    });
    tasks.forEach((task, t) => {
      const r = t * PROGRAM_RECORD_WORDS;
      this.i32[r] = KERNEL_NAMES.indexOf(task.kernel);
      this.i32[r + 1] = 0;
      this.i32[r + 2] = task.n;
      task.args.forEach((value, a) => this.setArg(t, a, value));
    });
  }

  /** Sets argument `a` (after the range) of record `t`, stored as its kernel declares it (f32 or i32). */
  setArg(t: number, a: number, value: number): void {
    const at = t * PROGRAM_RECORD_WORDS + 3 + a;
    if (this.isF32[t][a]) this.f32[at] = value;
    else this.i32[at] = value;
  }

  /** Runs every record in order, on the calling thread. */
  run(kernels: KernelExports): void {
    kernels.run_program(this.ptr, this.count);
  }
}
