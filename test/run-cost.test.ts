// The expected cost of a run (src/suite/run-cost.ts), which orders a sweep longest-first and weighs its ETA.
import { expect } from 'chai';
import { eachAtItsRate, expectedCost, longestFirst } from '../src/suite/run-cost.js';
import type { PlannedRun } from '../src/suite/plan.js';
import { PAPER_PRESET } from '../src/suite/mnist-train.js';

const run = (index: number, radices: string, epochs = 3): PlannedRun => ({
  index,
  key: `${radices}|${epochs}`,
  tags: {},
  config: { ...PAPER_PRESET, radices, epochs },
});

describe('expected run cost', () => {
  it('is samples x (nonzeros + 3000) + 5e7: dense LeNet-300-100 for 3 epochs of 54,000 samples', () => {
    // 784*300 + 300*100 + 100*10 = 266,200 weights
    expect(expectedCost(run(0, 'dense'))).to.equal(5e7 + 3 * 54000 * (266200 + 3000));
    // RadiX-Net 10,10/10: 23,520 + 3,000 nonzeros in the first two layers (radixnet topology prints them), and in
    // the last, 100 -> 10 with radix 10, each output keeps 10 inputs: 100
    expect(expectedCost(run(0, '10,10/10'))).to.equal(5e7 + 3 * 54000 * (23520 + 3000 + 100 + 3000));
  });

  it('hands out dense and long runs first, equal costs in plan order', () => {
    const runs = [run(0, '28,28/28'), run(1, '10,10/10'), run(2, 'dense'), run(3, '10,10/10', 6), run(4, '28,28/28')];
    expect(longestFirst(runs).map((r) => r.index)).to.deep.equal([2, 3, 1, 0, 4]);
  });

  it('gives topology-only runs (no training) a small cost', () => {
    expect(expectedCost({ index: 0, key: 'x', tags: {}, radices: '2,2/2', layers: [8, 4, 2, 2] })).to.be.below(
      expectedCost(run(0, '28,28/28')),
    );
  });
});

describe('the whole-paper ETA', () => {
  const base = { left: 80, othersLeft: 100, costAtStart: 100, costDone: 500, secondsDone: 100 };
  it("runs the current experiment's cost left at its own rate once a tenth of it is done, the rest at the overall rate", () => {
    // own rate 20 / 10 s = 2 per s: 80 left take 40 s; overall 500 / 100 s = 5 per s: 100 others take 20 s
    expect(eachAtItsRate({ ...base, costHere: 20, secondsHere: 10 })).to.equal(60);
  });
  it('uses the overall rate for the current experiment too before a tenth of it is done', () => {
    // 5 of 100 done: (80 + 100) / 5 per s
    expect(eachAtItsRate({ ...base, costHere: 5, secondsHere: 10 })).to.equal(36);
  });
  it('has no estimate before anything was trained', () => {
    expect(eachAtItsRate({ ...base, costHere: 0, secondsHere: 0, costDone: 0, secondsDone: 3 })).to.equal(null);
  });
});
