import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunRecord } from '../src/suite/experiment.js';
import { getExperiment } from '../src/suite/experiments/index.js';
import { planId } from '../src/suite/plan.js';
import { runPlan, type ProgressEvent } from '../src/suite/runner.js';
import { loadMnist } from '../src/data/mnist.js';
import { trainMnist } from '../src/suite/mnist-train.js';
import { jsonData, runBinary, type CliResult } from './helpers/cli.js';
import { expectHistoryKeys, recordKeys } from './helpers/record-schema.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const env = { ...process.env, CI: '1' };
const cli = (args: string[]): CliResult => runBinary(args, env);
const cliAsync = (args: string[]): Promise<{ status: number | null; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stderr }));
  });
const lines = (f: string): RunRecord[] =>
  readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** A record without what depends on when, where and on how many threads it ran. */
function untimed(r: RunRecord): unknown {
  const copy = JSON.parse(JSON.stringify(r));
  delete copy.wallSeconds;
  delete copy.host;
  delete copy.threads;
  for (const e of copy.history) {
    delete e.seconds;
    delete e.samplesPerSecond;
  }
  return copy;
}
const byIndex = (rs: RunRecord[]): RunRecord[] => [...rs].sort((a, b) => a.index - b.index);

/** The record schema, checked field by field. */
function checkSchema(r: RunRecord, experiment: string, planId: string, training: boolean): void {
  expect(Object.keys(r)).to.deep.equal(recordKeys(false));
  expect(r).to.include({ v: 1, experiment, planId, host: hostname() });
  expect(r.wallSeconds).to.be.a('number').at.least(0);
  expect(r.threads).to.be.a('number').at.least(1);
  expect(Object.keys(r.topology).sort()).to.deep.equal([
    'denseWeights',
    'kroneckerSparsity',
    'radices',
    'sparsity',
    'weights',
  ]);
  expect(r.topology.weights).to.equal(Math.round((1 - r.topology.sparsity) * 266200));
  if (!training) {
    expect(r.config).to.equal(null);
    expect(r.final).to.equal(null);
    expect(r.history).to.deep.equal([]);
    return;
  }
  expect(r.config!.radices).to.equal(r.topology.radices);
  expect(r.key).to.equal(
    `${r.config!.radices}|seed=${r.config!.seed}|epochs=${r.config!.epochs}|batch=${r.config!.batchSize}`,
  );
  expect(r.history).to.have.length(r.config!.epochs);
  expectHistoryKeys(r);
  expect(Object.keys(r.final!).sort()).to.deep.equal([
    'testAccuracy',
    'testConfusion',
    'testLoss',
    'testRecall',
    'trainAccuracy',
    'trainLoss',
    'valAccuracy',
    'valLoss',
  ]);
  // the per-class outcome agrees with the test accuracy: the confusion matrix's diagonal over its total
  const m = r.final!.testConfusion!;
  const total = m.flat().reduce((s, v) => s + v, 0);
  expect(m.reduce((s, row, t) => s + row[t], 0) / total).to.be.closeTo(r.final!.testAccuracy, 1e-9);
  expect(r.final!.testRecall).to.have.length(m.length);
  const last = r.history[r.history.length - 1];
  expect(r.final).to.include({ trainAccuracy: last.accuracy, valAccuracy: last.valAccuracy });
  for (const v of [r.final!.valAccuracy, r.final!.testAccuracy]) expect(v).to.be.within(0, 1);
}

describe('radixnet experiment: sweeps, resume, shards, merge, summarize', function () {
  this.timeout(240000);
  const dir = mkdtempSync(join(tmpdir(), 'radixnet-sweep-'));
  // 18 runs of 1 epoch on 500 samples, tested on 500: seconds in all
  const QUICK = ['accuracy-vs-sparsity', '--quick', '--train-samples', '500', '--test-samples', '500'];
  const SMALL = { trainSamples: 500, testSamples: 500 };
  let baseline: RunRecord[] = [];

  before(async () => {
    // one model at a time on 2 threads, in this process: the reference every other way of running must match
    const r = await runPlan('accuracy-vs-sparsity', { quick: true, params: SMALL, workers: 1, threads: 2 });
    baseline = r.records;
    expect(r.ran).to.equal(18);
    expect(r.threads).to.equal(2);
  });

  it('--quick runs of every experiment write records that satisfy the schema', async () => {
    expect(baseline.map((r) => r.index)).to.deep.equal([...Array(18).keys()]);
    for (const r of baseline) checkSchema(r, 'accuracy-vs-sparsity', baseline[0].planId, true);
    const f3 = join(dir, 'fig3.jsonl');
    expect(cli(['experiment', 'sparsity-distribution', '--quick', '--out', f3]).status).to.equal(0);
    const fig3 = lines(f3);
    expect(fig3).to.have.length(128);
    for (const r of fig3) checkSchema(r, 'sparsity-distribution', fig3[0].planId, false);
    const f5 = join(dir, 'fig5.jsonl');
    const events: ProgressEvent[] = [];
    const r5 = await runPlan('seed-variance', {
      quick: true,
      params: SMALL,
      out: f5,
      onProgress: (e) => events.push(e),
    });
    const fig5 = lines(f5);
    expect(fig5).to.have.length(r5.plan.runs.length).and.to.have.length(r5.records.length);
    for (const r of fig5) checkSchema(r, 'seed-variance', fig5[0].planId, true);
    expect(events.map((e) => e.type)).to.deep.equal(['start', ...fig5.map(() => 'run'), 'end']);
    expect(events[events.length - 1]).to.include({ done: fig5.length, total: fig5.length, ran: fig5.length });
  });

  it('twins (lists with identical masks) are trained once; a copy equals training it', async () => {
    const copies = baseline.filter((r) => r.wallSeconds === 0);
    expect(copies.map((r) => r.topology.radices)).to.deep.equal(['10/10/10']); // dense, like 2/2/2 trained before it
    const mnist = await loadMnist();
    for (const copy of copies) {
      const trained = await trainMnist(copy.config!, { mnist });
      expect(copy.topology).to.deep.equal(trained.topology);
      expect(copy.final).to.deep.equal(trained.final);
      expect(untimed({ ...copy, history: trained.history } as RunRecord)).to.deep.equal(untimed(copy));
    }
  });

  it('a sweep killed midway and run again loses no run, duplicates none, and writes the uninterrupted records', async () => {
    const out = join(dir, 'killed.jsonl');
    // 2 workers x 1 thread here, against the baseline's 1 x 2 threads: training does not depend on either
    const child = spawn(process.execPath, [CLI, 'experiment', ...QUICK, '--out', out, '--workers', '2'], {
      env,
      stdio: 'ignore',
    });
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        const n = existsSync(out) ? readFileSync(out, 'utf8').split('\n').length - 1 : 0;
        if (n >= 5) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(poll);
        reject(new Error('the sweep finished before it could be killed'));
      });
    });
    await new Promise((r) => child.on('exit', r));
    const before = lines(out).length;
    expect(before).to.be.within(5, 17);
    // what a writer killed in the middle of a line leaves
    appendFileSync(out, '{"v":1,"experiment":"accuracy-vs-sp');
    const again = cli(['experiment', ...QUICK, '--out', out, '--json']);
    expect(again.status, again.stderr).to.equal(0);
    expect(again.stderr).to.match(/dropped a torn last line/);
    expect(jsonData(again.stdout)).to.include({ ran: 18 - before, skipped: before, records: 18 });
    // --json progress: JSON lines on stderr, from the resumed count to the end
    const events = again.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    expect(events[0]).to.include({ type: 'start', done: before, total: 18 });
    expect(events.map((e) => e.done)).to.deep.equal([
      before,
      ...Array.from({ length: 18 - before }, (_, k) => before + k + 1),
      18,
    ]);
    const records = lines(out);
    expect(records).to.have.length(18);
    expect(new Set(records.map((r) => r.key)).size).to.equal(18);
    expect(byIndex(records).map(untimed)).to.deep.equal(baseline.map(untimed));
    // a third run finds everything done
    const third = cli(['experiment', ...QUICK, '--out', out]);
    expect(third.stdout).to.match(/^0 runs in .* 18 already done/m);
    expect(lines(out)).to.have.length(18);
  });

  it('three shards as three processes, merged, equal the single-process results; merge reports missing (exit 1) and duplicated runs', async () => {
    const shards = [0, 1, 2].map((i) => join(dir, `shard-${i}.jsonl`));
    const results = await Promise.all(
      shards.map((f, i) =>
        cliAsync(['experiment', ...QUICK, '--shard', `${i}/3`, '--out', f, '--workers', '1', '--threads', '1']),
      ),
    );
    for (const r of results) expect(r.status, r.stderr).to.equal(0);
    expect(
      lines(shards[1])
        .map((r) => r.index)
        .sort((a, b) => a - b),
    ).to.deep.equal([1, 4, 7, 10, 13, 16]);
    // one worker trains its runs longest-expected-first: same epochs and samples, so by stored weights, most first
    const weights = lines(shards[1]).map((r) => r.topology.weights);
    expect(weights).to.deep.equal([...weights].sort((a, b) => b - a));
    expect(new Set(weights).size).to.be.greaterThan(1);
    const merged = join(dir, 'merged.jsonl');
    const m = cli(['merge', merged, ...shards]);
    expect(m.status, m.stderr).to.equal(0);
    expect(m.stdout).to.match(/merged 18 of 18 runs of accuracy-vs-sparsity/);
    expect(lines(merged).map(untimed)).to.deep.equal(baseline.map(untimed));

    const partial = join(dir, 'partial.jsonl');
    // missing runs fail the merge (exit 1), so a cluster job stops before summarizing half the results; the
    // merged file and the report are there all the same
    const p = cli(['merge', partial, shards[0], shards[2], shards[0], '--json']);
    expect(p.status, p.stderr).to.equal(1);
    expect(p.stderr).to.match(
      /^radixnet: 6 of 18 runs are missing from the merged files .*; rerun those shards, then merge again\n$/,
    );
    const envelope = JSON.parse(p.stdout);
    expect(envelope).to.deep.include({
      command: 'merge',
      ok: false,
      error: { kind: 'failed', message: p.stderr.slice(10).trim(), exitCode: 1 },
    });
    expect(lines(partial)).to.have.length(12);
    const report = envelope.data;
    expect(report.missing.map((x: { index: number }) => x.index)).to.deep.equal([1, 4, 7, 10, 13, 16]);
    expect(report.duplicates).to.deep.equal(lines(shards[0]).map((r) => r.key));
    expect(report.records).to.equal(12);
    // summarize reads the merged file the same way as a local sweep
    const s = cli(['summarize', merged]);
    expect(s.status, s.stderr).to.equal(0);
    expect(s.stdout).to.match(/^18 networks trained \(1 epochs, batch 100\)/);
  });

  it("refuses another plan's file, a corrupt middle line, unknown names and bad shards: one line, exit 2, file untouched", () => {
    const out = join(dir, 'refuse.jsonl');
    writeFileSync(out, baseline.map((r) => JSON.stringify(r) + '\n').join(''));
    const text = readFileSync(out, 'utf8');
    const cases: [string[], RegExp][] = [
      [
        ['experiment', ...QUICK, '--epochs', '2', '--out', out],
        /holds runs of plan .* not plan .*; use another --out file/,
      ],
      [
        ['experiment', 'fig-99'],
        /unknown experiment 'fig-99'; the experiments are sparsity-distribution, accuracy-vs-sparsity, seed-variance/,
      ],
      [['experiment', ...QUICK, '--shard', '3/3', '--out', out], /--shard must be i\/n with 0 <= i < n/],
      [['experiment', ...QUICK, '--epochs', 'x'], /--epochs must be a whole number from 1 to 10000, got "x"/],
      [['merge', join(dir, 'm2.jsonl'), out, join(dir, 'fig3.jsonl')], /only shards of one plan can be merged/],
      [['summarize', join(dir, 'nothing.jsonl')], /nothing\.jsonl does not exist; check the path/],
    ];
    for (const [args, pattern] of cases) {
      const r = cli(args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
      expect(r.stderr).to.match(pattern);
    }
    const corrupt = join(dir, 'corrupt.jsonl');
    const [a, b, ...rest] = text.split('\n');
    writeFileSync(corrupt, [a, b.slice(0, 40), ...rest].join('\n'));
    const before = readFileSync(corrupt, 'utf8');
    const r = cli(['experiment', ...QUICK, '--out', corrupt]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(new RegExp(`${corrupt}:2: line is not JSON`));
    expect(readFileSync(corrupt, 'utf8')).to.equal(before);
    expect(readFileSync(out, 'utf8')).to.equal(text);
  });

  it('--plan prints the runs without training', () => {
    const r = cli(['experiment', ...QUICK, '--plan']);
    expect(r.status, r.stderr).to.equal(0);
    const out = r.stdout.trim().split('\n');
    expect(out[0]).to.equal(`plan ${baseline[0].planId} of accuracy-vs-sparsity: 18 runs`);
    expect(out.slice(2).map((l) => l.trim().split(/\s+/)[1])).to.deep.equal(baseline.map((x) => x.key));
  });

  it('summaries print the expected numbers from fixed small files (Fig. 3, 4, 5)', () => {
    // hand-made records: sparsities and accuracies chosen so the numbers can be checked by hand
    const exp = getExperiment('accuracy-vs-sparsity');
    const base = baseline[0];
    const rows: [number, number][] = [
      [0.05, 0.97],
      [0.07, 0.95],
      [0.55, 0.9],
      [0.9, 0.7],
      [0.95, 0.5],
      [0.99, 0.81],
    ];
    /** The first lines `radixnet summarize` prints for a file of these records. */
    const summaryOf = (name: string, records: object[], lines: number): string[] => {
      const file = join(dir, name);
      writeFileSync(file, records.map((r) => JSON.stringify(r) + '\n').join(''));
      const r = cli(['summarize', file]);
      expect(r.status, r.stderr).to.equal(0);
      return r.stdout.split('\n').slice(0, lines);
    };
    expect(
      summaryOf(
        'fixed4.jsonl',
        rows.map(([s, acc], index) => ({
          ...base,
          index,
          key: `k${index}`,
          topology: { ...base.topology, radices: `r${index}`, sparsity: s },
          final: { ...base.final, valAccuracy: acc },
        })),
        6,
      ),
    ).to.deep.equal([
      '6 networks trained (1 epochs, batch 100); validation accuracy per sparsity bin:',
      'sparsity bin  nets  median     min     max',
      '       0-10%     2  0.9600  0.9500  0.9700',
      '      50-60%     1  0.9000  0.9000  0.9000',
      '     90-100%     3  0.7000  0.5000  0.8100',
      '2 of 6 networks below 0.8 validation accuracy: r3 r4',
    ]);
    expect(exp.name).to.equal(base.experiment);

    // Fig. 5: two networks of bin 9 and one of bin 5, over three seeds
    const seedRows: [number, number, string, number][] = [
      [9, 0, 'a', 0.9],
      [9, 0, 'a', 0.5],
      [9, 0, 'a', 0.7],
      [9, 1, 'b', 0.8],
      [9, 1, 'b', 0.82],
      [9, 1, 'b', 0.81],
      [5, 0, 'c', 0.95],
    ];
    const params5 = { ...getExperiment('seed-variance').defaults, seeds: [1, 2, 3] };
    expect(
      summaryOf(
        'fixed5.jsonl',
        seedRows.map(([bin, network, radices, acc], index) => ({
          ...base,
          experiment: 'seed-variance',
          params: params5,
          planId: planId('seed-variance', params5),
          index,
          key: `k${index}`,
          tags: { bin, network, seed: index },
          topology: { ...base.topology, radices },
          final: { ...base.final, valAccuracy: acc },
        })),
        5,
      ),
    ).to.deep.equal([
      '3 networks x up to 3 seeds (3 epochs, batch 100); validation accuracy over seeds:',
      'sparsity bin  radices            seeds  median     min     max   range',
      '      50-60%  c                      1  0.9500  0.9500  0.9500  0.0000',
      '     90-100%  a                      3  0.7000  0.5000  0.9000  0.4000',
      '     90-100%  b                      3  0.8100  0.8000  0.8200  0.0200',
    ]);

    // Fig. 3: bin counts and distinct topologies
    const fig3 = join(dir, 'fixed3.jsonl');
    const topoRows: [number, number][] = [
      [0, 0],
      [0.05, 0],
      [0.5, 1],
      [0.95, 2],
      [0.99, 3],
    ];
    const params3 = getExperiment('sparsity-distribution').defaults;
    writeFileSync(
      fig3,
      topoRows
        .map(
          ([sparsity, topology], index) =>
            JSON.stringify({
              ...base,
              experiment: 'sparsity-distribution',
              params: params3,
              planId: planId('sparsity-distribution', params3),
              index,
              key: `k${index}`,
              tags: { bin: 0, topology },
              config: null,
              history: [],
              final: null,
              topology: { ...base.topology, sparsity },
            }) + '\n',
        )
        .join(''),
    );
    const r3 = cli(['summarize', fig3, '--json']);
    expect(r3.status, r3.stderr).to.equal(0);
    expect(jsonData<{ summary: unknown }>(r3.stdout).summary).to.deep.equal({
      lists: 5,
      distinctTopologies: 4,
      binCounts: [2, 0, 0, 0, 0, 1, 0, 0, 0, 2],
    });
  });
});
