// The abort word of a threaded kernel program (assembly/program.ts, run_program_mt): the word after the program's
// claim/done counters. A trap in one thread's record leaves that record's chunk never counted done, so the threads
// waiting at the next barrier would spin forever; the host that catches the trap sets this word, and every thread
// checks it at each record and while it waits, and returns. Kept apart from program.ts so that a worker, which must
// set it, loads nothing more than it needs.
import { KERNEL_NAMES } from './table.js';

const RUN_PROGRAM_MT = KERNEL_NAMES.indexOf('run_program_mt');

/** Int32 words of a program's control block with `count` records: a claim and a done counter each, then the abort
 * word (and one word of padding, keeping the block 8-byte aligned). */
export function programControlWords(count: number): number {
  return 2 * count + 2;
}

/** Byte offset of the abort word in a control block at `ctl` of a program with `count` records. */
export function abortWordAt(ctl: number, count: number): number {
  return ctl + 8 * count;
}

/**
 * After a call of kernel `kernel` (its index in KERNEL_NAMES) with arguments `args` (after its range, in ABI order)
 * threw: when that was a threaded program, raises its abort word in `memory`, so that the other threads of the
 * dispatch stop waiting for the chunk that will never be done. Other kernels wait for nothing: no-op.
 */
export function abortProgramAfterTrap(memory: WebAssembly.Memory, kernel: number, args: ArrayLike<number>): void {
  if (kernel !== RUN_PROGRAM_MT) return;
  const count = args[1];
  const ctl = args[3];
  Atomics.store(new Int32Array(memory.buffer), abortWordAt(ctl, count) >> 2, 1);
}
