// The control block that the main thread and the workers share to run kernels together.
//
// A dispatch is up to MAX_TASKS kernel calls, each cut into chunks (ranges of its outer loop). Threads claim chunks
// one at a time from a shared counter, so a thread the OS or hypervisor leaves waiting costs at most the chunk it
// holds: the others take the rest. Counters carry the dispatch's sequence number in their high 16 bits, so a worker
// that wakes up late cannot claim (or count) a chunk of a dispatch it did not read.
//
// Int32 words over one SharedArrayBuffer, plus a Float64 view of the argument area:
//   SEQ     bumped by the main thread once per dispatch; idle workers wait on it (a counter, not a flag: a flag loses
//           wake-ups when a worker is late)
//   CLAIM   tag(seq) | index of the next unclaimed chunk, counting through the tasks in order
//   DONE    tag(seq) | number of chunks finished
//   STOP    set to 1 to make workers exit
//   ERROR   set to 1 by a worker whose kernel threw; the message goes through its message port
//   NTASK   tasks in this dispatch; tasks of one dispatch must not read what another writes (no barrier between)
//   tasks   MAX_TASKS records of: kernel index, chunk count, chunk bounds (MAX_CHUNKS+1), then ARGS f64 arguments
export const SEQ = 0;
export const CLAIM = 1;
export const DONE = 2;
export const STOP = 3;
export const ERROR = 4;
export const NTASK = 5;
const HEADER = 16;

export const MAX_THREADS = 64;
export const MAX_TASKS = 4;
/** Chunks per thread of a task on up to 4 threads (ThreadPool.chunks): two, so that a fast thread can take over half
 * of a stalled one's share without the chunks getting small. */
export const CHUNKS_PER_THREAD = 2;
export const MAX_CHUNKS = CHUNKS_PER_THREAD * MAX_THREADS;
/** Arguments after (start, end) a task can carry: spmm_pair_fwd has the most, 11 (test/kernel-table.test.ts checks
 * every kernel of the table fits; runChunk passes exactly this many). */
export const ARGS = 12;

const TASK_I32 = 2 + MAX_CHUNKS + 1;

/** The tag a dispatch's counters carry: its sequence number modulo 2^15 in the high half-word. */
export function tagOf(seq: number): number {
  return (seq & 0x7fff) << 16;
}

export class ControlBlock {
  readonly sab: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly f64: Float64Array;

  constructor(sab?: SharedArrayBuffer) {
    const i32Words = HEADER + MAX_TASKS * TASK_I32;
    const argOffset = Math.ceil((i32Words * 4) / 8) * 8;
    this.sab = sab ?? new SharedArrayBuffer(argOffset + MAX_TASKS * ARGS * 8);
    this.i32 = new Int32Array(this.sab, 0, i32Words);
    this.f64 = new Float64Array(this.sab, argOffset, MAX_TASKS * ARGS);
  }

  /** Index into i32 of task t's kernel id; the chunk count follows it. */
  kernelAt(t: number): number {
    return HEADER + t * TASK_I32;
  }

  chunksAt(t: number): number {
    return HEADER + t * TASK_I32 + 1;
  }

  /** Index into i32 of task t's bound k (chunk c is [bound(c), bound(c+1))). */
  boundAt(t: number, k: number): number {
    return HEADER + t * TASK_I32 + 2 + k;
  }

  /** Index into f64 of task t's first argument. */
  argAt(t: number): number {
    return t * ARGS;
  }

  /**
   * Claims the next chunk of the dispatch tagged `tag` and returns its global index, or -1 when none is left or the
   * dispatch has moved on.
   */
  claim(tag: number, total: number): number {
    const i32 = this.i32;
    for (;;) {
      const cur = Atomics.load(i32, CLAIM);
      if ((cur & 0x7fff0000) !== tag) return -1;
      const next = cur & 0xffff;
      if (next >= total) return -1;
      if (Atomics.compareExchange(i32, CLAIM, cur, cur + 1) === cur) return next;
    }
  }

  /** Total chunks of the current dispatch (valid while one of its chunks is claimed and not done). */
  totalChunks(): number {
    let total = 0;
    for (let t = 0; t < this.i32[NTASK]; t++) total += this.i32[this.chunksAt(t)];
    return total;
  }

  /** The task of global chunk `g` of the current dispatch: its kernel's index and its arguments (after the range). */
  taskOf(g: number): { kernel: number; args: Float64Array } {
    let t = 0;
    while (g >= this.i32[this.chunksAt(t)]) g -= this.i32[this.chunksAt(t++)];
    const a = this.argAt(t);
    return { kernel: this.i32[this.kernelAt(t)], args: this.f64.subarray(a, a + ARGS) };
  }

  /** Runs global chunk `g` of the current dispatch with `table`'s kernels. */
  runChunk(g: number, table: ((...a: number[]) => void)[]): void {
    const { i32, f64 } = this;
    let t = 0;
    while (g >= i32[this.chunksAt(t)]) g -= i32[this.chunksAt(t++)];
    const s = i32[this.boundAt(t, g)];
    const e = i32[this.boundAt(t, g + 1)];
    if (s >= e) return;
    const a = this.argAt(t);
    table[i32[this.kernelAt(t)]](
      s,
      e,
      f64[a],
      f64[a + 1],
      f64[a + 2],
      f64[a + 3],
      f64[a + 4],
      f64[a + 5],
      f64[a + 6],
      f64[a + 7],
      f64[a + 8],
      f64[a + 9],
      f64[a + 10],
      f64[a + 11],
    );
  }
}
