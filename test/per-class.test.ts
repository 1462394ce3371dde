import { expect } from 'chai';
import { confusionMatrix, countLostClasses, lostClasses, recallPerClass } from '../src/analysis/per-class.js';
import { Mlp } from '../src/engine/mlp.js';
import { loadMnist } from '../src/data/mnist.js';
import { trainMnist, PAPER_PRESET } from '../src/suite/mnist-train.js';
import { InputError } from '../src/errors.js';

describe('per-class outcomes', function () {
  this.timeout(120000);

  it('builds the confusion matrix from argmax scores and each class recall as a hand-computed case gives', () => {
    // 3 classes, 7 samples; predictions by argmax (ties: the first maximum)
    const y = [0, 0, 0, 1, 1, 2, 2];
    const scores = [
      0.9,
      0.05,
      0.05, // 0 -> 0
      0.2,
      0.7,
      0.1, // 0 -> 1
      0.4,
      0.4,
      0.2, // 0 -> 0 (tie: first)
      0.1,
      0.8,
      0.1, // 1 -> 1
      0.1,
      0.1,
      0.8, // 1 -> 2
      0.3,
      0.3,
      0.4, // 2 -> 2
      0.5,
      0.2,
      0.3, // 2 -> 0
    ];
    const m = confusionMatrix(y, scores, 3);
    expect(m).to.deep.equal([
      [2, 1, 0],
      [0, 1, 1],
      [1, 0, 1],
    ]);
    expect(recallPerClass(m)).to.deep.equal([2 / 3, 1 / 2, 1 / 2]);
    // a class never predicted correctly is lost; a class with no samples has NaN recall and is not counted lost
    expect(
      recallPerClass([
        [3, 0],
        [4, 0],
      ]),
    ).to.deep.equal([1, 0]);
    expect(
      Number.isNaN(
        recallPerClass([
          [0, 0],
          [1, 1],
        ])[0],
      ),
    ).to.equal(true);
    expect(lostClasses([0.9, 0.04, 0.05, 0, NaN])).to.deep.equal([1, 3]);
  });

  it('counts runs by the number of classes they lost', () => {
    const c = countLostClasses([
      [1, 1, 1],
      [0, 1, 1],
      [0, 0.01, 1],
      [0.5, 0.5, 0.5],
    ]);
    expect(c).to.deep.equal({ runs: 4, withLost: 2, byCount: [2, 1, 1], threshold: 0.05 });
  });

  it('refuses scores that do not match the labels', () => {
    expect(() => confusionMatrix([0, 1], [0.1, 0.9, 0.3], 2)).to.throw(InputError, /expected 4/);
    expect(() => confusionMatrix([0, 3], [0.1, 0.9, 0.3, 0.7], 2)).to.throw(InputError, /label 1 is 3/);
  });

  it('puts the test confusion matrix and recall in a training result, agreeing with the test accuracy, and per-epoch recall when asked', async () => {
    const mnist = await loadMnist();
    let seen = 0;
    const steps: number[] = [];
    const r = await trainMnist(
      { ...PAPER_PRESET, radices: '10,10/1', epochs: 2, trainSamples: 2000, testSamples: 700, threads: 1 },
      {
        mnist,
        perClassEpochs: true,
        inspect: (model: Mlp, point) => {
          expect(model.classes).to.equal(10);
          if (point.at === 'epoch-end') expect(point.epoch).to.be.within(1, 2);
          if (point.at === 'step') steps.push(point.step);
          else seen++;
        },
      },
    );
    expect(seen).to.equal(4); // init, first step, two epoch ends
    // every step of the first epoch: 2000 samples less the 10% validation split, batches of 100
    expect(steps).to.deep.equal(Array.from({ length: 18 }, (_, k) => k + 1));
    const m = r.final.testConfusion;
    const total = m.flat().reduce((s, v) => s + v, 0);
    expect(total).to.equal(700);
    const correct = m.reduce((s, row, t) => s + row[t], 0);
    expect(correct / total).to.be.closeTo(r.final.testAccuracy, 1e-9);
    // per-class counts are the test labels' own
    const labels = new Array(10).fill(0);
    for (let i = 0; i < 700; i++) labels[mnist.test.labels[i]]++;
    expect(m.map((row) => row.reduce((s, v) => s + v, 0))).to.deep.equal(labels);
    expect(r.final.testRecall).to.deep.equal(recallPerClass(m));
    for (const e of r.history) {
      expect(e.trainRecall).to.have.length(10);
      for (const v of e.trainRecall!) expect(v).to.be.within(0, 1);
    }
  });
});
