// The control block that the main thread and the workers share to run kernels together.
//
// Layout (Int32 words over one SharedArrayBuffer, plus a Float64 view of the argument area):
//   SEQ    bumped by the main thread once per dispatch; workers wait on it (a counter, not a flag: a flag loses
//          wake-ups when a worker is late)
//   DONE   incremented by each worker when its share of the dispatch is finished
//   STOP   set to 1 to make workers exit
//   ERROR  set to 1 by a worker whose kernel threw; the message goes through postMessage
//   NTASK  number of tasks in this dispatch; each thread runs its share of every task in order, with no barrier
//          between them (so tasks of one dispatch must not depend on each other)
//   tasks  MAX_TASKS records of: kernel index, then per-thread range bounds (MAX_THREADS+1), then ARGS f64 arguments
export const SEQ = 0;
export const DONE = 1;
export const STOP = 2;
export const ERROR = 3;
export const NTASK = 4;
const HEADER = 16;

export const MAX_THREADS = 64;
export const MAX_TASKS = 4;
/** Arguments after (start, end): the longest kernel (adam_update) has 8, softmax_xent 9. */
export const ARGS = 12;

const TASK_I32 = 1 + MAX_THREADS + 1;
const BOUNDS = 1;

export class ControlBlock {
  readonly sab: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  private readonly argBase: number;

  constructor(sab?: SharedArrayBuffer) {
    const i32Words = HEADER + MAX_TASKS * TASK_I32;
    const argOffset = Math.ceil((i32Words * 4) / 8) * 8;
    this.sab = sab ?? new SharedArrayBuffer(argOffset + MAX_TASKS * ARGS * 8);
    this.i32 = new Int32Array(this.sab, 0, i32Words);
    this.f64 = new Float64Array(this.sab, argOffset, MAX_TASKS * ARGS);
    this.argBase = 0;
  }

  /** Index into i32 of task t's kernel id. */
  kernelAt(t: number): number {
    return HEADER + t * TASK_I32;
  }

  /** Index into i32 of task t's bound for thread `tid` (its range is [bound(tid), bound(tid+1))). */
  boundAt(t: number, tid: number): number {
    return HEADER + t * TASK_I32 + BOUNDS + tid;
  }

  /** Index into f64 of task t's first argument. */
  argAt(t: number): number {
    return this.argBase + t * ARGS;
  }
}
