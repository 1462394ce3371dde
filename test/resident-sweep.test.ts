// A sweep worker keeps its training, validation and test rows resident in its engine from run to run (train's
// keepResident, Mlp.keepResident): the records must be those of runs that copy their data fresh.
import { expect } from 'chai';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import type { Mnist } from '../src/data/mnist.js';
import { PAPER_PRESET, trainMnist, type TrainResult } from '../src/suite/mnist-train.js';
import { Rng } from '../src/random.js';

/** A small MNIST-shaped dataset whose label depends on the pixels, so the nets learn something. */
function fakeMnist(): Mnist {
  const rng = new Rng(3);
  const split = (count: number): Mnist['train'] => {
    const images = Float32Array.from({ length: count * 784 }, () => (rng.next() < 0.2 ? rng.next() : 0));
    const labels = Uint8Array.from({ length: count }, (_, i) => Math.floor(images[i * 784 + 300] * 10) % 10);
    return { images, labels, count };
  };
  const timings = { downloadMs: 0, readMs: 0, sha256Ms: 0, gunzipMs: 0, decodeMs: 0, totalMs: 0 };
  return { train: split(700), test: split(300), source: 'synthetic', files: [], verified: false, timings };
}

const untimed = (r: TrainResult): unknown => ({
  config: r.config,
  topology: r.topology,
  final: r.final,
  history: r.history.map(({ seconds: _s, samplesPerSecond: _p, ...rest }) => rest),
});

describe('resident data across the runs of a sweep worker', () => {
  it('gives the same results as fresh copies, run after run of several topologies on one engine', async function () {
    this.timeout(60000);
    const mnist = fakeMnist();
    // testSamples: the first 200 test samples, a subarray made anew for every run, which must find its kept copy
    const configs = ['10,10/10', '28,28/28', '10,10/10', 'dense'].map((radices, i) => ({
      ...PAPER_PRESET,
      radices,
      epochs: 2,
      seed: 100 + i,
      threads: 1,
      testSamples: 200,
    }));
    const engine = await Engine.create({ threads: 1 });
    const kept: TrainResult[] = [];
    for (const c of configs) kept.push(await trainMnist(c, { mnist, engine }));
    // the engine holds one copy of each set, not one per run: 700 x 0.9 training rows, 70 validation, 200 test (a
    // copy per run would add 200 x 785 x 4 bytes, 628 kB, each run), and of the evaluated sets one feature-major copy
    // each, 4 to 7 columns wider (evaluation reads windows of columns from it)
    const rows = (630 + 70 + 200) * (784 + 1) * 4 + (76 + 204) * 784 * 4;
    expect(engine.memory.allocated).to.be.within(rows, rows + 2 ** 19);
    engine.close();
    for (const [i, c] of configs.entries()) {
      // no engine given: a fresh engine and fresh copies of the data, released after the run
      const fresh = await trainMnist(c, { mnist });
      expect(untimed(kept[i]), c.radices).to.deep.equal(untimed(fresh));
    }
    expect(kept[0].final.testAccuracy).to.be.greaterThan(0.1);
  });

  it('copies and checks a dataset once per engine, and again when its labels change', async () => {
    const engine = Engine.createSync();
    const model = new Mlp(engine, { layers: [4, 3], batchSize: 4 });
    const x = new Float32Array(16);
    const y = Int32Array.of(0, 1, 2, 0);
    const a = model.keepResident(x, y);
    const other = new Mlp(engine, { layers: [4, 3], batchSize: 4 });
    expect(other.keepResident(x, y)).to.equal(a);
    const z = Int32Array.of(2, 1, 0, 0);
    const b = model.keepResident(x, z);
    expect(b).to.not.equal(a);
    expect(a.isReleased).to.equal(true);
    expect(() => model.keepResident(x, Int32Array.of(0, 1, 5, 0))).to.throw(/label 2 is 5/);
  });
});
