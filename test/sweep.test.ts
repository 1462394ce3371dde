import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { InputError } from '../src/errors.js';
import { combinations, sweepExperiment } from '../src/suite/experiments/sweep.js';
import { csvColumns, recordsToCsv } from '../src/suite/export.js';
import { groupRows } from '../src/suite/group.js';
import { plan, resolveParams } from '../src/suite/plan.js';
import { readResults } from '../src/suite/results-file.js';
import { runPlan } from '../src/suite/runner.js';
import { parseSweep, readSweepFile, type SweepParams } from '../src/suite/sweep-file.js';
import { jsonData, runIn } from './helpers/cli.js';

const IDX = fileURLToPath(new URL('../../test/fixtures/data/idx', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/sweeps/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'radixnet-sweep-'));

/** A sweep of 4 tiny trainings on the idx fixture (12 features, 4 classes): lr x seed. */
const TINY = {
  name: 'tiny',
  base: { data: IDX, radices: 'dense', hidden: [4], epochs: 2, batch: 4 },
  parameters: { lr: { values: [0.001, 0.01] }, seed: { min: 1, max: 2 } },
};
const tiny = (): SweepParams => parseSweep(structuredClone(TINY), 'tiny.yaml');
const planOf = (p: SweepParams) => plan(sweepExperiment, resolveParams(sweepExperiment, p));

function refuses(doc: unknown, ...fragments: string[]): void {
  let err: Error | null = null;
  try {
    planOf(parseSweep(doc, 'bad.yaml'));
  } catch (e) {
    err = e as Error;
  }
  expect(err, `expected ${JSON.stringify(doc)} to be refused`).to.be.instanceOf(InputError);
  expect(err!.message).to.not.include('\n');
  for (const f of fragments) expect(err!.message).to.include(f);
}

describe('sweeps from a file', function () {
  this.timeout(120000);

  it('plans the complete grid in file order (first parameter slowest), with the same plan id every time', () => {
    const a = planOf(tiny());
    expect(a.runs.map((r) => r.key)).to.deep.equal([
      'lr=0.001|seed=1',
      'lr=0.001|seed=2',
      'lr=0.01|seed=1',
      'lr=0.01|seed=2',
    ]);
    expect(a.runs[3].config).to.include({ lr: 0.01, seed: 2, epochs: 2, batchSize: 4, radices: 'dense', data: IDX });
    expect(a.runs[3].tags).to.deep.equal({ lr: 0.01, seed: 2 });
    expect(planOf(tiny()).planId).to.equal(a.planId);
    const other = tiny();
    other.parameters.lr = { values: [0.001, 0.02] };
    expect(planOf(other).planId).to.not.equal(a.planId);
  });

  it('reads W&B and Hydra spellings of the same sweep to the same plan', () => {
    const hydra = parseSweep({ base: TINY.base, params: { lr: 'choice(0.001, 0.01)', seed: 'range(1, 3)' } }, 'h.yaml');
    const wandb = parseSweep(
      { base: TINY.base, parameters: { lr: { values: [0.001, 0.01] }, seed: { values: [1, 2] } } },
      'w.yaml',
    );
    expect(planOf(hydra).runs.map((r) => r.key)).to.deep.equal(planOf(wandb).runs.map((r) => r.key));
    expect(
      planOf(parseSweep({ base: TINY.base, params: { lr: '0.001,0.01', seed: '1,2' } }, 'c.yaml')).planId,
    ).to.equal(planOf(wandb).planId);
  });

  it('draws a random sweep deterministically from its seed, within the ranges, and copies a combination drawn twice', () => {
    const doc = {
      method: 'random',
      count: 30,
      seed: 5,
      base: TINY.base,
      parameters: { lr: { min: 0.0001, max: 0.1, distribution: 'log_uniform_values' }, seed: { values: [1, 2] } },
    };
    const a = combinations(parseSweep(structuredClone(doc), 'r.yaml'));
    expect(a).to.deep.equal(combinations(parseSweep(structuredClone(doc), 'r.yaml')));
    expect(a).to.have.length(30);
    for (const c of a) expect(c.lr as number).to.be.within(0.0001, 0.1);
    expect(combinations(parseSweep({ ...structuredClone(doc), seed: 6 }, 'r.yaml'))).to.not.deep.equal(a);
    // 6 draws of 2 values: repeats are certain; each run's twin is its combination, so the runner trains each once
    const few = planOf(
      parseSweep(
        { method: 'random', count: 6, seed: 1, base: TINY.base, parameters: { seed: { values: [1, 2] } } },
        'f.yaml',
      ),
    );
    expect(few.runs.every((r) => r.twin === r.key.replace(/^draw=\d+\|/, ''))).to.equal(true);
    expect(new Set(few.runs.map((r) => r.twin)).size).to.be.at.most(2);
  });

  it('refuses unknown keys, an empty grid, a parameter twice, bad values and plans over the limit, in one line', () => {
    refuses({ ...TINY, metod: 'grid' }, "bad.yaml: unknown key 'metod'");
    refuses(
      { ...TINY, base: { ...TINY.base, learning_rate: 0.1 } },
      "base: unknown training option 'learning_rate'",
      'lr',
    );
    refuses({ ...TINY, parameters: { lr: { values: [] } } }, 'parameters.lr: values is empty');
    refuses({ base: TINY.base }, 'no parameters to sweep');
    refuses({ ...TINY, parameters: { lr: { values: [0.1] } }, params: { lr: '0.2' } }, "'lr' is swept twice");
    refuses(
      { ...TINY, base: { epochs: 1 }, parameters: { radices: { values: ['10,x/10'] } } },
      'parameters.radices.values[0]',
    );
    refuses({ ...TINY, parameters: { radices: { values: ['10,10/10'] } } }, "'radices' is both in base and swept");
    refuses({ ...TINY, parameters: { optimizer: { values: ['adamw'] } } }, 'optimizer must be one of adam, sgd');
    refuses({ ...TINY, parameters: { lr: { min: 0.1, max: 1 } } }, 'a grid over a range of reals needs a step');
    refuses(
      { ...TINY, parameters: { seed: { min: 1, max: 1500 } } },
      'plans 1500 runs, over the limit of 1000',
      'max_runs: 1500',
      '--max-runs 1500',
    );
    refuses({ ...TINY, method: 'random' }, 'a random sweep needs count');
    expect(
      planOf(parseSweep({ ...TINY, max_runs: 1500, parameters: { seed: { min: 1, max: 1500 } } }, 'ok.yaml')).runs,
    ).to.have.length(1500);
  });

  it('runs on the runner, resumes after an interruption with the same records, and exports CSV that reads back to the same numbers', async () => {
    const out = join(tmp, 'tiny.jsonl');
    const full = await runPlan(sweepExperiment, { params: tiny(), out, workers: 1, threads: 1 });
    expect(full.ran).to.equal(4);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    // an interrupted sweep: two records and a torn third line
    const cut = join(tmp, 'cut.jsonl');
    writeFileSync(cut, `${lines[0]}\n${lines[1]}\n${lines[2].slice(0, 40)}`);
    const resumed = await runPlan(sweepExperiment, {
      params: tiny(),
      out: cut,
      workers: 1,
      threads: 1,
      warn: () => {},
    });
    expect(resumed.skipped).to.equal(2);
    expect(resumed.ran).to.equal(2);
    const a = readResults(out).records;
    const b = readResults(cut).records.sort((x, y) => x.index - y.index);
    expect(b.map((r) => r.final)).to.deep.equal(a.map((r) => r.final));
    expect(b.map((r) => r.history.map((h) => h.loss))).to.deep.equal(a.map((r) => r.history.map((h) => h.loss)));

    const csv = await recordsToCsv(a);
    const parsed = Papa.parse<Record<string, string>>(csv.trim(), { header: true });
    expect(parsed.errors).to.deep.equal([]);
    expect(parsed.meta.fields).to.deep.equal(csvColumns(a));
    expect(parsed.data).to.have.length(4);
    parsed.data.forEach((row, i) => {
      expect(Number(row['final.testAccuracy'])).to.equal(a[i].final!.testAccuracy);
      expect(Number(row['final.valLoss'])).to.equal(a[i].final!.valLoss);
      expect(Number(row['final.trainLoss'])).to.equal(a[i].final!.trainLoss);
      expect(Number(row['tag.lr'])).to.equal(a[i].tags.lr);
      expect(row['config.hidden']).to.equal('4');
      expect(row.key).to.equal(a[i].key);
    });

    const rows = groupRows(a, ['lr'], 'testAccuracy');
    expect(rows.map((r) => r.group.lr)).to.deep.equal(['0.001', '0.01']);
    for (const row of rows) {
      const vals = a
        .filter((r) => String(r.tags.lr) === row.group.lr)
        .map((r) => r.final!.testAccuracy)
        .sort((x, y) => x - y);
      expect(row).to.include({ count: 2, min: vals[0], max: vals[1], median: (vals[0] + vals[1]) / 2 });
    }
  });

  it('reads the shipped example sweep files', async () => {
    const grid = await readSweepFile(join(EXAMPLES, 'lr-vs-radices.yaml'));
    expect(planOf(grid).runs).to.have.length(18);
    const random = await readSweepFile(join(EXAMPLES, 'random-depth.yaml'));
    const p = planOf(random);
    expect(p.runs).to.have.length(12);
    expect(p.runs.every((r) => ['64', '64,64', '128,64'].includes(String(r.tags.hidden)))).to.equal(true);
  });

  it('radixnet sweep --plan, summarize --by and export --csv on the command line', async () => {
    const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
    const run = (args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args], {
        encoding: 'utf8',
        timeout: 60000,
        env: { ...process.env, CI: '1' },
      });
    const file = join(tmp, 'tiny.json');
    writeFileSync(file, JSON.stringify(TINY));
    const p = run(['sweep', file, '--plan']);
    expect(p.status, p.stderr).to.equal(0);
    expect(p.stdout).to.include('of sweep tiny: 4 runs').and.include('lr=0.01|seed=2');
    const out = join(tmp, 'tiny.jsonl');
    const s = run(['summarize', out, '--by', 'lr', '--metric', 'testAccuracy']);
    expect(s.status, s.stderr).to.equal(0);
    expect(s.stdout).to.include('4 runs of sweep grouped by lr: testAccuracy');
    const e = run(['export', out, '--csv']);
    expect(e.status, e.stderr).to.equal(0);
    expect(e.stdout.split('\n')[0]).to.match(/^experiment,planId,index,key,tag\.lr,tag\.seed,/);
    const bad = run(['sweep', join(tmp, 'missing.yaml')]);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.include('missing.yaml: cannot read');
  });

  it('sweep, export and their errors answer --json with the envelope {command, ok, data, error}', async () => {
    const file = join(tmp, 'tiny.json');
    writeFileSync(file, JSON.stringify(TINY));
    const out = join(tmp, 'tiny.jsonl');
    const p = await runIn(['sweep', file, '--plan', '--json']);
    expect(p.status, p.stderr).to.equal(0);
    expect(JSON.parse(p.stdout)).to.include({ command: 'sweep', ok: true });
    const thePlan = jsonData<{ planId: string; runs: { key: string }[] }>(p.stdout);
    expect(thePlan.runs.map((r) => r.key))
      .to.include('lr=0.01|seed=2')
      .and.have.length(4);
    // the sweep ran before (above): run again, it resumes with nothing left to do
    const s = await runIn(['sweep', file, '--out', out, '--workers', '1', '--threads', '1', '--json']);
    expect(s.status, s.stderr).to.equal(0);
    expect(s.stdout.trim().split('\n')).to.have.length(1);
    expect(jsonData(s.stdout)).to.include({
      experiment: 'sweep',
      sweep: 'tiny',
      planId: thePlan.planId,
      ran: 0,
      skipped: 4,
      records: 4,
    });
    const e = await runIn(['export', out, '--csv', '--json']);
    expect(e.status, e.stderr).to.equal(0);
    const exported = jsonData<{ rows: number; out: null; csv: string }>(e.stdout);
    expect(exported).to.include({ rows: 4, out: null });
    expect(exported.csv).to.equal(await recordsToCsv(readResults(out).records));
    const csvFile = join(tmp, 'tiny.csv');
    const w = await runIn(['export', out, '--csv', '--out', csvFile, '--json']);
    expect(jsonData(w.stdout)).to.deep.equal({ results: out, rows: 4, out: csvFile });
    expect(readFileSync(csvFile, 'utf8')).to.equal(exported.csv);
    for (const [args, fragment] of [
      [['sweep', join(tmp, 'missing.yaml'), '--json'], 'missing.yaml: cannot read'],
      [['export', out, '--json'], 'say the format'],
    ] as const) {
      const bad = await runIn([...args]);
      expect(bad.status).to.equal(2);
      const env = JSON.parse(bad.stdout);
      expect(env).to.include({ ok: false, command: args[0] });
      expect(env.error).to.include({ kind: 'input', exitCode: 2 });
      expect(env.error.message).to.include(fragment);
    }
  });
});
