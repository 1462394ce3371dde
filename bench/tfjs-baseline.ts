// The paper's way of training a masked model, on tfjs' own backends: dense kernels multiplied by the 0/1 mask every
// step (tf.matMul(x, kernel * mask)), model.trainOnBatch with Adam. The baseline our engine is compared against.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../src/random.js';
import { backendUnavailable, useBackend } from '../src/tfjs/backends.js';
import { Mask } from '../src/tfjs/mask.js';
import { radixModel } from '../src/tfjs/model.js';
import type { BenchTopology } from './training.js';
import { median } from './training.js';

export interface TfjsRow {
  backend: string;
  topology: string;
  sparsity: number;
  /** Median ms per training step (batch 100), or null with `skipped` saying why. */
  stepMs: number | null;
  /** stepMs x 540 steps: one epoch of 54,000 samples. */
  epochMs: number | null;
  skipped?: string;
}

/** Times `steps` masked-dense trainOnBatch steps (after 2 warm-ups) per topology on each backend that is available. */
export async function benchTfjsBaseline(
  topologies: BenchTopology[],
  backends: string[],
  opts: { steps?: Record<string, number>; log?: (s: string) => void } = {},
): Promise<TfjsRow[]> {
  const rows: TfjsRow[] = [];
  const rng = new Rng(5);
  const xs = new Float32Array(100 * 784).map(() => rng.next());
  const ys = new Float32Array(100).map(() => rng.int(10));
  for (const backend of backends) {
    const why = await backendUnavailable(backend);
    if (why) {
      for (const t of topologies)
        rows.push({ backend, topology: t.name, sparsity: t.sparsity, stepMs: null, epochMs: null, skipped: why });
      opts.log?.(`  tfjs ${backend}: skipped (${why})`);
      continue;
    }
    await useBackend(backend);
    const steps = opts.steps?.[backend] ?? 10;
    for (const t of topologies) {
      const masks = t.masks.map((m) => (m ? Mask.fromSparse(m) : null));
      const model = radixModel({ masks, implementation: 'masked', seed: 1 });
      const x = tf.tensor2d(xs, [100, 784]);
      const y = tf.tensor1d(ys);
      const times: number[] = [];
      for (let s = 0; s < steps + 2; s++) {
        const t0 = performance.now();
        await model.trainOnBatch(x, y);
        if (s >= 2) times.push(performance.now() - t0);
      }
      x.dispose();
      y.dispose();
      model.dispose();
      const stepMs = median(times);
      rows.push({ backend, topology: t.name, sparsity: t.sparsity, stepMs, epochMs: stepMs * 540 });
      opts.log?.(`  tfjs ${backend} ${t.name.padEnd(10)} ${stepMs.toFixed(1)} ms/step`);
    }
  }
  return rows;
}
