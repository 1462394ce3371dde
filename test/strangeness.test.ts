import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  accuracyBands,
  confusion,
  confusionLines,
  isStrange,
  predictorReport,
  predictStrange,
  STRANGE_ACCURACY,
} from '../src/analysis/strangeness.js';
import type { RunRecord } from '../src/suite/experiment.js';

const FIXTURE = join(process.cwd(), 'test', 'fixtures', 'strange-predictor.jsonl');
const LENET = [784, 300, 100, 10];
const fixture = (): RunRecord[] =>
  readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('strangeness', () => {
  it('applies the strange rule exactly: accuracy <= 0.75 inclusive', () => {
    expect(STRANGE_ACCURACY).to.equal(0.75);
    expect(isStrange(0.75)).to.equal(true);
    expect(isStrange(0.7499999)).to.equal(true);
    expect(isStrange(0.75 + 1e-12)).to.equal(false);
    expect(isStrange(0.9)).to.equal(false);
    expect(isStrange(0.5, 0.4)).to.equal(false);
    expect(isStrange(0.4, 0.4)).to.equal(true);
  });

  it('predicts from the smallest output fan-in: 10,10/1 (one unit per class) strange, 10,10/2 and 10,10/10 not', () => {
    expect(predictStrange('10,10/1', LENET)).to.deep.equal({ predicted: true, minOutputFanIn: 1 });
    expect(predictStrange('[[10,10,1]]', LENET)).to.deep.equal({ predicted: true, minOutputFanIn: 1 });
    expect(predictStrange('10,10/2', LENET)).to.deep.equal({ predicted: false, minOutputFanIn: 2 });
    expect(predictStrange('10,10/10', LENET)).to.deep.equal({ predicted: false, minOutputFanIn: 10 });
    expect(predictStrange('dense', LENET)).to.deep.equal({ predicted: false, minOutputFanIn: 100 });
    expect(() => predictStrange('10', [784, 10])).to.throw(/needs at least 3 layer sizes/);
  });

  it('counts a confusion table and its precision and recall', () => {
    const c = confusion([
      { predicted: true, observed: true },
      { predicted: true, observed: true },
      { predicted: true, observed: false },
      { predicted: false, observed: true },
      { predicted: false, observed: false },
      { predicted: false, observed: false },
      { predicted: false, observed: false },
    ]);
    expect(c).to.deep.equal({
      truePositive: 2,
      falsePositive: 1,
      falseNegative: 1,
      trueNegative: 3,
      precision: 2 / 3,
      recall: 2 / 3,
    });
    const empty = confusion([{ predicted: false, observed: false }]);
    expect(Number.isNaN(empty.precision)).to.equal(true);
    expect(confusionLines(empty).at(-1)).to.equal('precision undefined (no cases), recall undefined (no cases)');
  });

  it('scores the predictor on a fixed results file (validation accuracy <= 0.75 = trained badly)', () => {
    // 10,10/1 at 0.30: TP; 10,10/1 at 0.80: FP; 10,10/2 at exactly 0.75: FN (inclusive); 10,10/10 at 0.92 and
    // dense at 0.97: TN; 11,10/1 at 0.7500001: FP
    const r = predictorReport(fixture());
    expect(r.data.confusion).to.deep.equal({
      truePositive: 1,
      falsePositive: 2,
      falseNegative: 1,
      trueNegative: 2,
      precision: 1 / 3,
      recall: 1 / 2,
    });
    expect(r.data.predictedStrange).to.deep.equal(['10,10/1', '11,10/1']);
    expect(r.text[0]).to.include('final validation accuracy is <= 0.75; 6 runs');
    expect(r.text.at(-1)).to.equal('  precision 0.333, recall 0.500');
    // judged on training accuracy (0.01 below validation in the fixture) 11,10/1 at 0.7400001 turns strange: TP
    expect(predictorReport(fixture(), { measure: 'train' }).data.confusion).to.include({
      truePositive: 2,
      falsePositive: 1,
      falseNegative: 1,
    });
  });

  it('names the missing field of records it cannot score', () => {
    const records = fixture();
    const noFinal = records.map((r, k) => (k === 2 ? { ...r, final: null } : r));
    expect(() => predictorReport(noFinal)).to.throw(
      /record 2 \(10,10\/2\|seed=102\|epochs=1\|batch=100\) has no final\.valAccuracy/,
    );
    const noConfig = records.map((r, k) => (k === 0 ? { ...r, config: null } : r));
    expect(() => predictorReport(noConfig)).to.throw(/record 0 .* has no config\.layers/);
    expect(() => predictorReport(noFinal, { measure: 'train' })).to.throw(/has no final\.trainAccuracy/);
  });

  it('splits sorted accuracies into bands at gaps above the split gap', () => {
    expect(accuracyBands([0.62, 0.28, 0.3, 0.58, 0.6, 0.41], 0.03)).to.deep.equal([
      { low: 0.28, high: 0.3, count: 2 },
      { low: 0.41, high: 0.41, count: 1 },
      { low: 0.58, high: 0.62, count: 3 },
    ]);
    // a gap exactly equal to the split gap stays inside the band
    expect(accuracyBands([0.5, 0.625, 0.75], 0.125)).to.have.length(1);
    expect(accuracyBands([], 0.1)).to.deep.equal([]);
    expect(() => accuracyBands([0.5], -1)).to.throw(/band gap must be a number >= 0/);
  });
});
