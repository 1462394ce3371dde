// Magnitude pruning, the polynomial-decay schedule, the pruner in the training loop, sparse fine-tuning, and saliency maps, checked
// against hand-computed cases and a plain-JS sort reference.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import { train } from '../src/engine/train.js';
import { InputError } from '../src/errors.js';
import { Rng } from '../src/random.js';
import { SparseMask } from '../src/topology/mask.js';
import {
  keepCount,
  magnitudePrune,
  MagnitudePruner,
  maskSparsity,
  PolynomialDecay,
  prunedModel,
} from '../src/analysis/pruning.js';
import { saliency, saliencyStats } from '../src/analysis/saliency.js';
import { radixDense } from '../src/tfjs/layer.js';
import { Mask } from '../src/tfjs/mask.js';

/** Reference top-k: sort all indices by |w| descending, then index ascending; keep the first k. */
function refTopK(w: ArrayLike<number>, k: number): Set<number> {
  const order = Array.from({ length: w.length }, (_, i) => i);
  order.sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]) || a - b);
  return new Set(order.slice(0, k));
}

function keptSet(m: SparseMask): Set<number> {
  const s = new Set<number>();
  m.toDense().forEach((v, idx) => v && s.add(idx));
  return s;
}

function expectOneLineInputError(fn: () => unknown, pattern: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).to.be.instanceOf(InputError);
  expect((err as Error).message).to.match(pattern);
  expect((err as Error).message).not.to.include('\n');
}

function syntheticData(n: number, f: number, classes: number, seed: number): { x: Float32Array; y: Int32Array } {
  // labels from a fixed random linear map, so there is something to learn
  const rng = new Rng(seed);
  const proj = Float32Array.from({ length: f * classes }, () => rng.normal());
  const x = new Float32Array(n * f);
  const y = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    let best = -Infinity;
    for (let j = 0; j < f; j++) x[b * f + j] = rng.next();
    for (let c = 0; c < classes; c++) {
      let s = 0;
      for (let j = 0; j < f; j++) s += x[b * f + j] * proj[j * classes + c];
      if (s > best) [best, y[b]] = [s, c];
    }
  }
  return { x, y };
}

describe('magnitudePrune: exact top-k of |w|', () => {
  it('keeps the largest |w| of a hand-made kernel, ties to the lower index', () => {
    // [2, 3] kernel, |w| = 1, 1, 2 / 1, 0.5, 1: keep 3 -> the 2 (index 2), then ties at 1: indices 0 and 1
    const m = magnitudePrune([1, -1, -2, 1, 0.5, -1], [2, 3], 0.5);
    expect([...m.toDense()]).to.deep.equal([1, 1, 1, 0, 0, 0]);
    expect(m.nnz).to.equal(3);
    // keep 4: the next tie at 1 is index 3
    expect([...magnitudePrune([1, -1, -2, 1, 0.5, -1], [2, 3], 1 / 3).toDense()]).to.deep.equal([1, 1, 1, 1, 0, 0]);
  });

  it('equals a sort-based reference on a kernel with many ties, and hits the count at every sparsity', () => {
    const rng = new Rng(7);
    const [nIn, nOut] = [97, 31];
    // values on a coarse grid of both signs: ties everywhere
    const w = Float32Array.from({ length: nIn * nOut }, () => (rng.int(21) - 10) / 4);
    for (const s of [0, 0.25, 0.5, 0.75, 0.9, 0.96, 0.99, 0.9999]) {
      const k = keepCount(nIn * nOut, s);
      expect(k).to.equal(Math.max(1, Math.round(nIn * nOut * (1 - s))));
      const m = magnitudePrune(w, [nIn, nOut], s);
      expect(m.nnz, `sparsity ${s}`).to.equal(k);
      expect([...keptSet(m)].sort((a, b) => a - b)).to.deep.equal([...refTopK(w, k)].sort((a, b) => a - b));
    }
  });

  it('agrees with the tfjs Mask.magnitude written separately (same tie rule)', () => {
    const rng = new Rng(9);
    const w = Float32Array.from({ length: 40 * 13 }, () => (rng.int(9) - 4) / 2);
    for (const s of [0.3, 0.5, 0.9]) {
      expect(
        magnitudePrune(w, [40, 13], s).equals(Mask.magnitude(w, 1 - s, [40, 13]).sparse),
        `sparsity ${s}`,
      ).to.equal(true);
    }
  });

  it('prunes within an existing mask and never keeps a connection outside it', () => {
    const rng = new Rng(3);
    const w = Float32Array.from({ length: 20 * 10 }, () => rng.normal());
    const within = magnitudePrune(
      Float32Array.from({ length: 200 }, () => rng.next()),
      [20, 10],
      0.5,
    );
    const m = magnitudePrune(w, [20, 10], 0.75, within);
    expect(m.nnz).to.equal(50);
    const allowed = within.toDense();
    const masked = Float32Array.from(w, (v, idx) => (allowed[idx] ? v : 0));
    expect(keptSet(m)).to.deep.equal(refTopK(masked, 50));
  });

  it('refuses a sparsity outside [0, 1), a wrong shape and non-finite weights in one line', () => {
    for (const s of [-0.1, 1, 1.5, NaN])
      expectOneLineInputError(() => magnitudePrune([1, 2], [1, 2], s), /sparsity .*\[0, 1\)/);
    expectOneLineInputError(() => magnitudePrune([1, 2, 3], [2, 2], 0.5), /needs 4/);
    expectOneLineInputError(() => magnitudePrune([1, NaN], [1, 2], 0.5), /weight 1 .*NaN/);
  });

  it('gives masks radixDense enforces like any RadiX-Net mask', () => {
    const rng = new Rng(5);
    const w = Float32Array.from({ length: 12 * 4 }, () => rng.normal());
    const mask = magnitudePrune(w, [12, 4], 0.75);
    const model = tfl.sequential({ layers: [radixDense({ mask, useBias: false, inputShape: [12] })] });
    model.setWeights([tf.tensor2d(w, [12, 4])]);
    const kernel = model.getWeights()[0].dataSync();
    const keep = mask.toDense();
    kernel.forEach((v, idx) => expect(v).to.equal(keep[idx] ? w[idx] : 0));
    model.dispose();
  });
});

describe('PolynomialDecay: TF-MOT semantics', () => {
  const s = new PolynomialDecay({
    initialSparsity: 0.1,
    finalSparsity: 0.9,
    beginStep: 100,
    endStep: 500,
    frequency: 50,
  });

  it('matches s(t) = final + (initial - final) (1 - p)^3 at begin, end, between and outside', () => {
    expect(s.sparsity(100)).to.be.closeTo(0.1, 1e-15);
    expect(s.sparsity(500)).to.be.closeTo(0.9, 1e-15);
    // t = 200: p = 0.25, (1 - p)^3 = 0.421875 -> 0.9 - 0.8 * 0.421875 = 0.5625
    expect(s.sparsity(200)).to.be.closeTo(0.5625, 1e-15);
    // t = 300: p = 0.5 -> 0.9 - 0.8 / 8 = 0.8
    expect(s.sparsity(300)).to.be.closeTo(0.8, 1e-15);
    expect(s.sparsity(0)).to.be.closeTo(0.1, 1e-15);
    expect(s.sparsity(10_000)).to.be.closeTo(0.9, 1e-15);
    expect(new PolynomialDecay({ finalSparsity: 0.5, beginStep: 7, endStep: 7 }).sparsity(7)).to.equal(0.5);
  });

  it('prunes on begin + j * frequency up to end, inclusive', () => {
    const steps = Array.from({ length: 700 }, (_, t) => t).filter((t) => s.shouldPrune(t));
    expect(steps).to.deep.equal([100, 150, 200, 250, 300, 350, 400, 450, 500]);
  });

  it('refuses an end before the begin and bad sparsities in one line', () => {
    expectOneLineInputError(
      () => new PolynomialDecay({ finalSparsity: 0.9, beginStep: 10, endStep: 5 }),
      /endStep 5 precedes beginStep 10/,
    );
    expectOneLineInputError(() => new PolynomialDecay({ finalSparsity: 1, endStep: 5 }), /finalSparsity is 1/);
    expectOneLineInputError(
      () => new PolynomialDecay({ initialSparsity: -0.5, finalSparsity: 0.5, endStep: 5 }),
      /initialSparsity is -0.5/,
    );
    expectOneLineInputError(() => new PolynomialDecay({ finalSparsity: 0.5, endStep: 5, frequency: 0 }), /frequency/);
  });
});

describe('pruning an engine model: masked weights are zero and stay zero', function () {
  let engine: Engine;
  before(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  after(() => engine.close());

  const sizes = [16, 12, 8, 4];
  const data = syntheticData(400, 16, 4, 11);

  it('one-shot: prunes a trained dense model, fine-tunes it on the sparse masks, off-mask weights stay exactly 0', () => {
    const dense = new Mlp(engine, { layers: sizes, seed: 1, batchSize: 20 });
    train(dense, data.x, data.y, { epochs: 2, batchSize: 20, seed: 2 });
    const trained = dense.getWeights();
    const masks = trained.map((w, l) => magnitudePrune(w.kernel, [sizes[l], sizes[l + 1]], 0.75));
    const sparse = prunedModel(engine, dense, masks, { batchSize: 20 });
    expect(sparse.paramCount).to.equal(masks.reduce((s, m) => s + m.nnz, 0));
    sparse.getWeights().forEach((w, l) => {
      const keep = masks[l].toDense();
      w.kernel.forEach((v, idx) => expect(v).to.equal(keep[idx] ? trained[l].kernel[idx] : 0));
    });
    train(sparse, data.x, data.y, { epochs: 2, batchSize: 20, seed: 3 });
    sparse.getWeights().forEach((w, l) => {
      const keep = masks[l].toDense();
      let moved = 0;
      w.kernel.forEach((v, idx) => {
        if (!keep[idx]) expect(v).to.equal(0);
        else if (v !== trained[l].kernel[idx]) moved++;
      });
      expect(moved, `layer ${l} fine-tuned`).to.be.greaterThan(0);
    });
    expect(maskSparsity(masks).layers.map((x) => +x.toFixed(4))).to.deep.equal([0.75, 0.75, 0.75]);
    sparse.dispose();
    dense.dispose();
  });

  it('gradual: the pruner follows the schedule inside the training loop and ends on exact top-k masks with zeros off them', () => {
    const model = new Mlp(engine, { layers: sizes, seed: 4, batchSize: 20 });
    // 400 samples / 20 = 20 steps per epoch, 3 epochs = 60 steps; prune at 0, 10, ..., 40
    const schedule = new PolynomialDecay({
      initialSparsity: 0.2,
      finalSparsity: 0.8,
      beginStep: 0,
      endStep: 40,
      frequency: 10,
    });
    const pruner = new MagnitudePruner(model, schedule);
    const seen: number[] = [];
    train(model, data.x, data.y, {
      epochs: 3,
      batchSize: 20,
      seed: 5,
      onBatchEnd: () => {
        pruner.step();
        const zeros = model.parameters().reduce((s, v) => s + (v === 0 ? 1 : 0), 0);
        seen.push(zeros);
      },
    });
    expect(pruner.stepCount).to.equal(61);
    expect(pruner.layerTargets()).to.deep.equal([0.8, 0.8, 0.8]);
    const masks = pruner.masks();
    const weights = model.getWeights();
    masks.forEach((m, l) => {
      expect(m.nnz).to.equal(keepCount(sizes[l] * sizes[l + 1], 0.8));
      const keep = m.toDense();
      weights[l].kernel.forEach((v, idx) => {
        if (!keep[idx]) expect(v).to.equal(0);
      });
    });
    // zero count never drops between pruning steps once the final mask is set (steps 40..60)
    expect(new Set(seen.slice(40))).to.have.lengthOf(1);
    // the masks are top-k of the weights at step 40, and later steps only move kept weights: off-mask stays 0
    const sparse = prunedModel(engine, model, masks, { batchSize: 20 });
    train(sparse, data.x, data.y, { epochs: 1, batchSize: 20, seed: 6 });
    sparse.getWeights().forEach((w, l) => {
      const keep = masks[l].toDense();
      w.kernel.forEach((v, idx) => {
        if (!keep[idx]) expect(v).to.equal(0);
      });
    });
    sparse.dispose();
    model.dispose();
  });

  it('the pruner at a single pruning step equals magnitudePrune of the weights at that step', () => {
    const model = new Mlp(engine, { layers: sizes, seed: 8, batchSize: 20 });
    const before = model.getWeights();
    const once = new PolynomialDecay({ finalSparsity: 0.6, beginStep: 0, endStep: 0 });
    const pruner = new MagnitudePruner(model, [once, null, once]);
    const masks = pruner.masks();
    expect(masks[0].equals(magnitudePrune(before[0].kernel, [16, 12], 0.6))).to.equal(true);
    expect(masks[1].nnz).to.equal(12 * 8);
    expect(masks[2].equals(magnitudePrune(before[2].kernel, [8, 4], 0.6))).to.equal(true);
    expectOneLineInputError(
      () => new MagnitudePruner(model, [once]),
      /got 1 schedules for a model with 3 weight layers/,
    );
    model.dispose();
  });
});

describe('saliency: sum of |outgoing first-layer weights| per pixel', () => {
  it('equals hand sums on a hand-made first layer', () => {
    // 4 inputs as a 2 x 2 image, 3 outputs
    const kernel = [
      1,
      -2,
      0.5, // pixel (0,0): 3.5
      0,
      0,
      0, // (0,1): 0
      -1,
      -1,
      -1, // (1,0): 3
      0.25,
      0,
      -0.25, // (1,1): 0.5
    ];
    const map = saliency(kernel, [4, 3], [2, 2]);
    expect(map.values).to.deep.equal([3.5, 0, 3, 0.5]);
    const stats = saliencyStats(map, 1);
    expect(stats.deadFraction).to.equal(0.25);
    expect(stats.total).to.equal(7);
    // mean 1.75; deviations 1.75, -1.75, 1.25, -1.25 -> variance (3.0625 * 2 + 1.5625 * 2) / 4 = 2.3125
    expect(stats.cv).to.be.closeTo(Math.sqrt(2.3125) / 1.75, 1e-12);
    // every pixel centre is sqrt(0.5) from the image centre: one ring holds all
    expect(stats.rings[0]).to.deep.include({ inner: 0, outer: 1, pixels: 4, massFraction: 1 });
  });

  it('spreads mass over rings from the centre of a 4 x 4 image', () => {
    // saliency 1 on the 4 central pixels (distance 0.707), 0 on the 12 outer ones (1.58 and 2.12)
    const kernel = new Array<number>(16).fill(0);
    for (const [r, c] of [
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
    ])
      kernel[r * 4 + c] = r === 1 ? 1 : -1;
    const stats = saliencyStats(saliency(kernel, [16, 1], [4, 4]), 1);
    expect(stats.rings.map((r) => r.pixels)).to.deep.equal([4, 8, 4]);
    expect(stats.rings.map((r) => r.massFraction)).to.deep.equal([1, 0, 0]);
    expect(stats.halfMassRadius).to.equal(1);
    expect(stats.deadFraction).to.equal(0.75);
  });

  it('refuses a layer whose inputs are not the image', () => {
    expectOneLineInputError(
      () => saliency(new Array(10).fill(0), [5, 2], [28, 28]),
      /784 pixels but the layer has 5 inputs/,
    );
  });
});
