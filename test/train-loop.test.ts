// The engine's one training loop: its batch order (one Rng(seed) reshuffling the order every epoch), its hook points
// and how they stop it, resuming at initialEpoch, and the hold-out of validation samples.
import { expect } from 'chai';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import { train, type EpochLogs } from '../src/engine/train.js';
import { holdOut } from '../src/data/hold-out.js';
import { InputError } from '../src/errors.js';
import { Rng } from '../src/random.js';

const F = 6;
const C = 3;

function data(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n * F }, () => 2 * rng.next() - 1);
  const y = Int32Array.from({ length: n }, () => rng.int(C));
  return { x, y };
}

describe('the training loop', () => {
  let engine: Engine;
  before(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  after(() => engine.close());

  const model = (lr = 0.05, seed = 3): Mlp =>
    new Mlp(engine, { layers: [F, 5, C], batchSize: 4, seed, optimizer: { name: 'sgd', lr } });

  it('trains the batches of one Rng(seed) that reshuffles the order at every epoch, and the data order with shuffle false', () => {
    // batches of one sample and a learning rate too small to move a float32 weight: each step's loss is the loss of
    // the one sample it trained, which names the sample
    const n = 10;
    const { x, y } = data(n, 1);
    const m = model(1e-30);
    const single = Array.from(
      { length: n },
      (_, i) => m.evaluate(x.subarray(i * F, i * F + F), y.subarray(i, i + 1)).loss,
    );
    const sorted = [...single].sort((a, b) => a - b);
    for (let k = 1; k < n; k++) expect(sorted[k] - sorted[k - 1], 'distinct per-sample losses').to.be.above(1e-5);
    const sampleOf = (loss: number): number =>
      single.reduce((best, l, i) => (Math.abs(l - loss) < Math.abs(single[best] - loss) ? i : best), 0);
    const seen = (opts: { seed?: number; shuffle?: boolean }): number[] => {
      const order: number[] = [];
      train(m, x, y, {
        epochs: 3,
        batchSize: 1,
        ...opts,
        onBatchEnd: (_s, _n, _r, batch) => void order.push(sampleOf(batch.loss)),
      });
      return order;
    };
    const expected = (seed: number): number[] => {
      const rng = new Rng(seed);
      const order = Int32Array.from({ length: n }, (_, i) => i);
      const out: number[] = [];
      for (let e = 0; e < 3; e++) out.push(...rng.shuffle(order));
      return out;
    };
    expect(seen({ seed: 7 })).to.deep.equal(expected(7));
    expect(seen({})).to.deep.equal(expected(100));
    expect(seen({ shuffle: false })).to.deep.equal([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    m.dispose();
  });

  it('calls epochBegin, batchBegin, batchEnd and epochEnd in order, counting epochs and steps from 1', () => {
    const { x, y } = data(10, 2);
    const m = model();
    const calls: string[] = [];
    const h = train(m, x, y, {
      epochs: 2,
      batchSize: 4,
      onEpochBegin: (e, es) => void calls.push(`epochBegin ${e}/${es}`),
      onBatchBegin: (s, ss) => void calls.push(`batchBegin ${s}/${ss}`),
      onBatchEnd: (s, ss, _r, b) => void calls.push(`batchEnd ${s}/${ss} size ${b.size}`),
      onEpochEnd: (logs) => void calls.push(`epochEnd ${logs.epoch}`),
    });
    const epoch = (e: number): string[] => [
      `epochBegin ${e}/2`,
      'batchBegin 1/3',
      'batchEnd 1/3 size 4',
      'batchBegin 2/3',
      'batchEnd 2/3 size 4',
      'batchBegin 3/3',
      'batchEnd 3/3 size 2',
      `epochEnd ${e}`,
    ];
    expect(calls).to.deep.equal([...epoch(1), ...epoch(2)]);
    expect(h.epochs.map((e) => e.epoch)).to.deep.equal([1, 2]);
    m.dispose();
  });

  it('averages the running metrics over the samples of the steps run, the last short batch weighed by its size', () => {
    const { x, y } = data(10, 3);
    const m = model();
    const batches: { loss: number; accuracy: number; size: number }[] = [];
    let running = { loss: NaN, accuracy: NaN };
    const h = train(m, x, y, {
      epochs: 1,
      batchSize: 4,
      onBatchEnd: (_s, _n, r, b) => void (batches.push(b), (running = r)),
    });
    const loss = batches.reduce((s, b) => s + b.loss * b.size, 0) / 10;
    const accuracy = batches.reduce((s, b) => s + b.accuracy * b.size, 0) / 10;
    expect(h.epochs[0].loss).to.be.closeTo(loss, 1e-12);
    expect(h.epochs[0].accuracy).to.be.closeTo(accuracy, 1e-12);
    expect(running).to.deep.equal({ loss: h.epochs[0].loss, accuracy: h.epochs[0].accuracy });
    m.dispose();
  });

  it('stops after the step whose onBatchEnd returns false: that epoch averages its steps and is not validated', () => {
    const { x, y } = data(20, 4);
    const m = model();
    let steps = 0;
    const h = train(m, x, y, { epochs: 3, batchSize: 4, validationSplit: 0.2, onBatchEnd: (s) => (steps++, s < 2) });
    expect(steps).to.equal(2);
    expect(h.epochs).to.have.length(1);
    expect(h.epochs[0].valLoss).to.equal(undefined);
    expect(h.epochs[0].loss).to.be.a('number');
    m.dispose();
  });

  it('stops after the epoch whose onEpochEnd returns false, validated', () => {
    const { x, y } = data(20, 5);
    const m = model();
    const h = train(m, x, y, {
      epochs: 5,
      batchSize: 4,
      validationSplit: 0.2,
      onEpochEnd: (logs: EpochLogs) => logs.epoch < 2,
    });
    expect(h.epochs.map((e) => e.epoch)).to.deep.equal([1, 2]);
    expect(h.epochs[1].valLoss).to.be.a('number');
    m.dispose();
  });

  it('resumes at initialEpoch with the batches a full run trains there: 2 epochs then 2 more equal 4, bit for bit', () => {
    const { x, y } = data(30, 6);
    const full = new Mlp(engine, { layers: [F, 5, C], batchSize: 4, seed: 9, optimizer: { name: 'adam', lr: 0.01 } });
    const parts = new Mlp(engine, { layers: [F, 5, C], batchSize: 4, seed: 9, optimizer: { name: 'adam', lr: 0.01 } });
    const a = train(full, x, y, { epochs: 4, batchSize: 4, seed: 5 });
    train(parts, x, y, { epochs: 2, batchSize: 4, seed: 5 });
    const b = train(parts, x, y, { epochs: 4, initialEpoch: 2, batchSize: 4, seed: 5 });
    expect(b.epochs.map((e) => e.epoch)).to.deep.equal([3, 4]);
    expect(b.epochs.map((e) => e.loss)).to.deep.equal(a.epochs.slice(2).map((e) => e.loss));
    full
      .getWeights()
      .forEach((w, l) =>
        expect(
          Buffer.from(w.kernel.buffer).equals(Buffer.from(parts.getWeights()[l].kernel.buffer)),
          `layer ${l}`,
        ).to.equal(true),
      );
    full.dispose();
    parts.dispose();
  });

  for (const optimizer of [
    { name: 'adam', lr: 0.01 },
    { name: 'sgd', lr: 0.05, momentum: 0.9 },
  ] as const) {
    it(`moves a ${optimizer.name} run's training state into a new model, which trains on to the bits of a run never stopped`, () => {
      const { x, y } = data(30, 6);
      const spec = { layers: [F, 5, C], batchSize: 4, seed: 9, bias: true, optimizer };
      const full = new Mlp(engine, spec);
      train(full, x, y, { epochs: 4, batchSize: 4, seed: 5 });
      const first = new Mlp(engine, spec);
      train(first, x, y, { epochs: 2, batchSize: 4, seed: 5 });
      const state = first.trainingState();
      first.dispose();
      // another seed: every weight the new model trains from must come from the state
      const second = new Mlp(engine, { ...spec, seed: 77 });
      const step = state.step;
      expect(step).to.equal(2 * Math.ceil(30 / 4));
      expect(state.slots).to.have.length(optimizer.name === 'adam' ? 2 : 1);
      second.restoreTrainingState(state);
      train(second, x, y, { epochs: 4, initialEpoch: 2, batchSize: 4, seed: 5 });
      expect(second.optimizer.step).to.equal(full.optimizer.step);
      const bytes = (m: Mlp): Buffer => Buffer.from(m.parameters().slice().buffer);
      expect(bytes(second).equals(bytes(full)), 'parameters bit for bit').to.equal(true);
      const slots = (m: Mlp): Buffer[] => m.trainingState().slots.map((s) => Buffer.from(s.buffer));
      slots(second).forEach((s, k) => expect(s.equals(slots(full)[k]), `slot ${k}`).to.equal(true));
      // a state of another shape or optimizer is refused, not copied in part
      const other = new Mlp(engine, { ...spec, layers: [F, 4, C] });
      expect(() => other.restoreTrainingState(state)).to.throw(InputError, 'parameters');
      const sgd = new Mlp(engine, { ...spec, optimizer: { name: optimizer.name === 'adam' ? 'sgd' : 'adam' } });
      expect(() => sgd.restoreTrainingState(state)).to.throw(InputError, 'optimizer');
      for (const m of [full, second, other, sgd]) m.dispose();
    });
  }

  it('validates on the last fraction of the data, held out before shuffling', () => {
    const { x, y } = data(20, 7);
    const m = model();
    const h = train(m, x, y, { epochs: 1, batchSize: 4, validationSplit: 0.25 });
    expect(h.trainSamples).to.equal(15);
    expect(h.validationSamples).to.equal(5);
    const v = m.evaluate(x.subarray(15 * F), y.subarray(15));
    expect(h.epochs[0].valLoss).to.equal(v.loss);
    expect(h.epochs[0].valAccuracy).to.equal(v.accuracy);
    m.dispose();
  });

  it('refuses a class weight missing for a training label, and a weight list of the wrong length', () => {
    const { x, y } = data(12, 8);
    const m = model();
    const missing = Float32Array.of(1, NaN, 1);
    expect(() => train(m, x, y, { classWeights: missing })).to.throw(
      InputError,
      /classWeight must contain all classes in the training data; class 1 has none/,
    );
    expect(() => train(m, x, y, { classWeights: [1, 1] })).to.throw(
      InputError,
      /classWeights has 2 weights but the model has 3 classes/,
    );
    m.dispose();
  });
});

describe('holdOut', () => {
  const x = Float32Array.from({ length: 10 * 2 }, (_, k) => k);
  const y = Int32Array.from({ length: 10 }, (_, i) => i);

  it('keeps the first count - floor(count * fraction) samples for training and the rest for validation, as views', () => {
    const { train: t, validation: v } = holdOut(x, y, 2, 0.25);
    expect(Array.from(t.y)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(v!.y)).to.deep.equal([8, 9]);
    expect(Array.from(v!.x)).to.deep.equal([16, 17, 18, 19]);
    expect(t.x.buffer).to.equal(x.buffer);
    expect(holdOut(x, [...y], 2, 0.5).validation!.y).to.deep.equal([5, 6, 7, 8, 9]);
    expect(holdOut(x, y, 2, 0).validation).to.equal(undefined);
  });

  it('refuses a fraction outside [0, 1) and one that leaves no training or no validation samples', () => {
    expect(() => holdOut(x, y, 2, 1)).to.throw(InputError, /validationSplit must be in \[0, 1\), got 1/);
    expect(() => holdOut(x, y, 2, 0.05)).to.throw(
      InputError,
      /validationSplit 0.05 of 10 samples leaves no training or no validation samples/,
    );
    expect(() => holdOut(x, y, 2, 0.5, 'radixnet.fit: ')).to.not.throw();
    expect(() => holdOut(x, y, 2, -0.1, 'radixnet.fit: ')).to.throw(InputError, /^radixnet.fit: validationSplit/);
  });
});
