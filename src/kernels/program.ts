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
  private readonly tasks: readonly Task[];

  /** Writes `tasks` as records into memory from `alloc` (the owner frees it with its other blocks). */
  constructor(private readonly memory: KernelMemory, alloc: Allocator, tasks: readonly Task[]) {
    this.tasks = tasks;
    this.count = tasks.length;
    this.ptr = alloc.alloc(tasks.length * PROGRAM_RECORD_WORDS * 4);
    tasks.forEach((task, t) => {
      const spec = SPECS.get(task.kernel)!;
      if (task.args.length !== spec.args.length - 2) throw new Error(`KernelProgram: ${task.kernel} takes ${spec.args.length - 2} arguments after its range, got ${task.args.length}`);
      const i32 = this.memory.i32(this.ptr + t * PROGRAM_RECORD_WORDS * 4, PROGRAM_RECORD_WORDS);
      i32[0] = KERNEL_NAMES.indexOf(task.kernel);
      i32[1] = 0;
      i32[2] = task.n;
      task.args.forEach((_, a) => this.setArg(t, a, task.args[a]));
    });
  }

  /** Sets argument `a` (after the range) of record `t`, stored as its kernel declares it (f32 or i32). */
  setArg(t: number, a: number, value: number): void {
    const at = this.ptr + (t * PROGRAM_RECORD_WORDS + 3 + a) * 4;
    const type = SPECS.get(this.tasks[t].kernel)!.types[a + 2];
    if (type === 'f32') this.memory.f32(at, 1)[0] = value;
    else this.memory.i32(at, 1)[0] = value;
  }

  /** Runs every record in order, on the calling thread. */
  run(kernels: KernelExports): void {
    kernels.run_program(this.ptr, this.count);
  }
}
