// tfjs paths vs our fast path, on LeNet-300-100 (784-300-100-10), batch 100, for the RadiX-Net 10,10/10 and dense:
//   op fwd+bwd      the three layers' matmuls and their gradients (tf.grads over the kernels), no optimizer:
//                   RadixMatMul (our kernels) vs tf.matMul(x, kernel * mask) (the paper's masked-dense way)
//   model.fit step  one tfjs training step (model.trainOnBatch, Adam): radixDense with RadixMatMul vs masked dense
//   copies          of the RadixMatMul step above: time moving data between tfjs' memory and ours
//   radixnet.fit step    the same model trained by our engine (radixnet.fit), 1 thread and all cores
// on tfjs' cpu and wasm backends. Run: `node dist/bench/tfjs.js` (table; `--json` for JSON); bench/run.ts imports
// benchTfjs().
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../src/random.js';
import { radixModel } from '../src/tfjs/model.js';
import { fit } from '../src/tfjs/fit.js';
import { Mask } from '../src/tfjs/mask.js';
import { radixMatMul, profileRadixOps } from '../src/tfjs/ops/radix_matmul.js';
import { useBackend } from '../src/tfjs/backends.js';

export interface Row {
  /** What was timed, e.g. 'model.fit step, RadixMatMul'. */
  name: string;
  /** tfjs backend, or 'ours' for our engine. */
  backend: string;
  /** '10,10/10' or 'dense'. */
  topology: string;
  shape: string;
  /** Median time per step, ms. */
  ms: number;
  /** Useful GFLOP/s: 2 per multiply-add on the mask's nonzeros only (masked-dense paths do more work for the same). */
  gflops: number | null;
  /** Speedup over the baseline named in `baseline`: its ms / this row's ms. */
  ratio: number | null;
  baseline: string | null;
}

const LAYERS = [784, 300, 100, 10];
const BATCH = 100;
const SHAPE = '784-300-100-10, batch 100';
const TOPOLOGIES = ['10,10/10', 'dense'];

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function randomBatch(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 784);
  for (let k = 0; k < x.length; k++) x[k] = rng.next();
  const y = new Float32Array(n);
  for (let b = 0; b < n; b++) y[b] = rng.int(10);
  return { x, y };
}

/** Useful flops of one step: forward and dW on every layer, dX on all but the first. */
function stepFlops(masks: Mask[]): number {
  const nnz = masks.map((m) => m.nnz);
  return 2 * BATCH * (2 * nnz.reduce((s, n) => s + n, 0) + nnz.slice(1).reduce((s, n) => s + n, 0));
}

async function timeSteps(steps: number, warmup: number, step: () => Promise<void> | void): Promise<number> {
  for (let k = 0; k < warmup; k++) await step();
  const times: number[] = [];
  for (let k = 0; k < steps; k++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Forward and backward of the three layers' matmuls (ReLU between), gradients w.r.t. the kernels. */
function opStep(masks: Mask[], kernels: tf.Tensor2D[], x: tf.Tensor2D, r: tf.Tensor2D, ours: boolean): void {
  tf.tidy(() => {
    const f = (...ks: tf.Tensor[]): tf.Scalar => {
      let a: tf.Tensor2D = x;
      ks.forEach((k, l) => {
        const y: tf.Tensor2D = ours ? radixMatMul(a, k as tf.Tensor2D, masks[l]) : tf.matMul(a, masks[l].apply(k));
        a = l < ks.length - 1 ? tf.relu(y) : y;
      });
      return tf.sum(tf.mul(a, r));
    };
    const grads = tf.grads(f)(kernels);
    grads.forEach((g) => g.dataSync());
  });
}

/** Runs every measurement; `log` gets a line as each finishes. */
export async function benchTfjs(opts: { steps?: number; log?: (line: string) => void } = {}): Promise<Row[]> {
  const steps = opts.steps ?? 15;
  const log = opts.log ?? (() => {});
  const rows: Row[] = [];
  const add = (row: Omit<Row, 'gflops' | 'ratio' | 'baseline'>, flops: number, baseline: string | null): void => {
    const base = baseline
      ? rows.find(
          (r) =>
            r.name === baseline.split(' @ ')[0] &&
            r.backend === baseline.split(' @ ')[1] &&
            r.topology === row.topology,
        )
      : undefined;
    const full: Row = {
      ...row,
      gflops: flops / (row.ms * 1e6),
      ratio: base ? base.ms / row.ms : null,
      baseline: base ? baseline : null,
    };
    rows.push(full);
    log(
      `${row.topology.padEnd(9)} ${row.backend.padEnd(5)} ${row.name.padEnd(36)} ${row.ms.toFixed(2).padStart(9)} ms${full.ratio ? `  x${full.ratio.toFixed(2)} vs ${baseline}` : ''}`,
    );
  };
  const { x: xs, y: ys } = randomBatch(BATCH, 1);
  const big = randomBatch(54 * BATCH, 2);

  for (const topology of TOPOLOGIES) {
    const masks =
      topology === 'dense'
        ? LAYERS.slice(0, -1).map((n, l) => Mask.full(n, LAYERS[l + 1]))
        : Mask.radix(topology, LAYERS);
    const flops = stepFlops(masks);
    const opFlops = flops; // the op benchmark computes the same products (kernel grads, dX of layers 1 and 2)
    for (const backend of ['cpu', 'wasm']) {
      await useBackend(backend);
      const x = tf.tensor2d(xs, [BATCH, 784]);
      const y = tf.tensor1d(ys);
      const rng = new Rng(3);
      const kernels = masks.map((m) =>
        tf.tensor2d(rng.fillNormal(new Float32Array(m.nIn * m.nOut), 0, 0.05), [m.nIn, m.nOut]),
      );
      const r = tf.tensor2d(rng.fillNormal(new Float32Array(BATCH * 10)), [BATCH, 10]);

      const maskedOp = 'op fwd+bwd, tf.matMul(x, k*mask)';
      add(
        {
          name: maskedOp,
          backend,
          topology,
          shape: SHAPE,
          ms: await timeSteps(steps, 3, () => opStep(masks, kernels, x, r, false)),
        },
        opFlops,
        null,
      );
      add(
        {
          name: 'op fwd+bwd, RadixMatMul',
          backend,
          topology,
          shape: SHAPE,
          ms: await timeSteps(steps, 3, () => opStep(masks, kernels, x, r, true)),
        },
        opFlops,
        `${maskedOp} @ ${backend}`,
      );

      const maskedFit = 'model.fit step, masked dense';
      const fitOf = async (implementation: 'auto' | 'masked'): Promise<number> => {
        const model = radixModel({ radices: topology, layers: LAYERS, implementation, seed: 1 });
        const ms = await timeSteps(steps, 3, async () => void (await model.trainOnBatch(x, y)));
        model.dispose();
        return ms;
      };
      add({ name: maskedFit, backend, topology, shape: SHAPE, ms: await fitOf('masked') }, flops, null);
      const profile = profileRadixOps(true)!;
      const radixMs = await fitOf('auto');
      profileRadixOps(false);
      add(
        { name: 'model.fit step, RadixMatMul', backend, topology, shape: SHAPE, ms: radixMs },
        flops,
        `${maskedFit} @ ${backend}`,
      );
      // copies over every step run (warmup included) of that fit: steps + 3
      const n = steps + 3;
      const kernelMs = profile.kernels / n;
      rows.push({
        name: 'copies tfjs <-> our memory per step',
        backend,
        topology,
        shape: SHAPE,
        ms: (profile.copyIn + profile.copyOut) / n,
        gflops: null,
        ratio: null,
        baseline: null,
      });
      rows.push({
        name: 'our kernels per step (in that step)',
        backend,
        topology,
        shape: SHAPE,
        ms: kernelMs,
        gflops: flops / (kernelMs * 1e6),
        ratio: null,
        baseline: null,
      });
      log(
        `${topology.padEnd(9)} ${backend.padEnd(5)} copies ${rows[rows.length - 2].ms.toFixed(2)} ms, kernels ${rows[rows.length - 1].ms.toFixed(2)} ms per step`,
      );
      tf.dispose([x, y, r, ...kernels]);
    }

    await useBackend('cpu');
    const bx = tf.tensor2d(big.x, [big.y.length, 784]);
    const by = tf.tensor1d(big.y);
    for (const threads of [...new Set([1, availableParallelism()])]) {
      const model = radixModel({ radices: topology, layers: LAYERS, seed: 1 });
      const times: number[] = [];
      for (let rep = 0; rep < 3; rep++) {
        const h = await fit(model, bx, by, { epochs: 1, batchSize: BATCH, threads, verbose: 0 });
        times.push((h.seconds[0] * 1000) / 54);
      }
      add(
        {
          name: `radixnet.fit step, ${threads} thread${threads > 1 ? 's' : ''}`,
          backend: 'ours',
          topology,
          shape: SHAPE,
          ms: median(times),
        },
        flops,
        'model.fit step, masked dense @ cpu',
      );
      model.dispose();
    }
    tf.dispose([bx, by]);
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const json = process.argv.includes('--json');
  const rows = await benchTfjs({ log: json ? undefined : (line) => console.log(line) });
  if (json) console.log(JSON.stringify(rows, null, 2));
  else {
    console.log();
    console.log(
      `${'topology'.padEnd(9)} ${'backend'.padEnd(7)} ${'what'.padEnd(38)} ${'ms/step'.padStart(8)} ${'GFLOP/s'.padStart(8)}  ratio`,
    );
    for (const r of rows) {
      console.log(
        `${r.topology.padEnd(9)} ${r.backend.padEnd(7)} ${r.name.padEnd(38)} ${r.ms.toFixed(2).padStart(8)} ${(r.gflops === null ? '-' : r.gflops.toFixed(2)).padStart(8)}  ${r.ratio === null ? '' : `x${r.ratio.toFixed(1)} vs ${r.baseline}`}`,
      );
    }
  }
}
