import { expect } from 'chai';
import { jsonData, runIn } from './helpers/cli.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../src/suite/experiment.js';
import { seedStudy } from '../src/suite/experiments/seed-study.js';
import { strangeModels, summarizeStrange, type StrangeModelsParams } from '../src/suite/experiments/strange-models.js';
import { resolveParams } from '../src/suite/plan.js';
import { readResults } from '../src/suite/results-file.js';
import { runPlan } from '../src/suite/runner.js';

const CLI = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const cli = (args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120000, env: { ...process.env, CI: '1' } });

/** A screen-like record of `radices` with the given final-epoch training accuracy (only the fields the experiment reads). */
function record(
  radices: string,
  accuracy: number,
  stage: string,
  seed: number,
  epochs: number,
  index: number,
): RunRecord {
  const history = Array.from({ length: epochs }, (_, k) => ({
    epoch: k + 1,
    loss: 1,
    accuracy: k === epochs - 1 ? accuracy : 0.1,
    seconds: 1,
    samplesPerSecond: 1,
  }));
  return {
    v: 1,
    experiment: 'strange-models',
    planId: 'test',
    params: {},
    index,
    key: `${radices}|seed=${seed}|epochs=${epochs}|batch=100`,
    tags: { stage, model: index, radices },
    config: null,
    topology: { radices, sparsity: 0.9, kroneckerSparsity: 0.9, weights: 1, denseWeights: 1 },
    history,
    final: {
      trainAccuracy: accuracy,
      trainLoss: 1,
      valAccuracy: accuracy,
      valLoss: 1,
      testAccuracy: accuracy,
      testLoss: 1,
    },
    wallSeconds: 1,
    threads: 1,
    host: 'test',
  };
}

describe('strange-models and seed-study experiments', function () {
  this.timeout(120000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'radixnet-strange-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('plans the screen, then from a complete screen: extra seeds for strange (<= 0.75 inclusive) and at-risk models, retraining for strange ones', () => {
    // 10,10/1 (output fan-in 1, at risk), 10,10/2 (fan-in 2, at risk), 15,12/60 (fan-in 60)
    const p: StrangeModelsParams = {
      ...resolveParams(strangeModels, { models: ['10,10/1', '10,10/2', '15,12/60'] }),
      extraSeeds: 2,
    };
    const screen = strangeModels.plan(p, []);
    expect(screen.map((r) => r.key)).to.deep.equal([
      '10,10/1|seed=100|epochs=3|batch=100',
      '10,10/2|seed=100|epochs=3|batch=100',
      '15,12/60|seed=100|epochs=3|batch=100',
    ]);
    expect(screen.map((r) => r.tags.stage)).to.deep.equal(['screen', 'screen', 'screen']);
    // two screen records only: nothing further is planned yet
    const partial = [record('10,10/1', 0.75, 'screen', 100, 3, 0), record('10,10/2', 0.7500001, 'screen', 100, 3, 1)];
    expect(strangeModels.plan(p, partial)).to.have.length(3);
    const done = [...partial, record('15,12/60', 0.74, 'screen', 100, 3, 2)];
    const later = strangeModels
      .plan(p, done)
      .slice(3)
      .map((r) => `${r.tags.stage} ${r.key}`);
    expect(later).to.deep.equal([
      'seeds 10,10/1|seed=101|epochs=3|batch=100',
      'seeds 10,10/1|seed=102|epochs=3|batch=100',
      'seeds 10,10/2|seed=101|epochs=3|batch=100',
      'seeds 10,10/2|seed=102|epochs=3|batch=100',
      'seeds 15,12/60|seed=101|epochs=3|batch=100',
      'seeds 15,12/60|seed=102|epochs=3|batch=100',
      'retrain 10,10/1|seed=100|epochs=30|batch=100',
      'retrain 15,12/60|seed=100|epochs=30|batch=100',
    ]);
  });

  it('summarizes: strange count, confusion table, strange by chance, bands, the radix >= 10 check', () => {
    const p = resolveParams(strangeModels, {});
    const rs = [
      record('10,10/1', 0.3, 'screen', 100, 3, 0),
      record('6,11/1', 0.7, 'screen', 100, 3, 1),
      record('15,12/60', 0.93, 'screen', 100, 3, 2),
      record('9,10/1', 0.78, 'screen', 100, 3, 3),
      record('10,10/1', 0.31, 'seeds', 101, 3, 4),
      record('6,11/1', 0.9, 'seeds', 101, 3, 5),
      record('6,11/1', 0.91, 'seeds', 102, 3, 6),
      record('10,10/1', 0.29, 'retrain', 100, 30, 7),
      record('6,11/1', 0.58, 'retrain', 100, 30, 8),
    ].map((r, k) => ({
      ...r,
      tags: { ...r.tags, model: ['10,10/1', '6,11/1', '15,12/60', '9,10/1'].indexOf(r.topology.radices) },
      index: k,
    }));
    const s = summarizeStrange(rs, p);
    expect(s.data.strange).to.deep.equal(['10,10/1', '6,11/1']);
    // predicted: 10,10/1 only (fan-in 1); 6,11/1 and 9,10/1 have fan-in 2
    expect(s.data.predictor).to.deep.include({
      screen: {
        truePositive: 1,
        falsePositive: 0,
        falseNegative: 1,
        trueNegative: 2,
        precision: 1,
        recall: 0.5,
      },
    });
    // by majority: 6,11/1 strange on 1 of 3 screen runs is normal, so the table is perfect
    expect((s.data.predictor as { majority: object }).majority).to.include({
      truePositive: 1,
      falseNegative: 0,
      trueNegative: 3,
    });
    expect(s.data.strangeByChance).to.deep.equal(['6,11/1']);
    expect(s.data.staysStrange).to.deep.equal(['10,10/1']);
    expect(s.data.bands).to.deep.equal([
      { low: 0.29, high: 0.29, count: 1 },
      { low: 0.58, high: 0.58, count: 1 },
    ]);
    expect(s.data.everyStrangeHasRadix10).to.equal(true);
    expect(s.data.modelsWithRadix10).to.equal(4);
    expect(s.text[1]).to.equal('strange (epoch-3 training accuracy <= 0.75): 2 of 4');
  });

  it('--quick writes schema-valid records of all three stages and a summary', async () => {
    const out = join(dir, 'strange.jsonl');
    const r = await runPlan('strange-models', {
      quick: true,
      params: { trainSamples: 600 },
      out,
      workers: 1,
      threads: 1,
    });
    const records = readResults(out).records;
    expect(records).to.have.length(r.records.length);
    // 1 epoch on 540 samples leaves both models far below 0.75: both strange, each re-seeded once and retrained 2 epochs
    // (in any order: a sweep hands out its costliest runs first)
    expect(records.map((x) => `${x.tags.stage} ${x.key}`).sort()).to.deep.equal(
      [
        'screen 10,10/1|seed=100|epochs=1|batch=100',
        'screen 10,10/2|seed=100|epochs=1|batch=100',
        'seeds 10,10/1|seed=101|epochs=1|batch=100',
        'seeds 10,10/2|seed=101|epochs=1|batch=100',
        'retrain 10,10/1|seed=100|epochs=2|batch=100',
        'retrain 10,10/2|seed=100|epochs=2|batch=100',
      ].sort(),
    );
    for (const x of records) {
      expect(x).to.include({ v: 1, experiment: 'strange-models', planId: records[0].planId });
      expect(x.history).to.have.length(x.config!.epochs);
      expect(x.config).to.include({ radices: x.topology.radices, trainSamples: 600, batchSize: 100 });
      expect(x.final!.trainAccuracy).to.equal(x.history.at(-1)!.accuracy);
    }
    const s = strangeModels.summarize(records, records[0].params as StrangeModelsParams);
    expect(s.text[1]).to.equal('strange (epoch-1 training accuracy <= 0.75): 2 of 2');
    expect(s.data.predictor).to.deep.include({
      screen: {
        truePositive: 1,
        falsePositive: 0,
        falseNegative: 1,
        trueNegative: 0,
        precision: 1,
        recall: 0.5,
      },
    });
  });

  it('seed-study --quick: both models on each seed, and how many end strange', () => {
    const out = join(dir, 'seeds.jsonl');
    const r = cli(['experiment', 'seed-study', '--quick', '--train-samples', '600', '--workers', '1', '--out', out]);
    expect(r.status, r.stderr).to.equal(0);
    const records = readResults(out).records;
    expect(records.map((x) => `${x.tags.model} ${x.key}`)).to.deep.equal([
      'normal 10,10/10|seed=1000|epochs=1|batch=100',
      'normal 10,10/10|seed=2000|epochs=1|batch=100',
      'strange 10,10/1|seed=1000|epochs=1|batch=100',
      'strange 10,10/1|seed=2000|epochs=1|batch=100',
    ]);
    const strange = records.filter((x) => x.tags.model === 'strange' && x.final!.trainAccuracy <= 0.75).length;
    expect(r.stdout).to.include(`strange 10,10/1: ${strange} of 2 seeds end strange`);
    expect(seedStudy.summarize(records, records[0].params as never).data).to.have.nested.property(
      'strange.endStrange',
      strange,
    );
  });

  it('refuses a seed study without a strange model, a study-set list it lacks, and records without a stage', () => {
    let r = cli(['experiment', 'seed-study', '--quick', '--strange', '10,10/10', '--out', join(dir, 'x.jsonl')]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(
      /^radixnet: --strange 10,10\/10 is not a strange model by the topology rule .* there is no strange model among the options/,
    );
    r = cli(['experiment', 'seed-study', '--quick', '--normal', '11,10/1', '--out', join(dir, 'x.jsonl')]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/--normal 11,10\/1 is predicted strange/);
    r = cli(['experiment', 'strange-models', '--models', '3,3/1', '--plan']);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/--models 3,3\/1 is not in the study set/);
    const bad = { ...record('10,10/1', 0.3, 'screen', 100, 3, 0), tags: {} };
    expect(() => summarizeStrange([bad], resolveParams(strangeModels, {}))).to.throw(
      /record 0 .* has no tags.stage of screen\/retrain\/seeds/,
    );
    const short = record('10,10/1', 0.3, 'screen', 100, 2, 0);
    expect(() => summarizeStrange([short], resolveParams(strangeModels, {}))).to.throw(/has no history\[2\]\.accuracy/);
  });

  it('radixnet summarize adds the predictor table to any trained results file', () => {
    const r = cli(['summarize', join(process.cwd(), 'test', 'fixtures', 'strange-predictor.jsonl')]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include('a run trained badly when its final validation accuracy is <= 0.75; 6 runs');
    expect(r.stdout).to.include('precision 0.333, recall 0.500');
  });

  it('scores the topology predictor on RadiX-Nets only: pruning and saliency summaries have no predictor section', async () => {
    for (const name of ['pruning', 'saliency']) {
      const r = await runIn([
        'summarize',
        join(process.cwd(), 'test', 'fixtures', 'results', `${name}.jsonl`),
        '--json',
      ]);
      expect(r.status, r.stderr).to.equal(0);
      expect(jsonData<{ summary: object }>(r.stdout).summary, name).to.not.have.property('predictor');
      const text = await runIn(['summarize', join(process.cwd(), 'test', 'fixtures', 'results', `${name}.jsonl`)]);
      expect(text.stdout, name).to.not.match(/predictor/);
    }
  });
});
