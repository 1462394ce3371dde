// radixnet.fit against model.fit on the same model: the history, every callback form and hook in order, early
// stopping, stopTraining, initialEpoch, yieldEvery, verbose, shuffle (the batches of the engine's train for a seed),
// validation, classWeight, and one clear error per option the fast path cannot honour.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../src/errors.js';
import { Rng } from '../src/random.js';
import { Mask } from '../src/tfjs/mask.js';
import { radixModel } from '../src/tfjs/model.js';
import { fit } from '../src/tfjs/fit.js';
import { useBackend } from '../src/tfjs/backends.js';
import { RadixDense } from '../src/tfjs/layer.js';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import { train } from '../src/engine/train.js';

const LAYERS = [20, 16, 8, 4];

function data(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * LAYERS[0]);
  for (let k = 0; k < x.length; k++) x[k] = 2 * rng.next() - 1;
  // a learnable rule, so that losses fall and early stopping has something to watch
  const y = Float32Array.from(
    { length: n },
    (_, b) => (x[b * LAYERS[0]] > 0 ? 1 : 0) + (x[b * LAYERS[0] + 1] > 0 ? 2 : 0),
  );
  return { x: tf.tensor2d(x, [n, LAYERS[0]]), y: tf.tensor1d(y) };
}

/** Two identical models (same masks and initial weights), compiled with SGD so that both codes take the same steps. */
function twins(seed = 1): [tfl.Sequential, tfl.Sequential] {
  const make = (): tfl.Sequential => {
    const m = radixModel({
      layers: LAYERS,
      masks: [Mask.random(20, 16, 0.5, seed), Mask.random(16, 8, 0.5, seed + 1), null],
      seed,
      compile: false,
    });
    m.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  };
  return [make(), make()];
}

/** Every hook call as [hook, index, log keys, logs], for comparing the two loops. */
function recorder(): {
  calls: [string, number | null, string[], Record<string, number>][];
  config: tfl.CustomCallbackArgs;
} {
  const calls: [string, number | null, string[], Record<string, number>][] = [];
  const rec = (hook: string) => async (a?: number | tfl.Logs, b?: tfl.Logs) => {
    const logs = (typeof a === 'number' ? b : a) ?? {};
    calls.push([
      hook,
      typeof a === 'number' ? a : null,
      Object.keys(logs).sort(),
      { ...logs } as Record<string, number>,
    ]);
  };
  return {
    calls,
    config: {
      onTrainBegin: rec('trainBegin'),
      onTrainEnd: rec('trainEnd'),
      onEpochBegin: rec('epochBegin'),
      onEpochEnd: rec('epochEnd'),
      onBatchBegin: rec('batchBegin'),
      onBatchEnd: rec('batchEnd'),
    },
  };
}

function expectSameCalls(
  ours: ReturnType<typeof recorder>['calls'],
  theirs: ReturnType<typeof recorder>['calls'],
): void {
  expect(ours.map((c) => c.slice(0, 3))).to.deep.equal(theirs.map((c) => c.slice(0, 3)));
  ours.forEach((c, k) => {
    for (const [key, v] of Object.entries(theirs[k][3]))
      expect(c[3][key], `${c[0]} ${c[1]} ${key}`).to.be.closeTo(v, 1e-4);
  });
}

function kernels(model: tfl.LayersModel): Float32Array[] {
  return model.layers.map((l) => l.getWeights()[0].dataSync() as Float32Array);
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let d = 0;
  a.forEach((arr, l) => arr.forEach((v, i) => (d = Math.max(d, Math.abs(v - b[l][i])))));
  return d;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  let err: unknown;
  await p.catch((e) => (err = e));
  expect(err, 'expected a rejection').to.be.instanceOf(Error);
  return err as Error;
}

describe('radixnet.fit: a drop-in for model.fit', function () {
  const { x, y } = data(120, 2);
  const val = data(40, 3);
  before(async () => {
    await useBackend('cpu');
  });

  it("takes tf.ModelFitArgs and returns a tf.History equal to model.fit's, with validationData", async () => {
    const [a, b] = twins();
    const args: tfl.ModelFitArgs = {
      epochs: 3,
      batchSize: 32,
      shuffle: false,
      verbose: 0,
      validationData: [val.x, val.y],
    };
    const ha = await a.fit(x, y, args);
    const hb = await fit(b, x, y, args);
    expect(hb).to.be.instanceOf(tfl.History);
    expect(b.history).to.equal(hb);
    expect(hb.epoch).to.deep.equal(ha.epoch);
    expect(hb.params).to.deep.include({ epochs: 3, initialEpoch: 0, samples: 120, batchSize: 32, doValidation: true });
    expect(hb.params.metrics).to.deep.equal(ha.params.metrics);
    expect(Object.keys(hb.history).sort()).to.deep.equal(Object.keys(ha.history).sort());
    for (const key of Object.keys(ha.history)) {
      (ha.history[key] as number[]).forEach((v, e) =>
        expect(hb.history[key][e] as number, `${key} epoch ${e}`).to.be.closeTo(v, 1e-4),
      );
    }
    expect(maxAbsDiff(kernels(b), kernels(a))).to.be.below(1e-5);
  });

  it('holds out the last validationSplit of the samples, as model.fit does', async () => {
    const [a, b] = twins(3);
    const args: tfl.ModelFitArgs = { epochs: 2, batchSize: 25, shuffle: false, verbose: 0, validationSplit: 0.25 };
    const ha = await a.fit(x, y, args);
    const hb = await fit(b, x, y, args);
    expect(hb.params.samples).to.equal(ha.params.samples).and.to.equal(90);
    for (const key of ['val_loss', 'val_acc']) {
      (ha.history[key] as number[]).forEach((v, e) =>
        expect(hb.history[key][e] as number, `${key} epoch ${e}`).to.be.closeTo(v, 1e-4),
      );
    }
  });

  const forms: [string, (c: tfl.CustomCallbackArgs) => tfl.ModelFitArgs['callbacks']][] = [
    ['a config object', (c) => c],
    ['an array of configs', (c) => [c, {}]],
    ['a tf.CustomCallback', (c) => [new tfl.CustomCallback(c)]],
  ];
  for (const [what, wrap] of forms) {
    it(`calls every hook of ${what} in model.fit's order with the same logs`, async () => {
      const [a, b] = twins(5);
      const ra = recorder();
      const rb = recorder();
      await a.fit(x, y, {
        epochs: 2,
        batchSize: 50,
        shuffle: false,
        verbose: 0,
        validationSplit: 0.2,
        callbacks: wrap(ra.config),
      });
      await fit(b, x, y, {
        epochs: 2,
        batchSize: 50,
        shuffle: false,
        verbose: 0,
        validationSplit: 0.2,
        callbacks: wrap(rb.config),
      });
      expect(rb.calls.length).to.equal(1 + 2 * (2 + 2 * 2) + 1);
      expectSameCalls(rb.calls, ra.calls);
    });
  }

  it('runs tf.callbacks.earlyStopping and stops at the same epoch as model.fit', async () => {
    const [a, b] = twins(7);
    // a min delta no epoch can reach: the first epoch sets the baseline, the next one without improvement stops
    const stop = () => tfl.callbacks.earlyStopping({ monitor: 'val_loss', minDelta: 10, patience: 1 });
    const ha = await a.fit(x, y, {
      epochs: 10,
      batchSize: 40,
      shuffle: false,
      verbose: 0,
      validationSplit: 0.2,
      callbacks: [stop()],
    });
    const hb = await fit(b, x, y, {
      epochs: 10,
      batchSize: 40,
      shuffle: false,
      verbose: 0,
      validationSplit: 0.2,
      callbacks: [stop()],
    });
    expect(ha.epoch).to.deep.equal([0, 1]);
    expect(hb.epoch).to.deep.equal(ha.epoch);
    expect(b.stopTraining).to.equal(true);
  });

  it('stops after the batch whose callback sets model.stopTraining, like model.fit', async () => {
    const [a, b] = twins(9);
    const stopAt = (model: tfl.LayersModel): tfl.CustomCallbackArgs => ({
      onBatchEnd: async (batch) => void (batch === 1 && (model.stopTraining = true)),
    });
    const ra = recorder();
    const rb = recorder();
    const ha = await a.fit(x, y, {
      epochs: 3,
      batchSize: 30,
      shuffle: false,
      verbose: 0,
      validationSplit: 0.2,
      callbacks: [stopAt(a), ra.config],
    });
    const hb = await fit(b, x, y, {
      epochs: 3,
      batchSize: 30,
      shuffle: false,
      verbose: 0,
      validationSplit: 0.2,
      callbacks: [stopAt(b), rb.config],
    });
    expectSameCalls(rb.calls, ra.calls);
    expect(hb.epoch).to.deep.equal(ha.epoch).and.to.deep.equal([0]);
    // stopped before the epoch's last batch: no validation that epoch, in either loop
    expect(Object.keys(hb.history).sort())
      .to.deep.equal(Object.keys(ha.history).sort())
      .and.to.deep.equal(['acc', 'loss']);
  });

  it('gives callbacks the current weights mid-epoch and takes weights a callback sets', async () => {
    const [a, b] = twins(11);
    const reset = (model: tfl.LayersModel) => {
      const initial = model.getWeights().map((w) => w.clone());
      return { onBatchEnd: async (batch: number) => void (batch === 1 && model.setWeights(initial)) };
    };
    await a.fit(x, y, { epochs: 1, batchSize: 30, shuffle: false, verbose: 0, callbacks: reset(a) });
    await fit(b, x, y, { epochs: 1, batchSize: 30, shuffle: false, verbose: 0, callbacks: reset(b) });
    expect(maxAbsDiff(kernels(b), kernels(a))).to.be.below(1e-5);
  });

  it('starts counting at initialEpoch', async () => {
    const [a, b] = twins(13);
    const ra = recorder();
    const rb = recorder();
    const ha = await a.fit(x, y, {
      epochs: 4,
      initialEpoch: 2,
      batchSize: 60,
      shuffle: false,
      verbose: 0,
      callbacks: ra.config,
    });
    const hb = await fit(b, x, y, {
      epochs: 4,
      initialEpoch: 2,
      batchSize: 60,
      shuffle: false,
      verbose: 0,
      callbacks: rb.config,
    });
    expect(hb.epoch).to.deep.equal(ha.epoch).and.to.deep.equal([2, 3]);
    expect(hb.params.initialEpoch).to.equal(2);
    expectSameCalls(rb.calls, ra.calls);
  });

  it('yields to onYield as model.fit does for a yieldEvery in ms, and refuses onYield with "never"', async () => {
    const [a, b] = twins(23);
    const yields = async (fitter: (args: tfl.ModelFitArgs) => Promise<unknown>): Promise<[number, number][]> => {
      const seen: [number, number][] = [];
      await fitter({
        epochs: 2,
        batchSize: 40,
        shuffle: false,
        verbose: 0,
        yieldEvery: 1e-6,
        callbacks: { onYield: async (epoch, batch) => void seen.push([epoch, batch]) },
      });
      return seen;
    };
    const theirs = await yields((args) => a.fit(x, y, args));
    const ours = await yields((args) => fit(b, x, y, args));
    expect(theirs).to.have.length(6);
    expect(ours).to.deep.equal(theirs);
    const err = await rejection(
      fit(b, x, y, { verbose: 0, yieldEvery: 'never', callbacks: { onYield: async () => {} } }),
    );
    expect(err.message).to.match(/yieldEvery is `never` but you provided an `onYield` callback/);
  });

  it('prints one line per epoch for verbose 1 and 2, nothing for 0', async () => {
    const [, b] = twins(15);
    const lines: string[] = [];
    const log = console.log;
    console.log = (...s: unknown[]) => void lines.push(s.join(' '));
    try {
      await fit(b, x, y, { epochs: 2, batchSize: 60, verbose: 0 });
      expect(lines).to.have.length(0);
      await fit(b, x, y, { epochs: 2, batchSize: 60, verbose: 1 });
    } finally {
      console.log = log;
    }
    expect(lines).to.have.length(2);
    expect(lines[1]).to.match(/^Epoch 2 \/ 2: \d+ms loss=\d\.\d+ acc=\d\.\d+$/);
  });

  it('shuffles by its seed: the same seed gives the same weights, shuffle false the unshuffled ones', async () => {
    const [a, b] = twins(17);
    const [c, d] = twins(17);
    await fit(a, x, y, { epochs: 2, batchSize: 30, verbose: 0, seed: 4 });
    await fit(b, x, y, { epochs: 2, batchSize: 30, verbose: 0, seed: 4 });
    await fit(c, x, y, { epochs: 2, batchSize: 30, verbose: 0, shuffle: false });
    await d.fit(x, y, { epochs: 2, batchSize: 30, verbose: 0, shuffle: false });
    expect(maxAbsDiff(kernels(a), kernels(b))).to.equal(0);
    expect(maxAbsDiff(kernels(c), kernels(d))).to.be.below(1e-5);
    expect(maxAbsDiff(kernels(a), kernels(c))).to.be.above(1e-6);
  });

  it("trains the batches the engine's train does for the same seed: the same weights, bit for bit", async () => {
    const engine = await Engine.create({ threads: 1 });
    try {
      for (const args of [{ seed: 4 }, { seed: 4, initialEpoch: 1 }, { shuffle: false }]) {
        const [a] = twins(23);
        const layers = a.layers as RadixDense[];
        const mlp = new Mlp(engine, {
          layers: LAYERS,
          masks: layers.map((l) => (l instanceof RadixDense ? l.mask.sparse : null)),
          bias: false,
          optimizer: { name: 'sgd', lr: 0.1 },
        });
        mlp.setWeights(kernels(a).map((kernel) => ({ kernel })));
        await fit(a, x, y, { epochs: 3, batchSize: 25, verbose: 0, ...args });
        train(mlp, x.dataSync() as Float32Array, y.dataSync(), { epochs: 3, batchSize: 25, ...args });
        const ours = mlp.getWeights().map((w) => w.kernel);
        kernels(a).forEach((k, l) =>
          expect(
            Buffer.from(k.buffer).equals(Buffer.from(ours[l].buffer)),
            `${JSON.stringify(args)} layer ${l}`,
          ).to.equal(true),
        );
        mlp.dispose();
      }
    } finally {
      engine.close();
    }
  });

  it('weighs the loss by classWeight as model.fit does (in all three forms), and wants a weight for every class', async () => {
    const weights = { 0: 1, 1: 2.5, 2: 0.5, 3: 3 };
    const forms: tfl.ModelFitArgs['classWeight'][] = [weights, [weights]];
    for (const classWeight of forms) {
      const [a, b] = twins(19);
      const args: tfl.ModelFitArgs = {
        epochs: 2,
        batchSize: 40,
        shuffle: false,
        verbose: 0,
        classWeight,
        validationSplit: 0.25,
      };
      const ha = await a.fit(x, y, args);
      const hb = await fit(b, x, y, args);
      for (const key of Object.keys(ha.history)) {
        (ha.history[key] as number[]).forEach((v, e) =>
          expect(hb.history[key][e] as number, `${key} epoch ${e}`).to.be.closeTo(v, 1e-4),
        );
      }
      expect(maxAbsDiff(kernels(b), kernels(a))).to.be.below(1e-5);
    }
    const [c] = twins(19);
    const byName = await fit(c, x, y, {
      epochs: 2,
      batchSize: 40,
      shuffle: false,
      verbose: 0,
      validationSplit: 0.25,
      classWeight: { [c.outputNames[0]]: weights },
    });
    const [d] = twins(19);
    const plain = await fit(d, x, y, {
      epochs: 2,
      batchSize: 40,
      shuffle: false,
      verbose: 0,
      validationSplit: 0.25,
      classWeight: weights,
    });
    expect(byName.history.loss).to.deep.equal(plain.history.loss);
    const err = await rejection(fit(c, x, y, { verbose: 0, classWeight: { 0: 1, 1: 5 } }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.match(/classWeight must contain all classes in the training data; class [23] has none/);
  });

  it('refuses options it cannot honour, and unknown ones, before training', async () => {
    const [a] = twins(21);
    const before = kernels(a);
    const cases: [object, RegExp][] = [
      [{ sampleWeight: tf.ones([120]) }, /does not support sampleWeight: per-sample loss weights .*use model.fit/],
      [{ stepsPerEpoch: 3 }, /does not support stepsPerEpoch/],
      [{ validationData: [val.x, val.y, tf.ones([40])] }, /does not support validation sample weights/],
      [{ epoch: 3 }, /unknown option "epoch"; it takes tf.ModelFitArgs \(batchSize, epochs, /],
      [{ verbose: 3 }, /verbose must be 0, 1 or 2, got 3/],
      [{ initialEpoch: -1 }, /initialEpoch must be an integer >= 0/],
    ];
    for (const [args, message] of cases) {
      const err = await rejection(fit(a, x, y, args as tfl.ModelFitArgs));
      expect(err, JSON.stringify(Object.keys(args))).to.be.instanceOf(InputError);
      expect(err.message).to.match(message);
    }
    expect(maxAbsDiff(kernels(a), before)).to.equal(0);
  });
});
