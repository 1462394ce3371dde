import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../src/errors.js';
import type { TrainData } from '../src/data/source.js';
import { PAPER_PRESET, trainMnist, type TrainConfig } from '../src/suite/mnist-train.js';
import { Rng } from '../src/random.js';

/** Noise: 240 samples of 10 features with random labels of 3 classes, so a wide net overfits and the validation loss rises. */
function noise(): TrainData {
  const rng = new Rng(3);
  const make = (n: number) => ({
    x: Float32Array.from({ length: n * 10 }, () => rng.normal()),
    y: Int32Array.from({ length: n }, () => rng.int(3)),
    count: n,
    features: 10,
    classes: 3,
  });
  return {
    train: make(240),
    test: make(60),
    name: 'noise',
    source: 'memory',
    scale: 'none',
    testSplit: 'file',
    seconds: 0,
  };
}

describe('train options: early stopping, predict', function () {
  this.timeout(120000);
  const config: TrainConfig = {
    ...PAPER_PRESET,
    radices: 'dense',
    layers: [10, 64, 3],
    epochs: 40,
    batchSize: 16,
    lr: 0.01,
    threads: 1,
    validationSplit: 0.25,
  };

  it('early stopping stops after PATIENCE epochs without a lower validation loss and restores the best epoch: the same weights as a run of that many epochs', async () => {
    const data = noise();
    let stoppedWeights: Float32Array[] = [];
    const stopped = await trainMnist(
      { ...config, earlyStopping: 3 },
      { data, onTrained: (m) => void (stoppedWeights = m.getWeights().map((w) => w.kernel)) },
    );
    const es = stopped.earlyStopping!;
    expect(es.stoppedEpoch).to.be.below(40);
    expect(es.stoppedEpoch - es.bestEpoch).to.equal(3);
    const losses = stopped.history.map((h) => h.valLoss!);
    expect(Math.min(...losses)).to.equal(losses[es.bestEpoch - 1]);
    expect(stopped.final.valLoss).to.equal(losses[es.bestEpoch - 1]);
    let plainWeights: Float32Array[] = [];
    const plain = await trainMnist(
      { ...config, epochs: es.bestEpoch },
      { data, onTrained: (m) => void (plainWeights = m.getWeights().map((w) => w.kernel)) },
    );
    expect(stoppedWeights.map((k) => Array.from(k))).to.deep.equal(plainWeights.map((k) => Array.from(k)));
    expect(stopped.final.testAccuracy).to.equal(plain.final.testAccuracy);
    expect(stopped.final.testLoss).to.equal(plain.final.testLoss);
  });

  it('early stopping without a validation split is refused', async () => {
    let err: unknown;
    try {
      await trainMnist({ ...config, earlyStopping: 2, validationSplit: 0 }, { data: noise() });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.include('--early-stopping watches the validation loss');
  });

  it("radixnet predict scales new samples with the saved standardize statistics: its accuracy on the test file is train's test accuracy", function () {
    const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
    const F = fileURLToPath(new URL('../../test/fixtures/data/', import.meta.url));
    const run = (args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args], {
        encoding: 'utf8',
        timeout: 60000,
        env: { ...process.env, CI: '1' },
      });
    const dir = join(mkdtempSync(join(tmpdir(), 'radixnet-predict-')), 'model');
    const t = run([
      'train',
      '--data',
      join(F, 'x-f4.npy'),
      '--labels',
      join(F, 'y-i8.npy'),
      '--test-data',
      join(F, 'x-f8.npy'),
      '--test-labels',
      join(F, 'y-i4-col.npy'),
      '--scale',
      'standardize',
      '--hidden',
      '6',
      '--radices',
      'dense',
      '--epochs',
      '8',
      '--batch',
      '3',
      '--lr',
      '0.01',
      '--threads',
      '1',
      '--save',
      dir,
      '--json',
    ]);
    if (t.status !== 0 && /TensorFlow\.js|tfjs/.test(t.stderr)) this.skip();
    expect(t.status, t.stderr).to.equal(0);
    const result = JSON.parse(t.stdout).data;
    const p = run([
      'predict',
      dir,
      '--data',
      join(F, 'x-f8.npy'),
      '--labels',
      join(F, 'y-i4-col.npy'),
      '--format',
      'json',
    ]);
    expect(p.status, p.stderr).to.equal(0);
    const out = JSON.parse(p.stdout);
    expect(out.scale).to.equal('standardize');
    expect(out.count).to.equal(12);
    expect(out.accuracy).to.equal(result.final.testAccuracy);
    for (const pr of out.predictions) {
      expect(pr.probabilities.reduce((s: number, v: number) => s + v, 0)).to.be.closeTo(1, 1e-5);
      expect(pr.label).to.equal(pr.probabilities.indexOf(Math.max(...pr.probabilities)));
    }
    // --json: the same predictions in the envelope; with --out, the counts only and the file
    const env = run(['predict', dir, '--data', join(F, 'x-f8.npy'), '--labels', join(F, 'y-i4-col.npy'), '--json']);
    expect(env.status, env.stderr).to.equal(0);
    const envelope = JSON.parse(env.stdout);
    expect(envelope).to.include({ command: 'predict', ok: true });
    expect(envelope.data).to.deep.include({ ...out, out: null, model: dir, data: join(F, 'x-f8.npy') });
    const file = join(dir, '..', 'p.json');
    const written = run(['predict', dir, '--data', join(F, 'x-f8.npy'), '--format', 'json', '--out', file, '--json']);
    expect(written.status, written.stderr).to.equal(0);
    const w = JSON.parse(written.stdout).data;
    expect(w).to.include({ out: file, count: 12, scale: 'standardize' });
    expect(w).to.not.have.property('predictions');
    expect(JSON.parse(readFileSync(file, 'utf8')).predictions).to.deep.equal(
      out.predictions.map(({ label, probabilities }: { label: number; probabilities: number[] }) => ({
        label,
        probabilities,
      })),
    );
    const missing = run(['predict', join(dir, '..', 'none'), '--data', join(F, 'x-f8.npy'), '--json']);
    expect(missing.status).to.equal(2);
    expect(JSON.parse(missing.stdout)).to.deep.include({ command: 'predict', ok: false });
    const csv = run(['predict', dir, '--data', join(F, 'x-f8.npy')]);
    expect(csv.status, csv.stderr).to.equal(0);
    expect(csv.stdout.split('\n')[0]).to.equal('row,label,p0,p1,p2');
    const wrong = run(['predict', dir, '--data', join(F, 'with-header.csv')]);
    expect(wrong.status).to.equal(2);
    expect(wrong.stderr).to.include('samples have 6 features, the model').and.include('--label-column');
  });
});
