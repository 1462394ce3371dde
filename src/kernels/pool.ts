// Runs kernels on several threads over one shared WebAssembly.Memory: the main thread takes share 0, workers
// (worker.ts) take the others. A dispatch is a handful of kernel calls, each split into per-thread ranges.
import { availableParallelism } from 'node:os';
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { envNumber } from '../topology/cost.js';
import {
  ControlBlock,
  SEQ,
  CLAIM,
  DONE,
  STOP,
  ERROR,
  NTASK,
  ARGS,
  MAX_TASKS,
  MAX_THREADS,
  MAX_CHUNKS,
  CHUNKS_PER_THREAD,
  tagOf,
} from './dispatch.js';
import { KernelMemory } from './memory.js';
import { abortProgramAfterTrap } from './program-abort.js';
import { notice, runtimeName } from './notice.js';
import {
  compileKernels,
  instantiateKernels,
  kernelModule,
  KERNEL_NAMES,
  type KernelExports,
  type KernelName,
  type KernelVariant,
} from './wasm.js';

/** One kernel call of a dispatch: `kernel(start, end, ...args)` over [0, n), split by `bounds` when given. */
export interface Task {
  kernel: KernelName;
  /** Length of the kernel's outer range. */
  n: number;
  /** Arguments after (start, end), in ABI order (pointers, sizes, f32 values). */
  args: readonly number[];
  /** Chunks of [0, n) that threads claim one at a time: ascending bounds, first 0, last n (see `splitEven`,
   * `splitByPrefix`; `pool.chunks` is the count that suits the pool). Default: pool.chunks even chunks. */
  bounds?: Int32Array;
}

export interface PoolOptions {
  /** Threads including the main one; default env RADIXNET_THREADS, else the cores available. */
  threads?: number;
  /** Busy-wait iterations before a thread sleeps (default 20000: tens of microseconds, about one step's gap). */
  spin?: number;
  /** Time both modes now and then and use one thread while that is faster, e.g. when another process keeps a core
   * busy (default true). */
  adaptive?: boolean;
  /** Which kernel build every thread runs (default: the process' choice, kernelModule()); tests compare both. */
  variant?: KernelVariant;
}

/** Resolves the thread count: option, then RADIXNET_THREADS, then the cores available; validated. */
export function resolveThreads(threads?: number): number {
  const env = process.env.RADIXNET_THREADS;
  // the variable strictly (no hex, no 1e1, no trailing garbage): a typo must not pick a thread count
  const value =
    threads ?? envNumber('RADIXNET_THREADS', availableParallelism(), { min: 1, max: MAX_THREADS, integer: true });
  if (!Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
    const from = threads !== undefined ? 'threads' : 'RADIXNET_THREADS';
    throw new InputError(`${from} must be an integer from 1 to ${MAX_THREADS}, got ${threads ?? env}`);
  }
  return value;
}

// Adaptive thread use (measure, don't guess): at the end of each stretch the pool times WINDOW runs in its current
// mode (all threads or main only), then WINDOW runs in the other, and keeps the faster for the next stretch. A
// stretch doubles each time the choice stays the same (2^11 up to 2^16 runs) so probing costs little once settled.
// Training repeats the same few dispatches, so run times of the two windows compare like with like.
const WINDOW = 256;
const STRETCH_MIN = 2048;
const STRETCH_MAX = 65536;

export class ThreadPool {
  readonly memory: KernelMemory;
  /** The main thread's instance of the kernels (also used for single-threaded calls). */
  readonly kernels: KernelExports;
  readonly threads: number;
  private readonly table: ((...a: number[]) => void)[];
  private readonly cb: ControlBlock;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly spin: number;
  private adaptive: boolean;
  private seq = 0;
  private closed = false;
  // adaptive mode: single (main thread only) or not, the runs left before the next measurement, and the timing
  private single = false;
  private stretch = STRETCH_MIN;
  private left = WINDOW;
  private probing = false;
  private measured = 0;
  private windowMs = 0;
  /** Counters for benchmarks: dispatches, time (ms) waiting for workers, stretches spent on the main thread only. */
  readonly stats = { dispatches: 0, waitMs: 0, fallbacks: 0 };

  private constructor(memory: KernelMemory, threads: number, opts: PoolOptions, module: WebAssembly.Module) {
    this.memory = memory;
    this.threads = threads;
    this.spin = opts.spin ?? 20000;
    this.adaptive = opts.adaptive ?? true;
    this.kernels = instantiateKernels(memory.memory, module);
    const k = this.kernels as unknown as Record<string, (...a: number[]) => void>;
    this.table = KERNEL_NAMES.map((n) => k[n]);
    this.cb = new ControlBlock();
  }

  /** Starts `threads - 1` workers (each instantiates the kernels over `memory`) and resolves when all are ready. */
  static async create(memory: KernelMemory, opts: PoolOptions = {}): Promise<ThreadPool> {
    const module = opts.variant ? compileKernels(opts.variant) : kernelModule();
    const threads = resolveThreads(opts.threads);
    if (threads > 1 && !mainThreadMayWait()) {
      notice(`${runtimeName()} does not allow Atomics.wait on this thread: the main thread spins while workers finish`);
    }
    const pool = new ThreadPool(memory, threads, opts, module);
    try {
      await pool.startWorkers(module);
    } catch (err) {
      // a runtime without worker threads (or one whose workers cannot load the kernels) still trains, on one thread
      pool.close();
      notice(
        `${runtimeName()} could not start worker threads (${(err as Error)?.message ?? String(err)}): running on 1 thread`,
      );
      return new ThreadPool(memory, 1, opts, module);
    }
    pool.warmUp();
    return pool;
  }

  /** Starts `threads - 1` workers, each instantiating `module` over the memory; resolves when all are ready. */
  private async startWorkers(module: WebAssembly.Module): Promise<void> {
    const ready: Promise<void>[] = [];
    for (let tid = 1; tid < this.threads; tid++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(new URL('./worker.js', import.meta.url), {
        workerData: { module, memory: this.memory.memory, control: this.cb.sab, spin: this.spin, port: port2 },
        transferList: [port2],
      });
      this.workers.push(worker);
      this.ports.push(port1);
      ready.push(
        new Promise((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          // a worker that exits before it is ready (its runtime refused it) must not leave create() waiting forever
          worker.once('exit', (code) =>
            reject(new Error(`a kernel worker exited with code ${code} before it started`)),
          );
        }),
      );
    }
    await Promise.all(ready);
    // only now: until every worker is ready they must keep the process alive, or one that dies at start leaves an
    // event loop with nothing in it and the awaiting caller is never resumed
    for (const w of this.workers) w.unref();
    for (const p of this.ports) p.unref();
  }

  // The dispatch loop runs a few thousand times an epoch; until V8 has optimized it (on this thread and in every
  // worker) it is several times slower, and so were the first hundreds of training steps. Some empty-ish
  // dispatches at start-up (a few ms) pay that up front. They update 64 zero floats in the reserved first page.
  private warmUp(): void {
    if (this.threads === 1) return;
    const scratch = 1024;
    const task: Task = { kernel: 'sgd_update', n: 64, args: [scratch, scratch, 0] };
    const adaptive = this.adaptive;
    this.adaptive = false;
    for (let i = 0; i < 3000; i++) this.run(task, task);
    this.adaptive = adaptive;
    this.stats.dispatches = 0;
    this.stats.waitMs = 0;
    this.left = WINDOW;
  }

  /** A single-threaded pool, made synchronously (no workers to wait for): for callers that cannot await. */
  static createSync(memory: KernelMemory, variant?: KernelVariant): ThreadPool {
    return new ThreadPool(memory, 1, {}, variant ? compileKernels(variant) : kernelModule());
  }

  /**
   * How many chunks a task should be cut into: CHUNKS_PER_THREAD per thread on up to 4 threads, where a stalled
   * thread is the main risk; one per thread beyond, where the per-chunk claim and call overhead (and GEMM tiles cut
   * short) cost more than the balance gained. 1 when single-threaded.
   */
  get chunks(): number {
    if (this.threads === 1) return 1;
    return this.threads <= 4 ? CHUNKS_PER_THREAD * this.threads : this.threads;
  }

  /** Threads the next dispatch will use (1 while falling back under contention). */
  get activeThreads(): number {
    return this.single ? 1 : this.threads;
  }

  /**
   * Runs the tasks, each split over the threads, and returns when all are done. Tasks in one call run without a
   * barrier between them, so they must not read what another task of the same call writes.
   */
  run(...tasks: Task[]): void {
    if (this.closed) throw new Error('ThreadPool: used after close()');
    if (this.threads === 1) {
      for (const t of tasks) this.call(t.kernel, 0, t.n, t.args);
      return;
    }
    const timed = this.adaptive && this.left <= WINDOW;
    const t0 = timed ? performance.now() : 0;
    if (this.single) for (const t of tasks) this.call(t.kernel, 0, t.n, t.args);
    else for (let from = 0; from < tasks.length; from += MAX_TASKS) this.dispatch(tasks.slice(from, from + MAX_TASKS));
    if (timed) this.windowMs += performance.now() - t0;
    if (this.adaptive && --this.left === 0) this.decide();
  }

  // On 2 cores another busy process makes 2 threads slower than 1 (three runnable threads share two cores, and a
  // kernel waits for the slowest). The end of a window: after the current mode's window, probe the other mode; after
  // the probe, keep whichever ran faster for the next stretch.
  private decide(): void {
    const ms = this.windowMs;
    this.windowMs = 0;
    if (!this.probing) {
      this.measured = ms;
      this.probing = true;
      this.single = !this.single;
      this.left = WINDOW;
      return;
    }
    this.probing = false;
    // the probe's mode must be clearly faster (5%) to take over; noise alone should not flip it
    const switchMode = ms < 0.95 * this.measured;
    if (!switchMode) this.single = !this.single;
    this.stretch = switchMode ? STRETCH_MIN : Math.min(STRETCH_MAX, this.stretch * 2);
    if (this.single) this.stats.fallbacks++;
    this.left = this.stretch + WINDOW;
  }

  /** Calls one kernel on the main thread over [s, e). */
  call(kernel: KernelName, s: number, e: number, args: readonly number[]): void {
    if (s < e) this.table[KERNEL_NAMES.indexOf(kernel)](s, e, ...args);
  }

  private dispatch(tasks: Task[]): void {
    const cb = this.cb;
    const { i32, f64 } = cb;
    let total = 0;
    for (let t = 0; t < tasks.length; t++) {
      const task = tasks[t];
      if (task.args.length > ARGS)
        throw new Error(`ThreadPool: ${task.kernel} has ${task.args.length} arguments, max ${ARGS}`);
      const bounds = task.bounds ?? splitEven(task.n, this.chunks);
      const chunks = bounds.length - 1;
      if (chunks < 1 || chunks > MAX_CHUNKS || bounds[0] !== 0 || bounds[chunks] !== task.n) {
        throw new Error(
          `ThreadPool: ${task.kernel} bounds must run from 0 to n = ${task.n} in 1 to ${MAX_CHUNKS} chunks`,
        );
      }
      i32[cb.kernelAt(t)] = KERNEL_NAMES.indexOf(task.kernel);
      i32[cb.chunksAt(t)] = chunks;
      for (let k = 0; k <= chunks; k++) i32[cb.boundAt(t, k)] = bounds[k];
      const a = cb.argAt(t);
      for (let k = 0; k < ARGS; k++) f64[a + k] = k < task.args.length ? task.args[k] : 0;
      total += chunks;
    }
    i32[NTASK] = tasks.length;
    this.seq++;
    const tag = tagOf(this.seq);
    Atomics.store(i32, DONE, 0);
    Atomics.store(i32, CLAIM, tag);
    Atomics.store(i32, SEQ, this.seq);
    Atomics.notify(i32, SEQ);

    // the main thread claims chunks like any worker, then waits only for chunks other threads still hold
    let own = 0;
    let g = -1;
    try {
      for (g = cb.claim(tag, total); g >= 0; g = cb.claim(tag, total)) {
        cb.runChunk(g, this.table);
        own++;
      }
    } catch (err) {
      // a kernel program's other threads may wait at a barrier for this chunk: they stop waiting
      const task = cb.taskOf(g);
      abortProgramAfterTrap(this.memory.memory, task.kernel, task.args);
      // workers may still be inside this dispatch: the pool cannot safely start another one
      this.close();
      throw err;
    }
    Atomics.add(i32, DONE, own);
    const t1 = performance.now();
    let spins = this.spin;
    const mayWait = mainThreadMayWait();
    for (let done = Atomics.load(i32, DONE); done < total; done = Atomics.load(i32, DONE)) {
      if (spins-- <= 0 && mayWait) Atomics.wait(i32, DONE, done, 1);
    }
    // close the dispatch before its descriptors are rewritten: a worker that read CLAIM late must not claim again
    Atomics.store(i32, CLAIM, tag | 0xffff);
    const t2 = performance.now();
    this.stats.dispatches++;
    this.stats.waitMs += t2 - t1;
    if (Atomics.load(i32, ERROR) !== 0) this.raiseWorkerError();
  }

  private raiseWorkerError(): never {
    let msg = 'a kernel worker failed';
    for (const p of this.ports) {
      const m = receiveMessageOnPort(p);
      if (m?.message?.error) msg = m.message.error;
    }
    this.close();
    throw new Error(`radixnet kernel error in a worker thread: ${msg}`);
  }

  /** Stops the workers. The pool cannot be used afterwards. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.cb.i32, STOP, 1);
    Atomics.add(this.cb.i32, SEQ, 1);
    Atomics.notify(this.cb.i32, SEQ);
    for (const w of this.workers) void w.terminate();
    for (const p of this.ports) p.close();
  }
}

let mayWait: boolean | undefined;

/**
 * Whether this thread may block in Atomics.wait. Node, Bun and Deno allow it on the main thread; a runtime that does
 * not (as browsers do not) throws a TypeError before comparing the value, so a wait on a value that is not there
 * tells without blocking.
 */
export function mainThreadMayWait(): boolean {
  if (mayWait === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      mayWait = true;
    } catch {
      mayWait = false;
    }
  }
  return mayWait;
}

/** Splits [0, n) into `parts` contiguous ranges of near-equal length, bounds aligned to `align` (SIMD width). */
export function splitEven(n: number, parts: number, align = 4): Int32Array {
  const b = new Int32Array(parts + 1);
  for (let t = 1; t < parts; t++) b[t] = Math.min(n, Math.round((n * t) / parts / align) * align);
  b[parts] = n;
  return b;
}

/**
 * Splits rows [0, n) into `parts` ranges of near-equal nonzeros, given the CSR prefix `ptr` (n+1 entries): the right
 * split for sparse kernels whose rows have uneven fan-in (pruned or random masks).
 */
export function splitByPrefix(ptr: Int32Array, n: number, parts: number): Int32Array {
  const b = new Int32Array(parts + 1);
  const total = ptr[n] - ptr[0];
  let row = 0;
  for (let t = 1; t < parts; t++) {
    const goal = ptr[0] + (total * t) / parts;
    while (row < n && ptr[row + 1] <= goal) row++;
    b[t] = Math.max(b[t - 1], row);
  }
  b[parts] = n;
  return b;
}
