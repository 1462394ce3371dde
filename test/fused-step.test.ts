// The fused training step (one wasm call per step: gather, forward, loss, backward, optimizer; with threads, one pool
// dispatch of a program with barriers in shared memory) against the same step as separate kernel calls: the weights
// and every step's metrics must be the same bits after a few hundred steps, on 1, 2 and 3 threads, for both kernel
// builds, on dense, RadiX-Net and random masks.
import { expect } from 'chai';
import { Engine } from '../src/engine/engine.js';
import { train } from '../src/engine/train.js';
import { Mlp, type MlpSpec } from '../src/engine/mlp.js';
import type { OptimizerSpec } from '../src/engine/optimizer.js';
import { compileKernels, type KernelVariant } from '../src/kernels/wasm.js';
import { SparseMask } from '../src/topology/mask.js';
import { radixNet } from '../src/topology/radixnet.js';
import { Rng } from '../src/random.js';

function randomMask(nIn: number, nOut: number, density: number, rng: Rng): SparseMask {
  const dense = new Uint8Array(nIn * nOut);
  for (let k = 0; k < dense.length; k++) dense[k] = rng.next() < density ? 1 : 0;
  return SparseMask.fromDense(dense, nIn, nOut);
}

/** Samples whose label depends on the inputs (so the loss moves and the ReLUs switch), 230: the last batch of 20 is 10. */
function data(features: number, classes: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(7);
  const count = 230;
  const x = Float32Array.from({ length: count * features }, () => rng.next());
  const y = Int32Array.from({ length: count }, (_, i) => Math.floor(x[i * features] * classes) % classes);
  return { x, y };
}

interface Trained {
  params: Uint32Array;
  losses: number[];
  fusedSteps: number;
}

async function trainWith(spec: MlpSpec, variant: KernelVariant, threads: number, fused: boolean): Promise<Trained> {
  const engine = await Engine.create({ threads, variant, adaptive: false });
  try {
    const model = new Mlp(engine, spec);
    model.fused = fused;
    const { x, y } = data(spec.layers[0], spec.layers[spec.layers.length - 1]);
    const losses: number[] = [];
    // 12 steps per epoch (11 of 20 samples, one of 10): 25 epochs are 300 steps
    train(model, x, y, {
      epochs: 25,
      batchSize: 20,
      seed: 3,
      onBatchEnd: (_s, _n, m) => void losses.push(m.loss, m.accuracy),
    });
    return {
      params: new Uint32Array(Float32Array.from(model.parameters()).buffer),
      losses,
      fusedSteps: model.fusedSteps,
    };
  } finally {
    engine.close();
  }
}

const rng = new Rng(11);
const lenet = radixNet('10,10/10', [784, 300, 100, 10]);
const CASES: { name: string; spec: MlpSpec }[] = [
  { name: 'dense 100-64-32-10, Adam', spec: { layers: [100, 64, 32, 10], seed: 1 } },
  {
    name: 'RadiX-Net 10,10/10 on LeNet-300-100 (runs and output pairs), Adam',
    spec: { layers: lenet.layers, masks: lenet.masks, seed: 2 },
  },
  {
    name: 'random 10% masks 196-100-50-10, SGD with momentum',
    spec: {
      layers: [196, 100, 50, 10],
      masks: [randomMask(196, 100, 0.1, rng), randomMask(100, 50, 0.1, rng), randomMask(50, 10, 0.3, rng)],
      seed: 3,
      optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } as OptimizerSpec,
    },
  },
  {
    name: 'dense 100-64-32-10 without bias, plain SGD',
    spec: { layers: [100, 64, 32, 10], seed: 4, bias: false, optimizer: { name: 'sgd', lr: 0.1 } as OptimizerSpec },
  },
];

const fmaWhy = ((): string | null => {
  try {
    compileKernels('fma');
    return null;
  } catch (e) {
    return (e as Error).message;
  }
})();

for (const variant of ['simd', 'fma'] as KernelVariant[]) {
  const title = `the fused training step, ${variant === 'fma' ? 'FMA' : 'plain SIMD'} build`;
  describe(variant === 'fma' && fmaWhy ? `${title}: SKIPPED, ${fmaWhy}` : title, function () {
    this.timeout(60000);
    before(function () {
      if (variant === 'fma' && fmaWhy) this.skip();
    });
    for (const { name, spec } of CASES) {
      it(`gives the same weights and metrics, bit for bit, as separate kernel calls, and fused on 2 and 3 threads, over 300 steps: ${name}`, async () => {
        const fusedRun = await trainWith(spec, variant, 1, true);
        const separate = await trainWith(spec, variant, 1, false);
        const twoThreads = await trainWith(spec, variant, 2, true);
        const threeThreads = await trainWith(spec, variant, 3, true);
        expect(threeThreads.fusedSteps).to.equal(300);
        expect(
          Buffer.from(fusedRun.params.buffer).equals(Buffer.from(threeThreads.params.buffer)),
          'fused vs 3 threads',
        ).to.equal(true);
        expect(fusedRun.losses).to.deep.equal(threeThreads.losses);
        expect(fusedRun.losses.length).to.equal(600);
        // the first ran as one wasm call per step, the second as one call per kernel, the third as one dispatch of
        // a program on 2 threads per step
        expect([fusedRun.fusedSteps, separate.fusedSteps, twoThreads.fusedSteps]).to.deep.equal([300, 0, 300]);
        // the weights moved: a step that did nothing would pass the comparisons below
        const initial = new Uint32Array(Float32Array.from(new Mlp(Engine.createSync(), spec).parameters()).buffer);
        expect(fusedRun.params.some((v, k) => v !== initial[k])).to.equal(true);
        expect(
          Buffer.from(fusedRun.params.buffer).equals(Buffer.from(separate.params.buffer)),
          'fused vs separate calls',
        ).to.equal(true);
        expect(
          Buffer.from(fusedRun.params.buffer).equals(Buffer.from(twoThreads.params.buffer)),
          'fused vs 2 threads',
        ).to.equal(true);
        expect(fusedRun.losses).to.deep.equal(separate.losses);
        expect(fusedRun.losses).to.deep.equal(twoThreads.losses);
      });
    }
  });
}

describe('when a training step fuses', () => {
  it('trains on the labels it is given, not the resident ones, when they differ', async () => {
    const engine = await Engine.create({ threads: 1 });
    const model = new Mlp(engine, { layers: [8, 6, 3], batchSize: 4, seed: 1 });
    const x = Float32Array.from({ length: 8 * 8 }, (_, i) => Math.cos(i));
    const y = Int32Array.from({ length: 8 }, (_, i) => i % 3);
    const twin = new Mlp(engine, { layers: [8, 6, 3], batchSize: 4, seed: 1 });
    twin.fused = false;
    const data = model.resident(x, y);
    const other = Int32Array.from(y).reverse();
    // with labels other than the resident ones the step must use the labels given (unfused), as the twin does
    const a = model.trainStepOn(data, other, null, 0, 4);
    const b = twin.trainStepOn(twin.resident(x), other, null, 0, 4);
    expect(a).to.deep.equal(b);
    expect(model.fusedSteps).to.equal(0);
    // with the resident labels it fuses, and still steps as the twin does
    expect(model.trainStepOn(data, y, null, 4, 4)).to.deep.equal(twin.trainStepOn(twin.resident(x), y, null, 4, 4));
    expect(model.fusedSteps).to.equal(1);
    expect(Array.from(model.parameters())).to.deep.equal(Array.from(twin.parameters()));
    engine.close();
  });
});

describe('evaluation on resident rows and labels', () => {
  it('equals evaluation from host arrays bit for bit, and parts in one pass equal each part alone (1 and 2 threads)', async () => {
    for (const threads of [1, 2]) {
      const engine = await Engine.create({ threads, adaptive: false });
      const net = radixNet('10,10/10', [784, 300, 100, 10]);
      const model = new Mlp(engine, { layers: net.layers, masks: net.masks, batchSize: 32, seed: 5 });
      const { x, y } = data(784, 10);
      train_(model, x, y);
      const val = { x: x.subarray(0, 70 * 784), y: y.subarray(0, 70) };
      const test = { x: x.subarray(70 * 784), y: y.subarray(70) };
      const resident = model.resident(x, y);
      const [a, b] = model.evaluateParts(resident, [70, 160]);
      // from host arrays: batches of 32 from each part's start (70 = 32 + 32 + 6, 160 = 5 x 32)
      expect(a).to.deep.equal(model.evaluate(val.x, val.y));
      expect(b).to.deep.equal(model.evaluate(test.x, test.y));
      expect(model.evaluate(resident, y)).to.deep.equal(model.evaluate(x, y));
      expect(a.accuracy).to.be.greaterThan(0);
      resident.release();
      engine.close();
    }
  });

  it('over kept rows (read from a transposed copy in windows, no gather) gives the batched bits, and predictions equal to predict', async () => {
    // 1203 samples: three windows of 512 columns, the last partial; parts that start off a multiple of 4
    const rng = new Rng(21);
    const specs: MlpSpec[] = [
      { layers: [100, 64, 32, 10], seed: 1, batchSize: 50 },
      { layers: lenet.layers, masks: lenet.masks, seed: 2, batchSize: 100 },
      { layers: [196, 100, 50, 10], masks: [randomMask(196, 100, 0.1, rng), null, null], seed: 3, batchSize: 64 },
    ];
    for (const variant of ['simd', 'fma'] as const) {
      for (const threads of [1, 2]) {
        const engine = await Engine.create({ threads, variant, adaptive: false });
        for (const spec of specs) {
          const features = spec.layers[0];
          const count = 1203;
          const x = Float32Array.from({ length: count * features }, () => rng.next());
          const y = Int32Array.from({ length: count }, (_, i) => Math.floor(x[i * features] * 10) % 10);
          const model = new Mlp(engine, spec);
          train(model, x.subarray(0, 200 * features), y.subarray(0, 200), { epochs: 1, batchSize: 20, seed: 1 });
          const what = `${spec.layers.join('-')}, ${variant}, ${threads} thread(s)`;
          const kept = model.keepResident(x, y);
          expect(model.evaluate(kept, y), what).to.deep.equal(model.evaluate(x, y));
          const parts = model.evaluateParts(kept, [3, 601, 599]);
          expect(parts[1], what).to.deep.equal(
            model.evaluate(x.subarray(3 * features, 604 * features), y.subarray(3, 604)),
          );
          expect(parts[2], what).to.deep.equal(model.evaluate(x.subarray(604 * features), y.subarray(604)));
          const both = model.evaluatePredict(kept);
          expect(both.metrics, what).to.deep.equal(model.evaluate(x, y));
          expect(new Uint32Array(both.probabilities.buffer), what).to.deep.equal(
            new Uint32Array(model.predict(x).buffer),
          );
          expect(kept.featureMajor, what).to.not.equal(null);
          model.dispose();
        }
        engine.close();
      }
    }
  });

  it('refuses parts beyond the resident rows', async () => {
    const engine = Engine.createSync();
    const model = new Mlp(engine, { layers: [4, 3], batchSize: 4 });
    const resident = model.resident(new Float32Array(16), [0, 1, 2, 0]);
    expect(() => model.evaluateParts(resident, [3, 2])).to.throw(
      /parts 3, 2 must be whole counts of at least 1, together at most the 4 resident samples/,
    );
  });
});

/** A few steps so the evaluated model is not at its initial weights. */
function train_(model: Mlp, x: Float32Array, y: Int32Array): void {
  train(model, x, y, { epochs: 2, batchSize: 32, seed: 1 });
}
