// `radixnet reproduce --quick`: every experiment of the paper into one folder, killed in the middle and run again,
// then the report of the folder. (Small: 500 training and test samples per run, one worker.)
import { expect } from 'chai';
import { jsonData } from './helpers/cli.js';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunRecord } from '../src/suite/experiment.js';
import { getExperiment } from '../src/suite/experiments/index.js';
import { plan, resolveParams } from '../src/suite/plan.js';
import { PAPER_EXPERIMENTS, type ReproduceProgress } from '../src/suite/reproduce.js';
import type { ReproduceTimings } from '../src/suite/timings.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const env = { ...process.env, CI: '1' };
const lines = (f: string): RunRecord[] =>
  readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('radixnet reproduce', function () {
  this.timeout(300000);
  const dir = mkdtempSync(join(tmpdir(), 'radixnet-reproduce-'));
  const args = [
    'reproduce',
    '--quick',
    '--out',
    dir,
    '--workers',
    '1',
    '--threads',
    '1',
    '--train-samples',
    '500',
    '--test-samples',
    '500',
    '--json',
  ];

  it('runs every experiment of the paper, resumes after a kill without losing or repeating a run, and writes the report', async () => {
    // killed while the fourth experiment (pruning) runs: three are finished, one is partly done
    const killedAt = await new Promise<ReproduceProgress>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let buffer = '';
      let seen: ReproduceProgress | null = null;
      child.stderr.on('data', (d) => {
        buffer += d;
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        for (const l of parts.filter((p) => p.startsWith('{'))) {
          const e = JSON.parse(l) as ReproduceProgress;
          if (!seen && e.position === 3 && e.done > 128 + 2 + 4) {
            seen = e;
            child.kill('SIGKILL');
          }
        }
      });
      child.on('exit', () =>
        seen ? resolve(seen) : reject(new Error('reproduce finished before it could be killed')),
      );
    });
    expect(killedAt.experiment).to.equal('pruning');
    expect(existsSync(join(dir, 'accuracy-vs-sparsity.jsonl'))).to.equal(false);

    const again = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 240000 });
    expect(again.status, again.stderr).to.equal(0);
    const result = jsonData<{
      experiments: { experiment: string; ran: number; skipped: number; records: number; wallSeconds: number }[];
      report: string;
      timings: ReproduceTimings;
      timingsFiles: { json: string; markdown: string };
    }>(again.stdout);
    expect(result.experiments.map((e) => e.experiment)).to.deep.equal(PAPER_EXPERIMENTS.map((e) => e.name));
    for (const [i, e] of result.experiments.entries()) {
      // each file holds its plan's runs once each (staged experiments: every stage), whatever was done before the kill
      const exp = getExperiment(e.experiment);
      const records = lines(join(dir, `${e.experiment}.jsonl`));
      const params = resolveParams(exp, exp.params.trainSamples ? { trainSamples: 500, testSamples: 500 } : {}, true);
      const planned = plan(exp, params, records)
        .runs.map((r) => r.key)
        .sort();
      expect(records.map((r) => r.key).sort(), e.experiment).to.deep.equal(planned);
      expect(e.records).to.equal(records.length);
      // the three finished before the kill are skipped whole, the fourth in part, the rest run now
      if (i < 3) expect(e).to.include({ ran: 0, skipped: records.length });
      else if (i === 3) expect(e.skipped).to.be.within(1, records.length - 1);
      else expect(e).to.include({ skipped: 0, ran: records.length });
    }
    // the timings: every experiment beside its floor (those that train have one), Fig. 4 per bin, written to --out
    expect(result.timings.experiments.map((e) => e.experiment)).to.deep.equal(PAPER_EXPERIMENTS.map((e) => e.name));
    for (const e of result.timings.experiments) {
      if (e.experiment !== 'sparsity-distribution' && e.ran > 0) expect(e.floorSeconds, e.experiment).to.be.above(0);
    }
    // Fig. 4's bins count the runs that trained, not the copies of a twin (written with wallSeconds 0)
    const fig4 = lines(join(dir, 'accuracy-vs-sparsity.jsonl'));
    expect(fig4.some((r) => r.wallSeconds === 0)).to.equal(true);
    expect(result.timings.fig4Bins.reduce((s, b) => s + b.runs, 0)).to.equal(
      fig4.filter((r) => r.wallSeconds > 0).length,
    );
    expect(result.timingsFiles).to.deep.equal({ json: join(dir, 'timings.json'), markdown: join(dir, 'timings.md') });
    const saved = JSON.parse(readFileSync(result.timingsFiles.json, 'utf8')) as ReproduceTimings;
    expect(saved.experiments).to.deep.equal(result.timings.experiments);
    const md = readFileSync(result.timingsFiles.markdown, 'utf8');
    for (const e of PAPER_EXPERIMENTS) expect(md, e.name).to.include(`| ${e.name} `);
    expect(md).to.include('| 90-100% ');
    const html = readFileSync(result.report, 'utf8');
    for (const e of PAPER_EXPERIMENTS) expect(html, e.name).to.include(e.name);
  });
});
