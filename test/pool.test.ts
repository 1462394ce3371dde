import { expect } from 'chai';
import { KernelMemory } from '../src/kernels/memory.js';
import { ThreadPool, splitByPrefix, splitEven, resolveThreads } from '../src/kernels/pool.js';
import { InputError } from '../src/errors.js';

describe('thread pool: chunks claimed by every thread over one shared memory', () => {
  let mem: KernelMemory;
  let pool: ThreadPool;
  before(async () => {
    mem = new KernelMemory();
    pool = await ThreadPool.create(mem, { threads: 2, adaptive: false });
  });
  after(() => pool.close());

  it('runs every chunk of every task exactly once (uneven and empty chunks, more tasks than one dispatch holds)', () => {
    const n = 1003;
    const tasks = Array.from({ length: 6 }, (_, t) => {
      const w = mem.putF32(Array.from({ length: n }, (_, i) => i));
      const g = mem.putF32(new Float32Array(n).fill(1));
      // chunk bounds with an empty chunk, a one-element chunk and a long tail
      const bounds = Int32Array.of(0, 0, 1, 1, 500, 997, n);
      return { w, task: { kernel: 'sgd_update' as const, n, args: [w, g, t + 1], bounds } };
    });
    pool.run(...tasks.map((t) => t.task));
    tasks.forEach(({ w }, t) => {
      // each element updated once: w = i - (t + 1); twice or never would show
      mem.f32(w, n).forEach((v, i) => expect(v, `task ${t} element ${i}`).to.equal(i - (t + 1)));
    });
  });

  it('gives the same result over thousands of back-to-back dispatches as one thread would', () => {
    const n = 64;
    const w = mem.putF32(new Float32Array(n));
    const g = mem.putF32(new Float32Array(n).fill(1));
    for (let i = 0; i < 5000; i++) pool.run({ kernel: 'sgd_update', n, args: [w, g, 1] });
    mem.f32(w, n).forEach((v) => expect(v).to.equal(-5000));
  });

  it('rejects bounds that do not cover [0, n)', () => {
    expect(() => pool.run({ kernel: 'sgd_update', n: 10, args: [0, 0, 0], bounds: Int32Array.of(0, 5, 9) })).to.throw(
      /bounds must run from 0 to n = 10/,
    );
  });

  it('splits evenly on SIMD boundaries and by nonzeros', () => {
    expect(Array.from(splitEven(100, 4))).to.deep.equal([0, 24, 52, 76, 100]);
    // rows with 10, 0, 0, 30, 10 nonzeros: two parts of ~25 nonzeros each split after row 3
    expect(Array.from(splitByPrefix(Int32Array.of(0, 10, 10, 10, 40, 50), 5, 2))).to.deep.equal([0, 3, 5]);
  });

  it('validates the thread count', () => {
    expect(() => resolveThreads(0)).to.throw(InputError, /threads must be an integer from 1 to 64, got 0/);
    expect(resolveThreads(3)).to.equal(3);
  });
});
