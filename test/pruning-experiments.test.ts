// `radixnet experiment pruning` and `radixnet experiment saliency` in --quick form: records that satisfy the schema,
// equal per-layer connection counts across methods, saliency maps consistent with their numbers, refusals.
import { expect } from 'chai';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../src/suite/experiment.js';
import { runPlan } from '../src/suite/runner.js';
import { getExperiment } from '../src/suite/experiments/index.js';
import { saliencyStats, type SaliencyMap } from '../src/analysis/saliency.js';
import { runBinary, type CliResult } from './helpers/cli.js';
import { expectHistoryKeys, recordKeys } from './helpers/record-schema.js';

const cli = (args: string[]): CliResult => runBinary(args);

/** The record schema of a training run with experiment data. */
function checkRecord(r: RunRecord, experiment: string): void {
  expect(Object.keys(r)).to.deep.equal(recordKeys(true));
  expect(r).to.include({ v: 1, experiment });
  expect(Object.keys(r.topology).sort()).to.deep.equal([
    'denseWeights',
    'kroneckerSparsity',
    'layerSparsity',
    'radices',
    'sparsity',
    'weights',
  ]);
  expect(r.topology.denseWeights).to.equal(266200);
  expect(r.topology.weights).to.equal(Math.round((1 - r.topology.sparsity) * 266200));
  const method = r.tags.method;
  expect(r.topology.radices).to.equal(
    method === 'radixnet'
      ? r.config!.radices
      : `${method}${r.tags.layersPruned === 'first' ? ' first layer' : ''} (as ${r.config!.radices})`,
  );
  expectHistoryKeys(r);
  expect(r.history.map((e) => e.epoch)).to.deep.equal(r.history.map((_, k) => k + 1));
  const last = r.history[r.history.length - 1];
  expect(r.final).to.include({ trainAccuracy: last.accuracy, valAccuracy: last.valAccuracy });
  expect(r.final!.testAccuracy).to.be.within(0, 1);
  const data = r.data as { phases: string[]; seconds: { total: number } };
  expect(data.phases).to.have.length(r.history.length);
  expect(data.seconds.total).to.be.greaterThan(0);
  expect(JSON.parse(JSON.stringify(r))).to.deep.equal(r);
}

describe('radixnet experiment pruning and saliency (--quick)', function () {
  this.timeout(240000);

  it('pruning: every method of a case ends with the same connection count per layer, records valid, summary table', async () => {
    const { records } = await runPlan('pruning', { quick: true, workers: 1, threads: 2 });
    // quick: target 0.9 and the first-layer case, 4 methods, 1 seed
    expect(records).to.have.length(8);
    for (const r of records) {
      checkRecord(r, 'pruning');
      const d = r.data as {
        speedup: { ratio: number; steps: number };
        reference: { radices: string; layerSparsity: number[] };
      };
      expect(r.history).to.have.length(2);
      expect(d.speedup.steps).to.equal(10);
      expect(d.speedup.ratio).to.be.greaterThan(0);
      // the method's masks have exactly the reference RadiX-Net's per-layer sparsity
      r.topology.layerSparsity!.forEach((s, l) => expect(s).to.be.closeTo(d.reference.layerSparsity[l], 1e-12));
    }
    const byCase = (scope: string) => records.filter((r) => r.tags.scope === scope);
    expect(byCase('overall').map((r) => r.config!.radices)).to.deep.equal(Array(4).fill('10,10/10'));
    expect(byCase('first-layer').map((r) => r.tags.target)).to.deep.equal([0.99, 0.99, 0.99, 0.99]);
    expect(byCase('first-layer').map((r) => r.topology.layerSparsity![0])).to.deep.equal(Array(4).fill(0.99));
    expect(records.find((r) => r.tags.method === 'gradual')!.data!.schedules).to.be.an('array');
    const exp = getExperiment('pruning');
    const summary = exp.summarize(records, records[0].params);
    expect(summary.text.join('\n')).to.match(/0\.9 \(10,10\/10 0\.9000\)/);
    expect((summary.data.rows as unknown[]).length).to.equal(8);
  });

  it('saliency: the RadiX-Net reaches every pixel, the pruned model has the same first-layer size; stats match the maps', async () => {
    const { records } = await runPlan('saliency', { quick: true, workers: 1, threads: 2 });
    expect(records.map((r) => r.tags.model)).to.deep.equal(['radixnet', 'pruned']);
    for (const r of records) {
      checkRecord(r, 'saliency');
      const d = r.data as {
        saliency: SaliencyMap;
        saliencyStats: ReturnType<typeof saliencyStats>;
        firstLayerWeights: number;
      };
      expect(d.saliency).to.include({ height: 28, width: 28 });
      expect(d.saliency.values).to.have.length(784);
      expect(d.firstLayerWeights).to.equal(2352);
      expect(r.topology.layerSparsity![0]).to.equal(0.99);
      expect(saliencyStats(d.saliency, 2)).to.deep.equal(d.saliencyStats);
    }
    const [radix, pruned] = records;
    // 1,100/100: every pixel keeps 3 outgoing connections; the pruned dense model keeps the rest of its layers full
    expect((radix.data as { saliencyStats: { deadFraction: number } }).saliencyStats.deadFraction).to.equal(0);
    expect(pruned.topology.layerSparsity!.slice(1)).to.deep.equal([0, 0]);
    const summary = getExperiment('saliency').summarize(records, records[0].params);
    expect(summary.text.join('\n')).to.match(/radixnet .*0\.9900/);
  });

  it('refuses a target no RadiX-Net reaches, naming the nearest, and a sparsity outside [0, 1), in one line with exit 2', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'radixnet-pruning-')), 'refused.jsonl');
    const far = cli(['experiment', 'pruning', '--targets', '0.999', '--out', out]);
    expect(far.status).to.equal(2);
    expect(far.stderr.trim().split('\n')).to.have.length(1);
    expect(far.stderr).to.match(/within 0\.01 of sparsity 0\.999: the nearest is \S+ at 0\.9\d+/);
    const bad = cli(['experiment', 'pruning', '--targets', '0.5,1', '--out', out]);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/--targets takes sparsities in \[0, 1\), got "1"/);
    expect(existsSync(out)).to.equal(false);
  });
});
