// Training-speed benchmark of our engine on LeNet-300-100 / MNIST, batch 100, Adam: one epoch = 540 steps of 100.
import { availableParallelism } from 'node:os';
import { Engine } from '../src/engine/engine.js';
import { Mlp, type StepProfile } from '../src/engine/mlp.js';
import { train } from '../src/engine/train.js';
import { radixNet } from '../src/topology/radixnet.js';
import { SparseMask } from '../src/topology/mask.js';
import { Rng } from '../src/random.js';

export const LENET = [784, 300, 100, 10];

/** The sparsity levels of the bench: RadiX-Nets near 0/50/75/90/96%, and a random static mask for 99%. */
export interface BenchTopology {
  name: string;
  masks: (SparseMask | null)[];
  sparsity: number;
}

/** Masks for the bench's sparsity ladder (3-radix RadiX-Nets top out near 97% on LeNet-300-100, so 99% is random). */
export function benchTopologies(): BenchTopology[] {
  const radix = (r: string): BenchTopology => {
    const net = radixNet(r, LENET);
    return { name: r, masks: net.masks, sparsity: net.sparsity };
  };
  const rng = new Rng(99);
  const random = LENET.slice(0, -1).map((nIn, l) => {
    const nOut = LENET[l + 1];
    const dense = new Uint8Array(nIn * nOut);
    for (let k = 0; k < dense.length; k++) dense[k] = rng.next() < 0.01 ? 1 : 0;
    return SparseMask.fromDense(dense, nIn, nOut);
  });
  const nnz = random.reduce((s, m) => s + m.nnz, 0);
  return [
    { name: 'dense', masks: [null, null, null], sparsity: 0 },
    radix('2,2/2'),
    radix('4,4/4'),
    radix('10,10/10'),
    radix('28,28/28'),
    { name: 'random 1%', masks: random, sparsity: 1 - nnz / 266200 },
  ];
}

export interface TrainingRow {
  topology: string;
  sparsity: number;
  threads: number;
  /** Median over repeats of one full epoch (54,000 samples through train, gather included), ms. */
  epochMs: number;
  stepMs: number;
  /** Where a step's time goes (ms per step), from a profiled epoch (phases then run as separate dispatches). */
  profile: Omit<StepProfile, 'steps'>;
  dispatchesPerStep: number;
  /** Floating-point operations of one step's multiply-adds (2 per multiply-add: forward and dW of every layer, dX of
   * all but the first): the step's FLOP floor is this over the peak. */
  stepFlops: number;
  /** On one thread: the same epochs with the step as separate kernel calls (Mlp.fused = false), median ms, measured
   * alternately with the fused ones. */
  unfusedEpochMs?: number;
}

/** A step's multiply-add flops for batch `batch` on these masks (null: dense). */
export function stepFlops(masks: (SparseMask | null)[], sizes: readonly number[], batch: number): number {
  return masks.reduce((f, m, l) => f + 2 * batch * (m?.nnz ?? sizes[l] * sizes[l + 1]) * (l > 0 ? 3 : 2), 0);
}

/** Trains one epoch per repeat for each topology and thread count on (x, y): 54,000 MNIST samples. */
export async function benchTraining(
  x: Float32Array,
  y: Uint8Array,
  opts: { repeats?: number; log?: (s: string) => void } = {},
): Promise<TrainingRow[]> {
  const repeats = opts.repeats ?? 3;
  const all = availableParallelism();
  const threadCounts = all > 1 ? [1, all] : [1];
  const rows: TrainingRow[] = [];
  for (const threads of threadCounts) {
    const engine = await Engine.create({ threads, adaptive: false });
    for (const topo of benchTopologies()) {
      const model = new Mlp(engine, { layers: LENET, masks: topo.masks, batchSize: 100, seed: 1 });
      const times: number[] = [];
      const unfused: number[] = [];
      // one warm-up epoch's worth of steps lets V8 tier the JS up and fault the pages in
      train(model, x.subarray(0, 5400 * 784), y.subarray(0, 5400), { epochs: 1, batchSize: 100 });
      const d0 = engine.pool.stats.dispatches;
      for (let r = 0; r < repeats; r++) {
        const h = train(model, x, y, { epochs: 1, batchSize: 100, seed: r });
        times.push(h.epochs[0].seconds * 1000);
        if (threads === 1) {
          // side by side: the unfused step right after the fused one, under the same load
          model.fused = false;
          unfused.push(train(model, x, y, { epochs: 1, batchSize: 100, seed: r }).epochs[0].seconds * 1000);
          model.fused = true;
        }
      }
      const dispatches = (engine.pool.stats.dispatches - d0) / (repeats * 540) / (threads === 1 ? 2 : 1);
      model.profile = { gather: 0, forward: 0, loss: 0, gradInput: 0, gradWeights: 0, optimizer: 0, steps: 0 };
      train(model, x, y, { epochs: 1, batchSize: 100 });
      const p = model.profile;
      const per = (v: number): number => v / p.steps;
      const epochMs = median(times);
      rows.push({
        topology: topo.name,
        sparsity: topo.sparsity,
        threads,
        epochMs,
        stepMs: epochMs / 540,
        dispatchesPerStep: dispatches,
        stepFlops: stepFlops(topo.masks, LENET, 100),
        ...(threads === 1 ? { unfusedEpochMs: median(unfused) } : {}),
        profile: {
          gather: per(p.gather),
          forward: per(p.forward),
          loss: per(p.loss),
          gradInput: per(p.gradInput),
          gradWeights: per(p.gradWeights),
          optimizer: per(p.optimizer),
        },
      });
      opts.log?.(`  ours ${topo.name.padEnd(10)} ${threads} thread(s): ${epochMs.toFixed(0)} ms/epoch`);
      model.dispose();
    }
    engine.close();
  }
  return rows;
}

/** Cost of one empty dispatch round trip on `threads` threads (us): the floor under every kernel call. */
export async function benchDispatch(threads: number): Promise<number> {
  const engine = await Engine.create({ threads, adaptive: false });
  const p = engine.memory.allocF32(64);
  const task = { kernel: 'sgd_update' as const, n: 64, args: [p, p, 0] };
  for (let i = 0; i < 2000; i++) engine.pool.run(task);
  const t0 = performance.now();
  const n = 20000;
  for (let i = 0; i < n; i++) engine.pool.run(task);
  const us = ((performance.now() - t0) * 1000) / n;
  engine.close();
  return us;
}

export function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
