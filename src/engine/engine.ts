// The engine: one shared kernel memory and one thread pool, on which any number of models live side by side.
import { KernelMemory } from '../kernels/memory.js';
import { ThreadPool, type PoolOptions } from '../kernels/pool.js';

export class Engine {
  private constructor(
    readonly memory: KernelMemory,
    readonly pool: ThreadPool,
  ) {}

  /** Starts an engine: allocates the shared memory and starts `threads - 1` workers (see PoolOptions). */
  static async create(opts: PoolOptions & { initialBytes?: number } = {}): Promise<Engine> {
    const memory = new KernelMemory(opts.initialBytes);
    const pool = await ThreadPool.create(memory, opts);
    return new Engine(memory, pool);
  }

  /** A single-threaded engine, made synchronously: for synchronous callers such as tfjs kernels. */
  static createSync(opts: { initialBytes?: number } = {}): Engine {
    const memory = new KernelMemory(opts.initialBytes);
    return new Engine(memory, ThreadPool.createSync(memory));
  }

  get threads(): number {
    return this.pool.threads;
  }

  /** Stops the workers; models of this engine cannot train or predict afterwards. */
  close(): void {
    this.pool.close();
  }
}
