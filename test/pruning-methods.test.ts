// The four training procedures of the pruning comparison on a tiny synthetic problem: connection counts, phases,
// masks against an independent replay of the dense phase, and the side-by-side timing.
import { expect } from 'chai';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import { train } from '../src/engine/train.js';
import { InputError } from '../src/errors.js';
import { Rng } from '../src/random.js';
import type { Dataset } from '../src/data/dataset.js';
import { radixNet } from '../src/topology/radixnet.js';
import { magnitudePrune } from '../src/analysis/pruning.js';
import { PRUNING_METHODS, trainPruned, type PruningRun } from '../src/suite/pruning-methods.js';

function synthetic(n: number, f: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const proj = Float32Array.from({ length: f * classes }, () => rng.normal());
  const x = Float32Array.from({ length: n * f }, () => rng.next());
  const y = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    let best = -Infinity;
    for (let c = 0; c < classes; c++) {
      let s = 0;
      for (let j = 0; j < f; j++) s += x[b * f + j] * proj[j * classes + c];
      if (s > best) [best, y[b]] = [s, c];
    }
  }
  return { x, y, count: n, features: f, classes };
}

describe('pruning methods: one-shot, gradual, RadiX-Net and random on the same per-layer counts', function () {
  let engine: Engine;
  before(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  after(() => engine.close());

  const layers = [16, 12, 8, 4];
  const reference = radixNet('2,2/2', layers).masks;
  const data = { train: synthetic(300, 16, 4, 1), validation: synthetic(60, 16, 4, 2), test: synthetic(100, 16, 4, 3) };
  const base: PruningRun = {
    method: 'one-shot',
    reference,
    epochs: 2,
    fineTuneEpochs: 1,
    batchSize: 20,
    optimizer: { name: 'adam', lr: 1e-2 },
    seed: 7,
    frequency: 5,
    power: 3,
    pruneEnd: 0.5,
    timingSteps: 4,
  };

  for (const method of PRUNING_METHODS) {
    it(`${method}: ends with the reference's connection count in every layer, with per-epoch history and timing`, () => {
      const used = engine.memory.used;
      const r = trainPruned(engine, { ...base, method }, data);
      expect(r.masks.map((m) => m.nnz)).to.deep.equal(reference.map((m) => m.nnz));
      expect(r.history.map((e) => e.epoch)).to.deep.equal([1, 2, 3]);
      expect(r.phases).to.deep.equal(
        method === 'one-shot' || method === 'gradual'
          ? ['dense', 'dense', 'fine-tune']
          : ['sparse', 'sparse', 'sparse'],
      );
      expect(r.history.every((e) => e.valAccuracy! >= 0 && e.valAccuracy! <= 1)).to.equal(true);
      expect(r.test.accuracy).to.be.within(0, 1);
      expect(r.speedup!.steps).to.equal(4);
      expect(r.speedup!.ratio).to.be.greaterThan(0);
      expect(r.seconds.total).to.be.at.least(r.seconds.sparse);
      if (method === 'radixnet') r.masks.forEach((m, l) => expect(m.equals(reference[l])).to.equal(true));
      if (method === 'random') expect(r.masks.some((m, l) => !m.equals(reference[l]))).to.equal(true);
      if (method === 'gradual') expect(r.schedules!.map((s) => s!.endStep)).to.deep.equal([15, 15, 15]);
      // every model of the run was given back to the engine, which keeps the rows trained and evaluated on (a few
      // kB here, in blocks of the allocator's grain) for the next run on them: a second run adds nothing
      const after = engine.memory.used;
      expect(after - used).to.be.within(0, 2 ** 18);
      trainPruned(engine, { ...base, method }, data);
      expect(engine.memory.used).to.equal(after);
    });
  }

  it('radixnet trains and tests as plain training on copies made for the run does (its rows kept in the engine)', async () => {
    const r = trainPruned(engine, { ...base, method: 'radixnet', timingSteps: 0 }, data);
    const fresh = await Engine.create({ threads: 1 });
    const model = new Mlp(fresh, { layers, masks: reference, seed: 7, batchSize: 20, optimizer: base.optimizer });
    const h = train(model, data.train.x, data.train.y, {
      epochs: 3,
      batchSize: 20,
      seed: 7,
      validationData: data.validation,
    });
    const untimed = (e: { seconds: number; samplesPerSecond: number }[]) =>
      e.map(({ seconds: _s, samplesPerSecond: _p, ...rest }) => rest);
    expect(untimed(r.history)).to.deep.equal(untimed(h.epochs));
    expect(r.test).to.deep.equal(model.evaluate(data.test.x, data.test.y));
    fresh.close();
  });

  it('one-shot prunes exactly the top-|w| of the dense phase, replayed independently', () => {
    const r = trainPruned(engine, base, data);
    const dense = new Mlp(engine, { layers, seed: 7, batchSize: 20, optimizer: { name: 'adam', lr: 1e-2 } });
    train(dense, data.train.x, data.train.y, {
      epochs: 2,
      batchSize: 20,
      seed: 7,
      validationData: { x: data.validation.x, y: data.validation.y },
    });
    const w = dense.getWeights();
    dense.dispose();
    r.masks.forEach((m, l) => {
      const expected = magnitudePrune(w[l].kernel, [m.nIn, m.nOut], 1 - reference[l].nnz / (m.nIn * m.nOut));
      expect(m.equals(expected), `layer ${l}`).to.equal(true);
    });
  });

  it('refuses a method it does not know and one-shot without fine-tuning', () => {
    expect(() => trainPruned(engine, { ...base, method: 'lottery' as never }, data)).to.throw(
      InputError,
      /unknown pruning method "lottery"/,
    );
    expect(() => trainPruned(engine, { ...base, fineTuneEpochs: 0 }, data)).to.throw(InputError, /fineTuneEpochs >= 1/);
  });
});
