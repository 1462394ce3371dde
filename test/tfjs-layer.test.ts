// radixDense, radixModel, the Mask utility, the fast path and save/load, checked against tfjs' own training loop.
import { expect } from 'chai';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../src/errors.js';
import { Rng } from '../src/random.js';
import { radixNet } from '../src/topology/radixnet.js';
import { Mask } from '../src/tfjs/mask.js';
import { RadixDense, radixDense } from '../src/tfjs/layer.js';
import { radixModel, saveModel, loadModel } from '../src/tfjs/model.js';
import { fit } from '../src/tfjs/fit.js';
import { useBackend, loadTfjsNode } from '../src/tfjs/backends.js';
import { compare } from '../src/suite/compare.js';
import { fileURLToPath } from 'node:url';
import { runIn } from './helpers/cli.js';

const LENET = [784, 300, 100, 10];

function data(n: number, features: number, classes: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * features);
  // centred inputs keep most ReLUs alive for some samples, so most weights get a gradient
  for (let k = 0; k < x.length; k++) x[k] = 2 * rng.next() - 1;
  const y = new Float32Array(n);
  for (let b = 0; b < n; b++) y[b] = rng.int(classes);
  return { x: tf.tensor2d(x, [n, features]), y: tf.tensor1d(y) };
}

function kernels(model: tfl.LayersModel): Float32Array[] {
  return model.layers.map((l) => l.getWeights()[0].dataSync() as Float32Array);
}

function masksOf(model: tfl.LayersModel): Uint8Array[] {
  return model.layers.map((l) => (l as RadixDense).mask.toArray());
}

/** Number of kernel entries off the mask that are not exactly zero. */
function offMaskNonzeros(model: tfl.LayersModel): number {
  const ms = masksOf(model);
  let bad = 0;
  kernels(model).forEach((k, l) => k.forEach((v, i) => (bad += !ms[l][i] && v !== 0 ? 1 : 0)));
  return bad;
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let d = 0;
  a.forEach((arr, l) => arr.forEach((v, i) => (d = Math.max(d, Math.abs(v - b[l][i])))));
  return d;
}

describe("tfjs radixModel: the paper's CustomModel", function () {
  before(async () => {
    await useBackend('cpu');
  });

  it('has one RadixDense per RadiX-Net layer: no bias, ReLU, ReLU, softmax, normal(0.05) on the mask, zeros off it', () => {
    const model = radixModel({ radices: '10,10/10', layers: LENET, seed: 7 });
    const net = radixNet('10,10/10', LENET);
    expect(model.layers.map((l) => l.getClassName())).to.deep.equal(['RadixDense', 'RadixDense', 'RadixDense']);
    expect(model.layers.map((l) => l.getConfig().activation)).to.deep.equal(['relu', 'relu', 'softmax']);
    model.layers.forEach((layer, l) => {
      const r = layer as RadixDense;
      expect(r.useBias).to.equal(false);
      expect(layer.getWeights()).to.have.length(1);
      expect(r.mask.sparse.equals(net.masks[l])).to.equal(true);
    });
    expect(offMaskNonzeros(model)).to.equal(0);
    const k0 = kernels(model)[0];
    const on = masksOf(model)[0];
    let n = 0,
      sum = 0,
      sq = 0;
    k0.forEach((v, i) => {
      if (on[i]) {
        n++;
        sum += v;
        sq += v * v;
      }
    });
    // 23,520 draws: the sample std of normal(0, 0.05) is within 1% with overwhelming probability
    expect(Math.sqrt(sq / n - (sum / n) ** 2)).to.be.closeTo(0.05, 0.0025);
    expect(model.optimizer.getClassName()).to.equal('Adam');
    expect(model.optimizer.getConfig()).to.include({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(model.loss).to.equal('sparseCategoricalCrossentropy');
  });

  it('draws the same initial weights for the same seed and different ones for another', () => {
    const a = kernels(radixModel({ seed: 1 }));
    const b = kernels(radixModel({ seed: 1 }));
    const c = kernels(radixModel({ seed: 2 }));
    expect(maxAbsDiff(a, b)).to.equal(0);
    expect(maxAbsDiff(a, c)).to.be.above(0.01);
  });
});

for (const [backend, implementation] of [
  ['cpu', 'auto'],
  ['wasm', 'auto'],
  ['cpu', 'masked'],
] as const) {
  describe(`tfjs model.fit on ${backend} with the ${implementation === 'auto' ? 'RadixMatMul op' : "masked-dense kernel (the paper's way)"}`, function () {
    before(async () => {
      await useBackend(backend);
    });
    after(async () => {
      await useBackend('cpu');
    });

    it('keeps masked weights exactly zero through 10 Adam steps while the others move', async () => {
      // 196 inputs instead of 784: the same RadiX-Net trimmed to a quarter of LeNet's first layer, so the masked-dense
      // kernel's dense first-layer matmul on the cpu backend costs a quarter
      const model = radixModel({ radices: '10,10/10', layers: [196, 300, 100, 10], implementation, seed: 3 });
      const before = kernels(model);
      const { x, y } = data(1000, 196, 10, 1);
      await model.fit(x, y, { epochs: 1, batchSize: 100, verbose: 0 });
      expect(offMaskNonzeros(model)).to.equal(0);
      const after = kernels(model);
      const on = masksOf(model);
      after.forEach((k, l) => {
        let moved = 0,
          total = 0;
        k.forEach((v, i) => {
          if (on[l][i]) {
            total++;
            moved += v !== before[l][i] ? 1 : 0;
          }
        });
        // deterministic data and init; weights that do not move sit behind ReLUs dead for all 1000 samples
        expect(moved / total, `layer ${l}: fraction of weights on the mask that changed`).to.be.above(0.1);
      });
    });
  });
}

describe('tfjs radixDense: the mask is enforced on every write', function () {
  before(async () => {
    await useBackend('cpu');
  });

  it('masks a dense kernel given to setWeights or model.setWeights', () => {
    const model = radixModel({ radices: '10,10/10', compile: false });
    const ones = model.layers.map((l) => tf.ones(l.getWeights()[0].shape));
    model.layers[0].setWeights([ones[0]]);
    model.setWeights(ones);
    expect(offMaskNonzeros(model)).to.equal(0);
    expect(kernels(model)[1].reduce((s, v) => s + v, 0)).to.equal(masksOf(model)[1].reduce((s, v) => s + v, 0));
  });

  it('follows the same SGD trajectory with RadixMatMul as with tf.matMul(x, kernel * mask)', async () => {
    const { x, y } = data(500, 784, 10, 2);
    const run = async (implementation: 'auto' | 'masked'): Promise<Float32Array[]> => {
      const model = radixModel({ radices: '10,10/10', implementation, seed: 5, compile: false });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
      await model.fit(x, y, { epochs: 1, batchSize: 100, shuffle: false, verbose: 0 });
      return kernels(model);
    };
    const ours = await run('auto');
    const theirs = await run('masked');
    // the same 5 steps; only float32 summation order differs (weights ~0.05, updates ~1e-3): 1e-6 is ~100 ulps
    expect(maxAbsDiff(ours, theirs)).to.be.below(1e-6);
    expect(maxAbsDiff(ours, kernels(radixModel({ seed: 5, compile: false })))).to.be.above(1e-4);
  });

  it('works in a tf.sequential next to tfjs layers, with a bias and any 0/1 mask', async () => {
    const mask = Mask.random(20, 8, 0.25, 9);
    const model = tfl.sequential({
      layers: [
        radixDense({ mask, activation: 'tanh', inputShape: [20] }),
        tfl.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const { x, y } = data(64, 20, 3, 4);
    await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    const k = model.layers[0].getWeights()[0].dataSync();
    const on = mask.toArray();
    k.forEach((v, i) => {
      if (!on[i]) expect(v).to.equal(0);
    });
    expect(model.layers[0].getWeights()[1].shape).to.deep.equal([8]);
    expect((model.predict(x) as tf.Tensor).shape).to.deep.equal([64, 3]);
  });
});

describe('radixnet.fit: the same training on our engine', function () {
  before(async () => {
    await useBackend('cpu');
  });

  it("follows model.fit's SGD trajectory and returns a history of the same shape", async () => {
    const { x, y } = data(600, 784, 10, 3);
    const make = (): tfl.Sequential => {
      const m = radixModel({ radices: '10,10/10', seed: 8, compile: false });
      m.compile({ optimizer: tf.train.sgd(0.05), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const a = make();
    const b = make();
    const opts = { epochs: 2, batchSize: 100, shuffle: false, validationSplit: 0.2 };
    const ha = await a.fit(x, y, { ...opts, verbose: 0 });
    const hb = await fit(b, x, y, opts);
    expect(Object.keys(hb.history).sort()).to.deep.equal(Object.keys(ha.history).sort());
    expect(hb.epoch).to.deep.equal(ha.epoch);
    expect(hb.params.samples).to.equal(ha.params.samples);
    for (const key of Object.keys(ha.history)) {
      (ha.history[key] as number[]).forEach((v, e) =>
        expect(hb.history[key][e], `${key} epoch ${e}`).to.be.closeTo(v, 1e-4),
      );
    }
    // 8 steps in float32 by two different codes (fused softmax/xent vs tfjs ops): differences of ~1e-7 per step
    expect(maxAbsDiff(kernels(b), kernels(a))).to.be.below(1e-5);
    expect(offMaskNonzeros(b)).to.equal(0);
  });

  it("keeps Adam's state between calls: two 1-epoch calls equal one 2-epoch call", async () => {
    const { x, y } = data(300, 784, 10, 5);
    const a = radixModel({ seed: 9 });
    const b = radixModel({ seed: 9 });
    await fit(a, x, y, { epochs: 2, batchSize: 100, shuffle: false });
    await fit(b, x, y, { epochs: 1, batchSize: 100, shuffle: false });
    await fit(b, x, y, { epochs: 1, batchSize: 100, shuffle: false });
    expect(maxAbsDiff(kernels(a), kernels(b))).to.equal(0);
  });

  it('copies weights in again when they changed outside it', async () => {
    const { x, y } = data(200, 784, 10, 6);
    const model = radixModel({ seed: 10 });
    const initial = model.getWeights().map((w) => w.clone());
    await fit(model, x, y, { epochs: 1, batchSize: 100, shuffle: false });
    const first = kernels(model);
    model.setWeights(initial);
    await fit(model, x, y, { epochs: 1, batchSize: 100, shuffle: false });
    expect(maxAbsDiff(kernels(model), first)).to.equal(0);
  });

  it('refuses models it cannot run, saying what to use instead', async () => {
    const { x, y } = data(10, 20, 3, 7);
    const tanh = tfl.sequential({
      layers: [radixDense({ mask: Mask.full(20, 3), activation: 'tanh', inputShape: [20] })],
    });
    tanh.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    let err: unknown;
    await fit(tanh, x, y).catch((e) => (err = e));
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(/activation tanh; .*use model.fit/);
    const ok = tfl.sequential({
      layers: [radixDense({ mask: Mask.full(20, 3), activation: 'softmax', inputShape: [20] })],
    });
    ok.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    err = undefined;
    await fit(ok, tf.cast(x, 'int32'), y).catch((e) => (err = e));
    expect((err as Error).message).to.match(/x has dtype int32; it must be float32/);
  });
});

describe('tfjs save and load', function () {
  let dir: string;
  before(async () => {
    await useBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'radixnet-tfjs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const models: [string, () => tfl.LayersModel][] = [
    ['a RadiX-Net (stored as its recipe)', () => radixModel({ radices: '10,10/10', seed: 11 })],
    [
      'random and magnitude-pruned masks (stored as bits)',
      () =>
        radixModel({
          layers: [50, 20, 5],
          seed: 12,
          masks: [
            Mask.random(50, 20, 0.3, 4),
            Mask.magnitude(new Rng(5).fillNormal(new Float32Array(100)), 0.5, [20, 5]),
          ],
        }),
    ],
  ];
  for (const [what, make] of models) {
    it(`gives identical predictions and masks after a round trip: ${what}`, async () => {
      const model = make();
      const n0 = (model.layers[0] as RadixDense).mask.nIn;
      const { x, y } = data(40, n0, 5, 13);
      await model.fit(x, y, { epochs: 1, batchSize: 20, verbose: 0 });
      const path = join(dir, what.replace(/\W+/g, '-'));
      await saveModel(model, path, { includeOptimizer: true });
      const loaded = await loadModel(path);
      expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).to.deep.equal(
        Array.from((model.predict(x) as tf.Tensor).dataSync()),
      );
      loaded.layers.forEach((l, i) => {
        expect(l).to.be.instanceOf(RadixDense);
        expect((l as RadixDense).mask.equals((model.layers[i] as RadixDense).mask)).to.equal(true);
      });
      // saved with its optimizer: it trains on without a compile, the same step as the original (tfjs recomputes
      // Adam's beta powers on load as pow(beta, t) rather than a running product: a few ulps of 1e-3 steps)
      expect(loaded.optimizer.getClassName()).to.equal('Adam');
      await loaded.fit(x, y, { epochs: 1, batchSize: 40, shuffle: false, verbose: 0 });
      await model.fit(x, y, { epochs: 1, batchSize: 40, shuffle: false, verbose: 0 });
      expect(maxAbsDiff(kernels(loaded), kernels(model))).to.be.below(1e-7);
      expect(offMaskNonzeros(loaded)).to.equal(0);
    });
  }

  it('stores a RadiX-Net mask in a few bytes of model.json', async () => {
    const path = join(dir, 'small');
    await saveModel(radixModel({ seed: 1 }), path);
    const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
    const cfg = json.modelTopology.config.layers[0].config;
    expect(cfg.mask).to.deep.equal({ type: 'radix', radices: '10,10/10', layers: LENET, layer: 0 });
  });

  it('handles file:// URLs in model.save and tf.loadLayersModel without tfjs-node', async () => {
    const model = radixModel({ layers: [50, 20, 5], masks: [Mask.random(50, 20, 0.2, 1), null], seed: 2 });
    const url = `file://${join(dir, 'url')}`;
    await model.save(url);
    const loaded = await tfl.loadLayersModel(`${url}/model.json`);
    const { x } = data(7, 50, 5, 3);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).to.deep.equal(
      Array.from((model.predict(x) as tf.Tensor).dataSync()),
    );
  });

  it('names the path when there is no saved model', async () => {
    let err: unknown;
    await loadModel(join(dir, 'nothing-here')).catch((e) => (err = e));
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(/no saved model at .*nothing-here/);
  });
});

describe('tfjs Mask utility and radixDense arguments', function () {
  it('draws random masks with exactly round(density * size) connections, reproducibly', () => {
    const a = Mask.random(30, 20, 0.1, 1);
    expect(a.nnz).to.equal(60);
    expect(a.equals(Mask.random(30, 20, 0.1, 1))).to.equal(true);
    expect(a.equals(Mask.random(30, 20, 0.1, 2))).to.equal(false);
  });

  it('keeps the largest magnitudes when pruning', () => {
    const m = Mask.magnitude([0.1, -5, 0.3, 2, -0.2, 0], 0.5, [2, 3]);
    expect(Array.from(m.toArray())).to.deep.equal([0, 1, 1, 1, 0, 0]);
  });

  it('rejects a damaged saved mask', () => {
    const spec = Mask.random(10, 10, 0.5, 1).spec as { bits: string };
    expect(() => Mask.decode({ ...spec, bits: spec.bits.slice(0, -6) } as never)).to.throw(
      InputError,
      /saved model is damaged/,
    );
    expect(() => Mask.decode({ ...spec, bits: 'ABC' } as never)).to.throw(InputError, /not lowercase base32/);
  });

  it("rejects a mask that does not fit the layer's input, units or layer index", () => {
    const mask = Mask.radix('10,10/10', LENET)[0];
    expect(() => tfl.sequential({ layers: [radixDense({ mask, inputShape: [100] })] })).to.throw(
      InputError,
      /input has 100 features but the mask is \[784, 300\]/,
    );
    expect(() => radixDense({ mask, units: 200 })).to.throw(InputError, /units is 200 but the mask has 300 outputs/);
    expect(() => radixDense({ radices: '10,10/10', layers: LENET })).to.throw(
      InputError,
      /has 3 weight layers; say which one with layer: 0..2/,
    );
    expect(() => radixDense({ mask, activation: 'swoosh' })).to.throw(InputError, /unknown activation "swoosh"/);
    expect(() =>
      radixDense({
        mask: [
          [1, 0],
          [0, 3],
        ],
      }),
    ).to.throw(InputError, /is 3; a mask holds only 0 and 1/);
  });
});

describe('radixnet compare', function () {
  it('trains the same model on each backend and explains the ones that cannot run', async () => {
    const rows = await compare({
      backends: ['ours', 'cpu', 'tensorflow'],
      radices: '10,10/10',
      layers: LENET,
      epochs: 1,
      batchSize: 100,
      seed: 1,
      limit: 300,
    });
    expect(rows.map((r) => r.backend)).to.deep.equal(['ours', 'cpu', 'tensorflow']);
    for (const r of rows.slice(0, 2)) {
      expect(r.available).to.equal(true);
      expect(r.epochSeconds).to.have.length(1);
      expect(r.testAccuracy).to.be.within(0, 1);
      // 3 Adam steps from the same initial weights: the loss has barely moved from ln(10) on either backend
      expect(r.trainLoss).to.be.closeTo(Math.log(10), 0.1);
    }
    const tfjsNodeMissing = await loadTfjsNode();
    expect(rows[2].available).to.equal(tfjsNodeMissing === null);
    if (tfjsNodeMissing) expect(rows[2].reason).to.match(/tfjs-node is not installed/);
  });
  it("trains on a user's CSV with the width and classes from the data: from the same weights, ours and tfjs cpu see the same first loss", async () => {
    // the CSV numpy wrote (test/fixtures/make-data.py): 5 features, 3 classes; one full-batch step per backend, so the
    // epoch's loss is the initial weights' loss on the same rows, whatever order either backend shuffles them in
    const csv = fileURLToPath(new URL('../../test/fixtures/data/with-header.csv', import.meta.url));
    const lines: string[] = [];
    const rows = await compare({
      backends: ['ours', 'cpu'],
      radices: 'dense',
      layers: [784, 300, 100, 10],
      hidden: [4],
      epochs: 1,
      batchSize: 100,
      seed: 3,
      spec: { data: csv },
      log: (l) => lines.push(l),
    });
    expect(lines[0]).to.include('layers 5,4,3');
    expect(rows.map((r) => r.available)).to.deep.equal([true, true]);
    expect(rows[0].trainLoss).to.be.closeTo(rows[1].trainLoss!, 1e-5);
    expect(rows[0].trainAccuracy).to.be.closeTo(rows[1].trainAccuracy!, 1e-6);
    const bad = await runIn(['compare', '--data', csv, '--layers', '784,300,100,10', '--backends', 'ours']);
    expect(bad.status).to.equal(2);
    expect(bad.stderr.trim().split('\n')).to.have.length(1);
    expect(bad.stderr).to.include('--layers must start with 5').and.include('--hidden 300,100');
  });
});
