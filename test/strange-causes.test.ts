import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brier, fisherExact, fitLogistic, predictLogistic, rocAuc, wilson } from '../src/analysis/inference.js';
import {
  calibratedRisk,
  calibratedRiskLines,
  evaluateRisk,
  inRiskScope,
  riskGroup,
  riskRuns,
  type MeasuredGroupRisk,
} from '../src/analysis/strange-risk.js';
import { diagnoseRadixNet, riskSectionLines } from '../src/analysis/diagnose.js';
import { MEASURED_PREVENTION, MEASURED_PREVENTION_OTHER, MEASURED_RISK } from '../src/analysis/strange-measured.js';
import {
  binNormalLevels,
  classifySlowStuck,
  compareAucs,
  crossValidatedAuc,
  crossValidatedScores,
} from '../src/analysis/slow-stuck.js';
import { cheapestMeasure, measureTable } from '../src/analysis/prevention.js';
import {
  FeedRecorder,
  lastHiddenActivity,
  lastHiddenPreActivations,
  ownClassView,
  type FeedData,
  type FeedSnapshot,
} from '../src/analysis/feed-recorder.js';
import {
  evaluateStepPredictors,
  f1Threshold,
  fitStep0,
  step0Probability,
  step0Vector,
  stepRuns,
  stepVector,
} from '../src/analysis/run-predictor.js';
import { readCombined } from '../src/suite/combine.js';
import { plan, planId, resolveParams } from '../src/suite/plan.js';
import { strangeCauses } from '../src/suite/experiments/strange-causes.js';
import { summarizeFiles } from '../src/suite/summarize.js';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import { radixNet } from '../src/topology/radixnet.js';
import { checkRecord, readResults } from '../src/suite/results-file.js';
import { runPlan } from '../src/suite/runner.js';
import type { RunRecord } from '../src/suite/experiment.js';
import { InputError } from '../src/errors.js';
import { dyingRun, strangeCausesPlot } from '../src/figures/plots/strange-causes.js';

const LAYERS = [784, 300, 100, 10];
const FIXTURE = join(process.cwd(), 'test', 'fixtures', 'strange-causes', 'calibrate.jsonl');

/** A record with only what the analyses read. */
function rec(
  over: {
    radices: string;
    seed: number;
    acc: number;
    stage: string;
    measure?: string;
    weights?: number;
    sparsity?: number;
    val?: number[];
    recall?: number[];
    tags?: Record<string, string | number | boolean>;
  },
  index = 0,
): RunRecord {
  const val = over.val ?? [over.acc];
  return {
    v: 1,
    experiment: 'strange-causes',
    planId: 't',
    params: {},
    index,
    key: `${over.radices}|${over.seed}|${over.measure ?? ''}|${over.stage}`,
    tags: {
      stage: over.stage,
      radices: over.radices,
      seed: over.seed,
      measure: over.measure ?? 'baseline',
      ...over.tags,
    },
    config: null,
    topology: {
      radices: over.radices,
      sparsity: over.sparsity ?? 0.95,
      kroneckerSparsity: 0.95,
      weights: over.weights ?? 1000,
      denseWeights: 266200,
    },
    history: val.map((v, k) => ({
      epoch: k + 1,
      loss: 1,
      accuracy: over.acc,
      valAccuracy: v,
      seconds: 1,
      samplesPerSecond: 1,
    })),
    final: {
      trainAccuracy: over.acc,
      trainLoss: 1,
      valAccuracy: val[val.length - 1],
      valLoss: 1,
      testAccuracy: over.acc,
      testLoss: 1,
      ...(over.recall ? { testRecall: over.recall } : {}),
    },
    wallSeconds: 1,
    threads: 1,
    host: 't',
  };
}

describe('strange causes: statistics, risk, prevention, slow vs stuck, per-run prediction', function () {
  this.timeout(120000);

  it('computes Wilson intervals, Fisher exact p, Brier, AUC and a ridge logistic fit as scipy and the textbook formulas do', () => {
    const [lo, hi] = wilson(3, 10);
    expect(lo).to.be.closeTo(0.10779126740630099, 1e-12);
    expect(hi).to.be.closeTo(0.6032218525388546, 1e-12);
    expect(wilson(0, 5)[0]).to.equal(0);
    expect(wilson(5, 5)[1]).to.equal(1);
    // scipy.stats.fisher_exact([[3,5],[9,1]]) and ([[2,8],[7,3]])
    expect(fisherExact(3, 5, 9, 1)).to.be.closeTo(0.04298642533936652, 1e-10);
    expect(fisherExact(2, 8, 7, 3)).to.be.closeTo(0.06977851869492736, 1e-10);
    expect(brier([0.2, 0.9], [false, true])).to.be.closeTo((0.04 + 0.01) / 2, 1e-15);
    // scipy mannwhitneyu U / (n1 n2) on the same scores (ties count half)
    expect(rocAuc([0.1, 0.4, 0.35, 0.8, 0.8, 0.2], [false, false, true, true, false, true])).to.equal(0.5);
    // scipy.optimize.minimize of the same penalised likelihood (ridge 0.01 on the standardised slope)
    const x = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.55];
    const y = [0, 0, 1, 1, 1, 0, 1, 0].map(Boolean);
    const m = fitLogistic(
      x.map((v) => [v]),
      y,
      0.01,
    );
    expect(m.intercept).to.be.closeTo(0.02643262, 1e-6);
    expect(m.coef[0]).to.be.closeTo(2.11155767, 1e-6);
    expect(predictLogistic(m, [0.5])).to.be.closeTo(0.5066077694741167, 1e-7);
  });

  it('puts family models in their risk group by output fan-in and whether the feeding units serve one output', () => {
    expect(riskGroup('10,10/1', LAYERS)).to.equal('fan-in 1');
    expect(riskGroup('6,11/1', LAYERS)).to.equal('fan-in 2, own units');
    expect(riskGroup('10,10/2', LAYERS)).to.equal('fan-in 2, shared units');
    expect(riskGroup('10,12/3', LAYERS)).to.equal('fan-in 3');
    expect(riskGroup('10,10/10', LAYERS)).to.equal('fan-in >= 4');
  });

  it('builds the reliability table and Brier scores of a fixed small results file as computed by hand (and by numpy for the sparsity model)', () => {
    const { records } = readResults(FIXTURE);
    const fit = riskRuns(
      records.filter((r) => r.tags.role === 'fit'),
      LAYERS,
    );
    const evaluation = riskRuns(
      records.filter((r) => r.tags.role === 'eval'),
      LAYERS,
    );
    const e = evaluateRisk(fit, evaluation);
    const row = (g: string) => e.reliability.find((r) => r.group === g)!;
    // Jeffreys estimates (k + 1/2) / (n + 1) of the fit runs: 3/4, 1/4, 2/4, 0/4, 0/4 strange
    expect(row('fan-in 1')).to.include({ strange: 3, runs: 4, evalStrange: 3, evalRuns: 3 });
    expect(row('fan-in 1').probability).to.be.closeTo(0.7, 1e-12);
    expect(row('fan-in 2, shared units').probability).to.be.closeTo(0.3, 1e-12);
    expect(row('fan-in 2, own units').probability).to.be.closeTo(0.5, 1e-12);
    expect(row('fan-in 3').probability).to.be.closeTo(0.1, 1e-12);
    expect(row('fan-in >= 4').probability).to.be.closeTo(0.1, 1e-12);
    expect(row('fan-in 2, own units').frequency).to.be.closeTo(1 / 3, 1e-12);
    expect(row('fan-in 1').ciLow).to.be.closeTo(wilson(3, 3)[0], 1e-12);
    // by hand: 3(0.3^2) + (0.7^2 + 2(0.3^2)) + 3(0.5^2) + 3(0.1^2) + 3(0.1^2) over 15 runs
    expect(e.brierGroup).to.be.closeTo(1.75 / 15, 1e-12);
    expect(e.brierSparsity).to.be.closeTo(0.11448325580458454, 1e-6);
    expect(e.brierBase).to.be.closeTo(0.22333333333333324, 1e-12);
  });

  it('gives the measured risk of the topology group inside the measured scope and says it is unmeasured outside', () => {
    const table: MeasuredGroupRisk[] = [
      {
        group: 'fan-in 1',
        probability: 0.9,
        fitStrange: 9,
        fitRuns: 10,
        evalStrange: 8,
        evalRuns: 10,
        evalCi: [0.49, 0.94],
      },
    ];
    expect(inRiskScope('10,10/1', LAYERS)).to.equal(true);
    expect(inRiskScope('10,10/1', [784, 300, 100, 10], [1, 3, 1])).to.equal(false); // custom Kronecker widths
    expect(inRiskScope('10,10,1', LAYERS)).to.equal(false); // not [[i,j],[k]]
    expect(inRiskScope('16,10/1', LAYERS)).to.equal(false); // i > 15
    expect(inRiskScope('2,2/2', LAYERS)).to.equal(false); // Kronecker sparsity < 0.9
    expect(inRiskScope('10,10/1', [784, 200, 100, 10])).to.equal(false);
    const inside = calibratedRisk('10,10/1', LAYERS, undefined, table);
    expect(inside).to.deep.include({ group: 'fan-in 1', inScope: true });
    expect(calibratedRiskLines(inside, 'src')[0]).to.match(/with probability 0\.90 .* 8 of 10, 95% CI 0\.49-0\.94/);
    const outside = calibratedRisk('10,10,1', LAYERS, undefined, table);
    expect(outside).to.deep.include({ group: 'fan-in 1', inScope: false, measured: null });
    expect(calibratedRiskLines(outside, 'src')[0]).to.match(
      /^calibrated risk: not measured for this network; the numbers hold only for the simple family/,
    );
    // the measured table covers every group, and diagnose prints the group's numbers and, when at risk, a remedy line
    expect(MEASURED_RISK.map((g) => g.group).sort())
      .to.deep.equal([...new Set(MEASURED_RISK.map((g) => g.group))].sort())
      .and.have.length(5);
    expect(MEASURED_PREVENTION.find((r) => r.measure === 'baseline')).to.not.equal(undefined);
    const d = diagnoseRadixNet('10,10/1', LAYERS);
    const lines = riskSectionLines(d);
    expect(lines[0]).to.match(/^calibrated risk: a run of this topology ends strange .* group 'fan-in 1'/);
    expect(lines[lines.length - 1]).to.match(/^(cheapest measured remedy|no measured remedy passed)/);
    expect(d.preventionMeasuredOn).to.equal('family');
    expect(d.prevention).to.deep.equal(cheapestMeasure(MEASURED_PREVENTION));
    // a Fig. 4 list outside the family gets the remedies measured on such lists, never a nearby list it has not got
    const stuck = diagnoseRadixNet('8,9,8', LAYERS);
    expect(stuck.verdict).to.equal('at risk');
    expect(stuck.suggestions).to.have.length(0);
    expect(stuck.preventionMeasuredOn).to.equal('other');
    expect(stuck.prevention).to.deep.equal(
      cheapestMeasure(MEASURED_PREVENTION_OTHER.filter((r) => r.measure !== 'nearby')),
    );
    const last = riskSectionLines(stuck).at(-1)!;
    expect(last).to.include('Fig. 4 lists outside the simple family').and.not.include('nearby lists below');
  });

  it('draws the reliability diagram from the fixed file and picks the longest run with the most lost classes for the per-class curves', () => {
    const { records } = readResults(FIXTURE);
    const { spec, caption } = strangeCausesPlot.draw(records, 'fixture');
    const panels = (
      spec as unknown as {
        vconcat: { layer: { data: { values: { group: string; predicted: number; observed: number }[] } }[] }[];
      }
    ).vconcat;
    expect(panels).to.have.length(1); // no per-class history in the fixture: the reliability panel only
    const points = panels[0].layer[2].data.values;
    expect(points.find((v) => v.group === 'fan-in 1')).to.include({ predicted: 0.7, observed: 1 });
    expect(caption).to.match(/Wilson 95% intervals/);
    const r10 = Array.from({ length: 10 }, () => 0.5);
    const a = rec(
      { radices: 'a', seed: 1, acc: 0.5, stage: 'fig4-retrain', val: [0.5, 0.5, 0.5], recall: [0, 0, ...r10.slice(2)] },
      3,
    );
    const b = rec(
      { radices: 'b', seed: 1, acc: 0.5, stage: 'fig4-retrain', val: [0.5, 0.5, 0.5], recall: [0, ...r10.slice(1)] },
      1,
    );
    const c = rec(
      { radices: 'c', seed: 1, acc: 0.5, stage: 'calibrate', val: [0.5], recall: [0, 0, 0, ...r10.slice(3)] },
      0,
    );
    for (const x of [a, b, c]) for (const e of x.history) e.trainRecall = r10;
    expect(dyingRun([c, b, a])!.topology.radices).to.equal('a');
    // the lost classes of the drawn run are named in its legend, and labels of groups at the same spot do not overprint
    const both = strangeCausesPlot.draw([...records, a], 'fixture').spec as unknown as {
      vconcat: [
        { data: { values: { class: string }[] } },
        { layer: { data: { values: { predicted: number; labelY?: number }[] } }[] },
      ];
    };
    expect([...new Set(both.vconcat[0].data.values.map((v) => v.class))]).to.deep.equal([
      '0 (lost)',
      '1 (lost)',
      ...Array.from({ length: 8 }, (_, k) => String(k + 2)),
    ]);
    const labels = both.vconcat[1].layer.slice(3).flatMap((l) => l.data.values);
    expect(labels).to.have.length(panels[0].layer[2].data.values.length);
    for (const p of labels)
      for (const q of labels)
        if (p !== q && Math.abs(p.predicted - q.predicted) < 0.25)
          expect(Math.abs(p.labelY! - q.labelY!)).to.be.at.least(0.045);
    expect(() =>
      strangeCausesPlot.draw([rec({ radices: 'x', seed: 1, acc: 0.5, stage: 'prevent' })], 'f.jsonl'),
    ).to.throw(InputError, /f\.jsonl: nothing to draw/);
  });

  it('refuses to score the risk on runs whose seeds were fitted on', () => {
    const { records } = readResults(FIXTURE);
    const runs = riskRuns(records, LAYERS);
    expect(() => evaluateRisk(runs, runs)).to.throw(InputError, /share seeds/);
  });

  it('counts recovery per measure against the baseline on the same models and seeds, and picks the cheapest that works', () => {
    const records: RunRecord[] = [];
    for (let s = 0; s < 12; s++) {
      records.push(rec({ radices: '10,10/1', seed: s, acc: s < 2 ? 0.9 : 0.4, stage: 'calibrate', weights: 26530 }));
      const withBias = rec({
        radices: '10,10/1',
        seed: s,
        acc: 0.92,
        stage: 'prevent',
        measure: 'bias',
        weights: 26530,
      });
      withBias.config = { bias: true, layers: LAYERS } as RunRecord['config'];
      records.push(withBias);
      records.push(
        rec({ radices: '10,10/1', seed: s, acc: 0.93, stage: 'prevent', measure: 'dense-last', weights: 27520 }),
      );
      records.push(
        rec({
          radices: '10,10/1',
          seed: s,
          acc: s < 3 ? 0.9 : 0.4,
          stage: 'prevent',
          measure: 'glorot',
          weights: 26530,
        }),
      );
    }
    // a prevent run without its baseline seed is not compared
    records.push(rec({ radices: '10,10/1', seed: 99, acc: 0.9, stage: 'prevent', measure: 'bias' }));
    const rows = measureTable(records);
    const by = (m: string) => rows.find((r) => r.measure === m)!;
    expect(by('baseline')).to.include({ runs: 12, normal: 2 });
    expect(by('bias')).to.include({ runs: 12, normal: 12, addedWeights: 410 }); // 300 + 100 + 10 biases
    expect(by('dense-last')).to.include({ normal: 12, addedWeights: 990 });
    expect(by('bias').pVsBaseline).to.be.closeTo(fisherExact(12, 0, 2, 10), 1e-15);
    expect(by('glorot').pVsBaseline).to.be.closeTo(1, 1e-9);
    expect(cheapestMeasure(rows)!.measure).to.equal('bias');
  });

  it("classifies retrained runs as slow when they reach their bin's normal level at some epoch and stuck otherwise", () => {
    // screen: normal networks of the 90-100% bin at 0.80..0.89 (10th percentile, nearest rank: 0.80), one bad one
    const screen = [0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.86, 0.87, 0.88, 0.89].map((v, k) =>
      rec({ radices: `n${k}`, seed: 1, acc: v, stage: 'fig4-screen', sparsity: 0.95 }),
    );
    screen.push(rec({ radices: 'bad', seed: 1, acc: 0.5, stage: 'fig4-screen', sparsity: 0.95 }));
    const levels = binNormalLevels(screen, 0.75);
    expect(levels.get(9)).to.equal(0.8);
    const slow = classifySlowStuck(
      rec({ radices: 'a', seed: 1, acc: 0.9, stage: 'fig4-retrain', val: [0.5, 0.7, 0.81, 0.79] }),
      levels,
    );
    expect(slow).to.include({ verdict: 'slow', caughtUpAt: 3, bestValAccuracy: 0.81 });
    const stuck = classifySlowStuck(
      rec({
        radices: 'b',
        seed: 1,
        acc: 0.6,
        stage: 'fig4-retrain',
        val: [0.5, 0.6, 0.6, 0.61],
        recall: [0.9, 0.9, 0, 0.9, 0.9, 0.02, 0.9, 0.9, 0.9, 0.9],
      }),
      levels,
    );
    expect(stuck).to.include({ verdict: 'stuck', caughtUpAt: null });
    expect(stuck.lostClasses).to.deep.equal([2, 5]);
    expect(() =>
      classifySlowStuck(rec({ radices: 'c', seed: 1, acc: 0.5, stage: 'fig4-retrain', sparsity: 0.5 }), levels),
    ).to.throw(InputError, /bin 5 has no normal/);
  });

  it('scores a feature that separates held-out rows perfectly at AUC 1 and a useless one near 0.5', () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      features: { good: i % 2 ? 1 + i / 100 : -1 - i / 100, noise: (i * 7919) % 13 },
      label: i % 2 === 1,
    }));
    expect(crossValidatedAuc(rows, ['good'])).to.equal(1);
    expect(Math.abs(crossValidatedAuc(rows, ['noise']) - 0.5)).to.be.below(0.3);
  });

  it('records the same step-0 feeding-unit data, features and predicted probability for the same seed, and other ones for another seed', async () => {
    const engine = await Engine.create({ threads: 1 });
    try {
      const net = radixNet('10,10/2', LAYERS);
      const x = new Float32Array(50 * 784);
      for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761) % 1000) / 1000;
      const y = Array.from({ length: 50 }, (_, i) => i % 10);
      const at = (seed: number) => {
        const model = new Mlp(engine, { layers: LAYERS, masks: net.masks, seed, batchSize: 50 });
        const rec0 = new FeedRecorder(net.masks[2], LAYERS, 50);
        rec0.inspect(model, { at: 'init' }, { x, y });
        // the activity agrees with a plain dense float64 forward pass over the full kernels
        const w = model.getWeights();
        const ref = lastHiddenActivity(w, LAYERS, x, 50);
        let h = Array.from(x.subarray(0, 784));
        for (let l = 0; l < 2; l++) {
          const n = LAYERS[l + 1];
          const z = new Array<number>(n).fill(0);
          for (let i = 0; i < LAYERS[l]; i++) for (let o = 0; o < n; o++) z[o] += h[i] * w[l].kernel[i * n + o];
          h = z.map((v) => Math.max(0, v));
        }
        const first = ref.mean.slice(); // mean over 50 rows; check row 0 alone separately below
        const single = lastHiddenActivity(w, LAYERS, x, 1);
        for (let u = 0; u < 100; u++) expect(single.mean[u]).to.be.closeTo(h[u], 1e-9);
        model.dispose();
        const feed = { ...rec0.data(), firstGradient: Array.from({ length: 10 }, () => [0, 0]) };
        return { feed, first };
      };
      const a = at(7);
      const b = at(7);
      const c = at(8);
      expect(a.feed).to.deep.equal(b.feed);
      expect(a.feed.units[0]).to.deep.equal([0, 1]); // output c reads units u with (u - c) mod 100 < 2
      expect(step0Vector(a.feed)).to.deep.equal(step0Vector(b.feed));
      expect(step0Vector(a.feed)).to.not.deep.equal(step0Vector(c.feed));
      const model = fitStep0([
        { radices: 'r', seed: 1, lost: true, step0: step0Vector(a.feed), minRecallEpoch1: NaN, deadEpoch1: 0 },
        { radices: 'r', seed: 2, lost: false, step0: step0Vector(c.feed), minRecallEpoch1: NaN, deadEpoch1: 0 },
      ]);
      expect(step0Probability(model, a.feed)).to.equal(step0Probability(model, b.feed));
    } finally {
      engine.close();
    }
  });

  it('compares held-out AUCs with paired bootstrap intervals: a perfect model against a hand-scored baseline', () => {
    const y = [true, false, true, false, true, false, false, true];
    const perfect = y.map((v, i) => (v ? 1 : 0) + i / 100);
    // the baseline ranks one negative (index 1) above every positive: AUC 12/16
    const base = [0.6, 0.9, 0.7, 0.1, 0.8, 0.2, 0.3, 0.5];
    expect(rocAuc(base, y)).to.equal(0.75);
    const c = compareAucs(perfect, base, y);
    expect(c.auc).to.equal(1);
    expect(c.aucCi).to.deep.equal([1, 1]);
    expect(c.gain).to.equal(0.25);
    expect(c.gainCi[0]).to.be.at.least(0).and.at.most(0.25);
    expect(c.gainCi[1]).to.be.at.least(0.25).and.at.most(1);
    expect(compareAucs(perfect, base, y)).to.deep.equal(c);
    const same = compareAucs(base, base, y);
    expect(same.gain).to.equal(0);
    expect(same.gainCi).to.deep.equal([0, 0]);
    // NaN scores (folds that could not be fitted) are left out of both
    expect(compareAucs([...perfect, NaN], [...base, 0.99], [...y, false]).auc).to.equal(1);
    const rows = y.map((label, i) => ({ features: { x: perfect[i] }, label }));
    const oof = crossValidatedScores(rows, ['x'], 4);
    expect(rocAuc(oof, y)).to.equal(crossValidatedAuc(rows, ['x'], 4));
  });

  it('records feeding units where --feed-fan-in asks (the coin stage always), and nothing else changes the runs', () => {
    const over = {
      stages: ['calibrate', 'coin'] as ('calibrate' | 'coin')[],
      others: 2,
      fitSeeds: [1],
      evalSeeds: [2],
      coinModels: ['10,10/2'],
      coinFitSeeds: [3],
      coinEvalSeeds: [4],
    };
    const feedOf = (feedFanIn: number) =>
      strangeCauses
        .plan(resolveParams(strangeCauses, { ...over, feedFanIn }), [])
        .map((r) => ({ key: r.key, stage: r.tags.stage, fanIn: Number(r.tags.fanIn), feed: r.tags.feed }));
    const all = feedOf(3);
    const none = feedOf(-1);
    const two = feedOf(2);
    expect(none.map((r) => r.key)).to.deep.equal(all.map((r) => r.key));
    for (const r of all) expect(r.feed).to.equal(r.stage === 'coin' || r.fanIn <= 3);
    for (const r of none) expect(r.feed).to.equal(r.stage === 'coin');
    for (const r of two) expect(r.feed).to.equal(r.stage === 'coin' || r.fanIn <= 2);
    expect(all.some((r) => r.stage === 'calibrate' && r.fanIn === 3)).to.equal(true);
  });

  it('computes each class view on its own rows as a hand-worked case gives', () => {
    // 4 rows, 3 last-hidden units, 2 classes: class 0 reads units 0 and 1, class 1 reads units 1 and 2
    const z = Float64Array.from([1, -2, 0.5, /* row 1 */ -1, 3, 2, /* row 2 */ 2, 1, -1, /* row 3 */ 0, 0, 4]);
    const y = [0, 0, 1, 1];
    // kernel width x classes: w(u0,c0)=0.5, w(u1,c0)=-1, w(u1,c1)=2, w(u2,c1)=-0.5
    const kernel = Float32Array.from([0.5, 0, -1, 2, 0, -0.5]);
    const v = ownClassView(
      z,
      y,
      4,
      [
        [0, 1],
        [1, 2],
      ],
      kernel,
      undefined,
    );
    // logits (ReLU of z): row0 c0 = 0.5*1 = 0.5, c1 = -0.5*0.5 = -0.25; row1 c0 = -3, c1 = 6 - 1 = 5
    //                     row2 c0 = 1 - 1 = 0, c1 = 2; row3 c0 = 0, c1 = -2
    expect(v.zOwn).to.deep.equal([
      [0, 0.5],
      [0.5, 1.5],
    ]);
    expect(v.onOwn).to.deep.equal([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    expect(v.recall).to.deep.equal([0.5, 0.5]);
    expect(v.margin[0]).to.be.closeTo((0.75 - 8) / 2, 1e-12);
    expect(v.margin[1]).to.be.closeTo((2 - 2) / 2, 1e-12);
    // positive evidence: class 0 only from unit 0 (row 0: 0.5); class 1 only from unit 1 (row 2: 2)
    expect(v.drive[0]).to.be.closeTo(0.25, 1e-12);
    expect(v.drive[1]).to.be.closeTo(1, 1e-12);
    // a bias on the output shifts every logit of its class
    const b = ownClassView(
      z,
      y,
      4,
      [
        [0, 1],
        [1, 2],
      ],
      kernel,
      Float32Array.from([10, 0]),
    );
    expect(b.recall).to.deep.equal([1, 0]);
  });

  it('computes the last hidden pre-activations as a dense float64 forward pass does, zero inputs and negative values included', async () => {
    const engine = await Engine.create({ threads: 1 });
    try {
      const net = radixNet('10,10/2', LAYERS);
      const model = new Mlp(engine, { layers: LAYERS, masks: net.masks, seed: 3, batchSize: 10 });
      const w = model.getWeights();
      model.dispose();
      const x = new Float32Array(3 * 784);
      for (let i = 0; i < x.length; i++) x[i] = i % 5 === 0 ? ((i * 7919) % 997) / 997 : 0;
      const got = lastHiddenPreActivations(w, LAYERS, x, 3);
      for (let s = 0; s < 3; s++) {
        let h = Array.from(x.subarray(s * 784, (s + 1) * 784));
        let z: number[] = [];
        for (let l = 0; l < 2; l++) {
          const n = LAYERS[l + 1];
          z = new Array<number>(n).fill(0);
          for (let i = 0; i < LAYERS[l]; i++) for (let o = 0; o < n; o++) z[o] += h[i] * w[l].kernel[i * n + o];
          h = z.map((v) => Math.max(0, v));
        }
        for (let u = 0; u < 100; u++) expect(got[s * 100 + u]).to.be.closeTo(z[u], 1e-9);
        expect(z.some((v) => v < 0)).to.equal(true);
      }
    } finally {
      engine.close();
    }
  });

  it('chooses the F1-best threshold of hand-worked scores and scores k-step predictors only on seeds it was not fitted on', () => {
    // positives at 0.9 and 0.8, a negative at 0.85: threshold between 0.7 and 0.8 catches both (F1 0.8)
    expect(f1Threshold([0.9, 0.85, 0.8, 0.7, 0.1], [true, false, true, false, false])).to.be.closeTo(0.75, 1e-12);
    const own = (recall: number): FeedSnapshot => ({
      w: [
        [0.1, -0.2],
        [-0.1, -0.3],
      ],
      act: [
        [1, 1],
        [1, 1],
      ],
      on: [
        [0.5, 0],
        [0.5, 0.5],
      ],
      own: {
        zOwn: [
          [0, 0],
          [0, 0],
        ],
        onOwn: [
          [0, 0],
          [0, 0],
        ],
        recall: [recall, 0.9],
        margin: [recall - 1, 1],
        drive: [recall, 1],
      },
    });
    expect(stepVector(own(0.2))).to.deep.equal([0.2, -0.8, 1, 0.2, 1]);
    expect(stepVector({ w: [[1]], act: [[1]], on: [[1]] })).to.equal(null);
    const record = (seed: number, lostOne: boolean, role: string): RunRecord => {
      const r = rec({ radices: '10,10/2', seed, acc: lostOne ? 0.6 : 0.9, stage: 'coin', tags: { role } });
      const recall = ((seed * 37) % 11) / 100; // some class views vary per seed, the outcome decides the recall
      const feed: FeedData = {
        probe: 4,
        units: [
          [0, 1],
          [1, 2],
        ],
        init: own(lostOne ? 0.1 + recall : 0.6 + recall),
        firstGradient: [],
        epochs: [own(lostOne ? 0 : 0.8)],
        steps: [{ step: 10, snap: own(lostOne ? 0.05 : 0.7) }],
      };
      return {
        ...r,
        config: { seed } as unknown as RunRecord['config'],
        final: { ...r.final!, testRecall: lostOne ? [0, 0.9, 0.9] : [0.9, 0.9, 0.9] },
        data: { feed },
      };
    };
    const fit = Array.from({ length: 12 }, (_, i) => record(i, i % 3 === 0, 'fit'));
    const evaluation = Array.from({ length: 9 }, (_, i) => record(100 + i, i % 3 === 1, 'eval'));
    const rows = evaluateStepPredictors(stepRuns(fit), stepRuns(evaluation));
    expect(rows.map((r) => `${r.point} ${r.model}`)).to.deep.equal(
      ['step 0', 'step 10', 'epoch 1'].flatMap((p) => [`${p} run`, `${p} class`]),
    );
    for (const r of rows) {
      expect([r.precision, r.recall, r.positives, r.runs]).to.deep.equal([1, 1, 3, 9]);
      expect(r.recallCi[0]).to.be.closeTo(wilson(3, 3)[0], 1e-12);
    }
    expect(evaluateStepPredictors(stepRuns(fit), stepRuns(evaluation))).to.deep.equal(rows);
    expect(() => evaluateStepPredictors(stepRuns(fit), stepRuns(fit))).to.throw(InputError, /share seeds/);
  });

  it('reads results files of more seeds run as other plans together, and refuses a run counted twice or another fixed parameter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'radixnet-combine-'));
    try {
      const lines = readFileSync(FIXTURE, 'utf8').trim().split('\n');
      const records = lines.map((l) => JSON.parse(l) as RunRecord);
      // the same records as a later plan that only differs in its seeds (keys kept apart by the seed in them)
      const later = (over: Record<string, unknown>, key: (k: string) => string): string =>
        records
          .map((r) => {
            const params = { ...r.params, ...over };
            return JSON.stringify({ ...r, params, planId: planId('strange-causes', params), key: key(r.key) });
          })
          .join('\n') + '\n';
      const a = join(dir, 'a.jsonl');
      const b = join(dir, 'b.jsonl');
      const c = join(dir, 'c.jsonl');
      writeFileSync(a, lines.join('\n') + '\n');
      writeFileSync(
        b,
        later({ fitSeeds: [104] }, (k) => `${k}|later`),
      );
      writeFileSync(
        c,
        later({ fitSeeds: [104], threshold: 0.5 }, (k) => `${k}|other`),
      );
      const both = readCombined([a, b]);
      expect(both).to.have.length(2 * records.length);
      expect(summarizeFiles([a, b]).runs).to.equal(2 * records.length);
      expect(() => readCombined([a, a])).to.throw(InputError, /counted twice/);
      expect(() => readCombined([a, c])).to.throw(InputError, /differ in threshold/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the Fig. 4 screen from a Fig. 4 file of the same protocol, retrains its badly trained lists and refuses other files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radixnet-fig4-from-'));
    try {
      const small = { epochs: 1, trainSamples: 600, testSamples: 300 };
      const fig4 = join(dir, 'fig4.jsonl');
      await runPlan('accuracy-vs-sparsity', {
        params: { factors: [2, 5], ...small },
        out: fig4,
        workers: 1,
        threads: 1,
      });
      const sweep = readResults(fig4).records;
      const acc = sweep.map((r) => r.final!.valAccuracy!).sort((a, b) => a - b);
      const threshold = acc[Math.floor(acc.length / 2)];
      const base = {
        stages: ['fig4'],
        fig4Factors: [2, 5],
        fig4MinSparsity: 0,
        fig4Retrain: null,
        fig4Sample: null,
        threshold,
        ...small,
      };
      const causes = (over: Record<string, unknown>) =>
        plan(strangeCauses, resolveParams(strangeCauses, { ...base, ...over } as never, true)).runs;
      // the screen is not trained again: the retrained lists are the file's at or below the threshold, 30 epochs
      const runs = causes({ fig4From: fig4, fig4RetrainEpochs: 3 });
      const bad = sweep.filter((r) => r.final!.valAccuracy! <= threshold).map((r) => r.config!.radices);
      expect(bad.length).to.be.within(1, sweep.length - 1);
      expect(runs.map((r) => r.tags.stage)).to.deep.equal(bad.map(() => 'fig4-retrain'));
      expect(runs.map((r) => r.config!.radices).sort()).to.deep.equal([...bad].sort());
      for (const r of runs) {
        expect(r.config!.epochs).to.equal(3);
        const from = sweep.find((x) => x.config!.radices === r.config!.radices)!;
        expect(r.tags.screenValAccuracy).to.equal(from.final!.valAccuracy!);
      }
      // the same retraining keys as a screen trained here, so results of either kind are counted once
      const trained = causes({ fig4RetrainEpochs: 3 });
      expect(trained.filter((r) => r.tags.stage === 'fig4-screen')).to.have.length(sweep.length);
      // --fig4-max-sparsity keeps only the lists below it
      const ceiling = [...new Set(sweep.map((r) => r.topology.sparsity))].sort((a, b) => a - b)[1];
      const below = causes({ fig4From: fig4, fig4MaxSparsity: ceiling });
      expect(below.map((r) => r.config!.radices).sort()).to.deep.equal(
        sweep
          .filter((r) => r.topology.sparsity < ceiling && r.final!.valAccuracy! <= threshold)
          .map((r) => r.config!.radices)
          .sort(),
      );
      expect(() => causes({ fig4From: fig4, epochs: 2 })).to.throw(InputError, /not this screen's protocol/);
      expect(() => causes({ fig4From: fig4, fig4Factors: [2, 3, 5] })).to.throw(
        InputError,
        /lacks \d+ of the \d+ lists/,
      );
      expect(() => causes({ fig4From: join(dir, 'none.jsonl') })).to.throw(InputError, /does not exist/);
      expect(() => causes({ fig4From: FIXTURE })).to.throw(InputError, /runs of strange-causes, not a Fig. 4 sweep/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('the experiment', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'radixnet-causes-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('writes --quick records that satisfy the results schema, with per-class outcomes, feed data for at-risk runs and every stage', async () => {
      const out = join(dir, 'causes.jsonl');
      const r = await runPlan('strange-causes', {
        quick: true,
        params: { trainSamples: 600, testSamples: 300 },
        out,
        workers: 1,
        threads: 1,
      });
      const { records } = readResults(out);
      expect(records.length).to.equal(r.records.length);
      records.forEach((x, i) => checkRecord(JSON.parse(JSON.stringify(x)), `record ${i}`));
      const stages = new Set(records.map((x) => x.tags.stage));
      expect([...stages].sort()).to.deep.equal(['calibrate', 'coin', 'fig4-retrain', 'fig4-screen', 'prevent']);
      for (const x of records) {
        expect(x.final!.testRecall).to.have.length(10);
        expect(x.final!.testConfusion!.flat().reduce((s, v) => s + v, 0)).to.equal(300);
        for (const e of x.history) expect(e.trainRecall).to.have.length(10);
      }
      const coin = records.filter((x) => x.tags.stage === 'coin');
      for (const x of coin) expect((x.data!.feed as { units: number[][] }).units[0]).to.have.length(2);
      const nearby = records.find((x) => x.tags.measure === 'nearby')!;
      expect(nearby.config!.radices).to.equal(nearby.tags.trained).and.not.equal(nearby.tags.radices);
      const dense = records.find((x) => x.tags.measure === 'dense-last')!;
      expect(dense.topology.weights).to.be.above(
        records.find((x) => x.tags.measure === 'baseline' && x.tags.radices === dense.tags.radices)!.topology.weights,
      );
    });
  });
});
