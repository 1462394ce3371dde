// examples/slurm on a real Slurm: a one-node cluster brought up here (munge, slurmctld, slurmd as root, every file in a
// temp folder, own ports and munge socket), or one already running. Skipped with a message when Slurm is missing.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useCluster, waitForJobs, type Cluster } from './helpers/slurm.js';
import type { RunRecord } from '../src/suite/experiment.js';
import { runPlan } from '../src/suite/runner.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

describe('Slurm: examples/slurm on a one-node cluster', function () {
  this.timeout(300000);
  let cluster: Cluster | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'radixnet-slurm-'));

  before(async function () {
    cluster = await useCluster(this, join(dir, 'cluster'));
  });

  after(async () => {
    await cluster?.stop();
  });

  it('runs sweep.sbatch as a 3-task array and its dependent merge job; the merged file equals a single-process run', async () => {
    const opts = ['--quick', '--train-samples', '500', '--test-samples', '500'];
    const results = join(dir, 'results');
    const submit = spawnSync('bash', [join(ROOT, 'examples/slurm/submit.sh'), '3', 'accuracy-vs-sparsity', ...opts], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...cluster!.env, RESULTS: results, RADIXNET: `${process.execPath} ${CLI}`, CPUS_PER_TASK: '1' },
    });
    expect(submit.status, submit.stderr).to.equal(0);
    const jobs = /submitted array job (\d+) \(3 shards of accuracy-vs-sparsity\) and merge job (\d+)/.exec(
      submit.stdout,
    );
    expect(jobs, submit.stdout).to.not.equal(null);
    await waitForJobs(cluster!.env, [jobs![1], jobs![2]]);
    const logs = readdirSync(dir)
      .filter((f) => f.startsWith('slurm-'))
      .map((f) => `${f}:\n${readFileSync(join(dir, f), 'utf8')}`)
      .join('\n');
    const merged = join(results, 'accuracy-vs-sparsity.jsonl');
    expect(existsSync(merged), logs).to.equal(true);
    // the merge job's log has merge's report and the summary
    expect(logs).to.match(/merged 18 of 18 runs of accuracy-vs-sparsity .* from 3 files/);
    expect(logs).to.match(/18 networks trained/);
    const shardFiles = readdirSync(results)
      .filter((f) => f.includes('.shard-'))
      .sort();
    expect(shardFiles).to.deep.equal([0, 1, 2].map((i) => `accuracy-vs-sparsity.shard-${i}.jsonl`));

    const reference = await runPlan('accuracy-vs-sparsity', {
      quick: true,
      params: { trainSamples: 500, testSamples: 500 },
      workers: 1,
    });
    const untimed = (r: RunRecord): unknown => {
      const { wallSeconds: _w, host: _h, threads: _t, ...rest } = r;
      return { ...rest, history: r.history.map(({ seconds: _s, samplesPerSecond: _p, ...e }) => e) };
    };
    const got = readFileSync(merged, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RunRecord);
    expect(got.map(untimed)).to.deep.equal(reference.records.map(untimed));
  });
});
