import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import { train } from '../src/engine/train.js';
import { InputError } from '../src/errors.js';
import { SparseMask } from '../src/topology/mask.js';
import { radixNet } from '../src/topology/radixnet.js';
import { Rng } from '../src/random.js';
import { refAdamStep, refGradients, refLoss, type RefLayer } from './helpers/mlp-reference.js';

/** A seeded uniform [0, 1) source (the project's xoshiro128** Rng, itself tested against the reference C code). */
function seeded(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/** A random mask with the given density, with at least one empty output row and one fan-in-1 row when possible. */
function randomMask(nIn: number, nOut: number, density: number, rand: () => number): SparseMask {
  const dense = new Uint8Array(nIn * nOut);
  for (let k = 0; k < dense.length; k++) dense[k] = rand() < density ? 1 : 0;
  if (nOut > 2) {
    for (let i = 0; i < nIn; i++) dense[i * nOut + 0] = 0; // output 0: no inputs
    for (let i = 0; i < nIn; i++) dense[i * nOut + 1] = i === 0 ? 1 : 0; // output 1: fan-in 1
  }
  return SparseMask.fromDense(dense, nIn, nOut);
}

function randomData(n: number, f: number, classes: number, rand: () => number): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(n * f);
  for (let k = 0; k < x.length; k++) x[k] = rand() * 2 - 1;
  const y = new Int32Array(n);
  for (let b = 0; b < n; b++) y[b] = Math.floor(rand() * classes);
  return { x, y };
}

function refLayersOf(model: Mlp, masks: SparseMask[]): RefLayer[] {
  return model.getWeights().map((w, l) => ({
    nIn: masks[l].nIn,
    nOut: masks[l].nOut,
    kernel: Float64Array.from(w.kernel),
    mask: masks[l].toDense(),
    bias: w.bias ? Float64Array.from(w.bias) : undefined,
  }));
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, atol: number): number {
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]) / (atol + Math.abs(b[k])));
  return worst;
}

describe('engine: MLP training on the wasm kernels', function () {
  let engine1: Engine;
  let engine2: Engine;
  before(async () => {
    engine1 = await Engine.create({ threads: 1 });
    engine2 = await Engine.create({ threads: 2, adaptive: false });
  });
  after(() => {
    engine1.close();
    engine2.close();
  });

  // shapes chosen to be awkward: batch 7 (not a multiple of 4), odd layer sizes, an empty output row, fan-in 1,
  // a full (dense, GEMM path) layer between sparse ones
  const sizes = [13, 9, 6, 5];
  const makeMasks = (rand: () => number): SparseMask[] => [
    randomMask(13, 9, 0.4, rand),
    SparseMask.full(9, 6),
    randomMask(6, 5, 0.6, rand),
  ];

  for (const bias of [false, true]) {
    it(`computes the gradients of a plain-JS masked MLP (bias ${bias}, batch 7, sparse and dense layers)`, () => {
      const rand = seeded(1);
      const masks = makeMasks(rand);
      const model = new Mlp(engine1, {
        layers: sizes,
        masks,
        bias,
        optimizer: { name: 'sgd', lr: 1e-9 },
        batchSize: 7,
        seed: 3,
      });
      if (bias)
        model.setWeights(model.getWeights().map((w) => ({ kernel: w.kernel, bias: w.bias!.map(() => rand() - 0.5) })));
      const { x, y } = randomData(7, 13, 5, rand);
      const ref = refLayersOf(model, masks);
      const expected = refLoss(ref, x, y, 7);
      const m = model.trainStepOn(x, y, null, 0, 7);
      expect(m.loss).to.be.closeTo(expected.loss, 1e-5);
      expect(m.accuracy).to.equal(expected.accuracy);
      const want = refGradients(ref, x, y, 7);
      const got = model.getGradients();
      // float32 accumulation of sums of <= 13 products of O(1) values: 1e-4 relative is a generous bound
      got.forEach((g, l) => {
        expect(maxRelErr(g.kernel, want[l].kernel, 1e-6), `layer ${l} kernel`).to.be.below(1e-4);
        if (bias) expect(maxRelErr(g.bias!, want[l].bias, 1e-6), `layer ${l} bias`).to.be.below(1e-4);
      });
      model.dispose();
    });
  }

  it('matches finite differences of its own loss', () => {
    const rand = seeded(2);
    const masks = makeMasks(rand);
    const model = new Mlp(engine1, {
      layers: sizes,
      masks,
      optimizer: { name: 'sgd', lr: 1e-9 },
      batchSize: 8,
      stddev: 0.5,
    });
    const { x, y } = randomData(8, 13, 5, rand);
    model.trainStepOn(x, y, null, 0, 8);
    const grads = model.getGradients();
    const weights = model.getWeights();
    const h = 1e-2;
    let checked = 0;
    for (let l = 0; l < 3; l++) {
      const dense = masks[l].toDense();
      for (let k = 0; k < dense.length && checked < 40; k += 3) {
        if (!dense[k]) continue;
        const at = (delta: number): number => {
          const w = weights.map((p) => ({ kernel: p.kernel.slice() }));
          w[l].kernel[k] += delta;
          model.setWeights(w);
          return model.evaluate(x, y).loss;
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        // central differences in float32 with h = 1e-2: error O(h^2) plus rounding ~1e-7/h; ReLU kinks are rare here
        expect(grads[l].kernel[k], `layer ${l} weight ${k}`).to.be.closeTo(fd, 2e-3 + 0.02 * Math.abs(fd));
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(20);
    model.dispose();
  });

  it('follows 100 Keras Adam steps of the plain-JS reference', () => {
    const rand = seeded(4);
    const masks = makeMasks(rand);
    const model = new Mlp(engine1, { layers: sizes, masks, batchSize: 6, seed: 9 });
    const ref = refLayersOf(model, masks);
    const state = {
      m: ref.map((r) => new Float64Array(r.kernel.length)),
      v: ref.map((r) => new Float64Array(r.kernel.length)),
      t: 0,
    };
    for (let s = 0; s < 100; s++) {
      const { x, y } = randomData(6, 13, 5, rand);
      const grads = refGradients(ref, x, y, 6);
      refAdamStep(
        ref.map((r) => r.kernel),
        grads.map((g) => g.kernel),
        state,
      );
      model.trainStepOn(x, y, null, 0, 6);
    }
    const got = model.getWeights();
    // 100 float32 steps of size ~1e-3 vs float64: drift stays well under 1e-4 absolute
    got.forEach((w, l) => {
      for (let k = 0; k < w.kernel.length; k++)
        expect(w.kernel[k]).to.be.closeTo(ref[l].kernel[k] * ref[l].mask[k], 1e-4);
    });
    model.dispose();
  });

  it('keeps masked weights exactly zero and stores only the nonzeros', () => {
    const net = radixNet('2,2/2', [16, 12, 8, 4]);
    const model = new Mlp(engine2, { layers: net.layers, masks: net.masks, batchSize: 10 });
    expect(model.paramCount).to.equal(net.masks.reduce((s, m) => s + m.nnz, 0));
    const rand = seeded(5);
    const { x, y } = randomData(200, 16, 4, rand);
    train(model, x, y, { epochs: 3, batchSize: 10 });
    model.getWeights().forEach((w, l) => {
      const dense = net.masks[l].toDense();
      for (let k = 0; k < dense.length; k++) if (!dense[k]) expect(w.kernel[k]).to.equal(0);
    });
    model.dispose();
  });

  it('gives bit-identical results on 1 and 2 threads', () => {
    // each output row and each weight gradient is summed in the same order whatever the split, so no tolerance
    const net = radixNet('10,10/10', [784, 300, 100, 10]);
    const rand = seeded(6);
    const { x, y } = randomData(250, 784, 10, rand);
    const run = (engine: Engine): Float32Array[] => {
      const model = new Mlp(engine, { layers: net.layers, masks: net.masks, batchSize: 50, seed: 11 });
      train(model, x, y, { epochs: 2, batchSize: 50, seed: 3 });
      const w = model.getWeights().map((p) => p.kernel);
      model.dispose();
      return w;
    };
    const a = run(engine1);
    const b = run(engine2);
    a.forEach((w, l) => expect(Buffer.from(w.buffer).equals(Buffer.from(b[l].buffer)), `layer ${l}`).to.equal(true));
  });

  it('learns a small separable problem to 100% accuracy in a few epochs', () => {
    const rand = seeded(7);
    const n = 400;
    const x = new Float32Array(n * 8);
    const y = new Int32Array(n);
    for (let b = 0; b < n; b++) {
      y[b] = b % 4;
      for (let f = 0; f < 8; f++) x[b * 8 + f] = (f === y[b] * 2 ? 1 : 0) + 0.1 * (rand() - 0.5);
    }
    // hidden layers of 32 (8 unit blocks of N = 4): with only 8 units a sparse net can lose a class to dead ReLUs
    const net = radixNet('2,2/2', [8, 32, 32, 4]);
    const model = new Mlp(engine2, {
      layers: net.layers,
      masks: net.masks,
      batchSize: 20,
      init: 'glorot-uniform',
      optimizer: { name: 'adam', lr: 0.01 },
    });
    const history = train(model, x, y, { epochs: 5, batchSize: 20 });
    expect(history.epochs).to.have.length(5);
    expect(model.evaluate(x, y).accuracy).to.equal(1);
    const p = model.predict(x.subarray(0, 8 * 4));
    expect(p).to.have.length(16);
    for (let b = 0; b < 4; b++) {
      const row = Array.from(p.subarray(b * 4, b * 4 + 4));
      expect(row.reduce((s, v) => s + v, 0)).to.be.closeTo(1, 1e-5);
      expect(row.indexOf(Math.max(...row))).to.equal(y[b]);
    }
    model.dispose();
  });

  describe('bad input', () => {
    let model: Mlp;
    before(() => {
      model = new Mlp(engine1, { layers: [4, 3, 2], batchSize: 4 });
    });
    after(() => model.dispose());
    const x = new Float32Array(8);
    const y = new Int32Array(2);

    it('rejects x whose length is not a multiple of the input size', () => {
      expect(() => train(model, new Float32Array(7), y)).to.throw(
        InputError,
        /x has 7 values, not a multiple of the 4 inputs/,
      );
    });
    it('rejects a label count that does not match x', () => {
      expect(() => train(model, x, new Int32Array(3))).to.throw(InputError, /2 samples of 4 values but y has 3 labels/);
    });
    it('rejects NaN and Infinity inputs with their index', () => {
      const bad = x.slice();
      bad[5] = NaN;
      expect(() => train(model, bad, y)).to.throw(InputError, /non-finite value \(NaN\) at index 5/);
      bad[5] = Infinity;
      expect(() => model.predict(bad)).to.throw(InputError, /non-finite value \(Infinity\) at index 5/);
    });
    it('rejects labels out of range', () => {
      expect(() => train(model, x, Int32Array.of(0, 2))).to.throw(
        InputError,
        /label 1 is 2, labels must be integers in \[0, 1\]/,
      );
    });
    it('rejects batch size 0 and epochs 0', () => {
      expect(() => train(model, x, y, { batchSize: 0 })).to.throw(
        InputError,
        /batch size must be an integer >= 1, got 0/,
      );
      expect(() => train(model, x, y, { epochs: 0 })).to.throw(InputError, /epochs must be an integer >= 1, got 0/);
    });
    it('rejects masks that do not fit the layer sizes', () => {
      expect(() => new Mlp(engine1, { layers: [4, 3, 2], masks: [SparseMask.full(3, 4)] })).to.throw(
        InputError,
        /mask 0 has shape \[3, 4\] but layer 0 is \[4, 3\]/,
      );
    });
    it('refuses a model that cannot fit in 4 GiB of wasm memory before allocating anything', () => {
      const used = engine1.memory.used;
      expect(() => new Mlp(engine1, { layers: [784, 40000, 40000, 10] })).to.throw(
        InputError,
        /model needs about 2\d GiB of kernel memory \(layers 784,40000,40000,10, batch 100\) but (WebAssembly memory is limited to 4 GiB|only .* is free)/,
      );
      expect(engine1.memory.used).to.equal(used);
    });
    it('stops with the epoch, step and a learning-rate hint when the loss becomes NaN', () => {
      const m = new Mlp(engine1, { layers: [4, 3, 2], batchSize: 2, optimizer: { name: 'sgd', lr: 1e30 } });
      const xs = Float32Array.from({ length: 40 }, (_, k) => (k % 7) - 3);
      const ys = Int32Array.from({ length: 10 }, (_, k) => k % 2);
      expect(() => train(m, xs, ys, { epochs: 5, batchSize: 2 })).to.throw(
        InputError,
        /loss became (NaN|Infinity) at epoch \d+, step \d+ of 5: .*lower the learning rate \(now 1e\+30/,
      );
      m.dispose();
    });
  });

  it('does not keep the process alive after training', () => {
    const script = `
      import { Engine } from ${JSON.stringify(fileURLToPath(new URL('../src/engine/engine.js', import.meta.url)))};
      import { Mlp } from ${JSON.stringify(fileURLToPath(new URL('../src/engine/mlp.js', import.meta.url)))};
      const engine = await Engine.create({ threads: 2 });
      const model = new Mlp(engine, { layers: [4, 4, 2], batchSize: 4 });
      model.trainStepOn(new Float32Array(16), new Int32Array(4), null, 0, 4);
      console.log('trained');`;
    const t0 = Date.now();
    const file = join(mkdtempSync(join(tmpdir(), 'radixnet-')), 'alive.mjs');
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20000 });
    expect(r.stderr).to.equal('');
    expect(r.stdout.trim()).to.equal('trained');
    expect(r.status).to.equal(0);
    expect(Date.now() - t0).to.be.below(15000);
  });
});
