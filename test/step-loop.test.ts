// What a sweep's steps skip on the host must not change what they compute: the training loop yields no per-step
// events when nothing watches the steps, and a model reuses the fused program of its last step without looking it up.
import { expect } from 'chai';
import { Engine } from '../src/engine/engine.js';
import { Mlp, type MlpSpec } from '../src/engine/mlp.js';
import { train, type EpochLogs } from '../src/engine/train.js';
import { radixNet } from '../src/topology/radixnet.js';
import { Rng } from '../src/random.js';

function data(count: number, features: number, classes: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: count * features }, () => rng.next());
  const y = Int32Array.from({ length: count }, (_, i) => Math.floor(x[i * features] * classes) % classes);
  return { x, y };
}

const bits = (m: Mlp): Buffer => Buffer.from(Float32Array.from(m.parameters()).buffer);
const untimed = (e: EpochLogs[]): unknown[] => e.map(({ seconds: _s, samplesPerSecond: _p, ...rest }) => rest);
const net = radixNet('10,10/10', [784, 300, 100, 10]);
const spec: MlpSpec = { layers: net.layers, masks: net.masks, seed: 5, batchSize: 20 };

describe('the training loop without batch hooks', () => {
  it('trains the same weights and history as with a hook on every step, whose last running metrics are the epoch means', async () => {
    const engine = await Engine.create({ threads: 1 });
    const { x, y } = data(230, 784, 10, 7);
    const val = data(50, 784, 10, 8);
    const opts = { epochs: 3, batchSize: 20, seed: 3, validationData: val, keepResident: true };
    const quiet = new Mlp(engine, spec);
    const watched = new Mlp(engine, spec);
    const a = train(quiet, x, y, opts);
    const last: { loss: number; accuracy: number }[] = [];
    let steps = 0;
    const b = train(watched, x, y, {
      ...opts,
      onBatchEnd: (step, n, running) => {
        steps++;
        if (step === n) last.push(running);
      },
    });
    expect(steps).to.equal(3 * 12);
    expect(untimed(a.epochs)).to.deep.equal(untimed(b.epochs));
    expect(a.epochs[2].valLoss).to.be.a('number');
    expect(last).to.deep.equal(a.epochs.map((e) => ({ loss: e.loss, accuracy: e.accuracy })));
    expect(bits(quiet).equals(bits(watched))).to.equal(true);
    expect(quiet.fusedSteps).to.equal(36);
    engine.close();
  });
});

describe("a model's fused step program", () => {
  it('follows the data and batch size of each step: steps alternating between two resident sets and sizes equal separate kernel calls', async () => {
    const engine = await Engine.create({ threads: 1 });
    const fused = new Mlp(engine, spec);
    const separate = new Mlp(engine, spec);
    separate.fused = false;
    const one = data(60, 784, 10, 1);
    const two = data(40, 784, 10, 2);
    const sets = [fused, separate].map((m) => [m.resident(one.x, one.y), m.resident(two.x, two.y)]);
    const labels = [one.y, two.y];
    // (set, start, n): the same program twice, the other set, back, another size, and the other set at that size
    const steps: [number, number, number][] = [
      [0, 0, 20],
      [0, 20, 20],
      [1, 0, 20],
      [0, 40, 20],
      [0, 3, 7],
      [0, 10, 20],
      [1, 33, 7],
      [1, 13, 7],
      [0, 0, 20],
    ];
    for (const [s, start, n] of steps) {
      const m1 = fused.trainStepOn(sets[0][s], labels[s], null, start, n);
      const m2 = separate.trainStepOn(sets[1][s], labels[s], null, start, n);
      expect(m1, `set ${s} from ${start}, ${n} samples`).to.deep.equal(m2);
    }
    expect([fused.fusedSteps, separate.fusedSteps]).to.deep.equal([steps.length, 0]);
    expect(bits(fused).equals(bits(separate))).to.equal(true);
    // and after the batch buffers move (a larger capacity), steps still fuse and agree
    for (const m of [fused, separate]) m.ensureCapacity(32);
    expect(fused.trainStepOn(sets[0][0], one.y, null, 0, 32)).to.deep.equal(
      separate.trainStepOn(sets[1][0], one.y, null, 0, 32),
    );
    expect(bits(fused).equals(bits(separate))).to.equal(true);
    expect(fused.fusedSteps).to.equal(steps.length + 1);
    engine.close();
  });
});
