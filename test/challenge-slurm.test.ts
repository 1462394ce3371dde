// examples/slurm/challenge-submit.sh on a real Slurm (test/helpers/slurm.ts: a one-node cluster brought up here, or one
// already running; skipped with a message when Slurm is missing): the generated 1024 x 120 challenge in a 2-task array
// and its dependent merge job, whose categories must equal the float64 reference's.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChallengeNet, challengeBias } from '../src/topology/challenge-net.js';
import { mnistChallengeImages } from '../src/data/challenge-inputs.js';
import { loadMnist } from '../src/data/mnist.js';
import { referenceCategories } from './helpers/challenge-reference.js';
import { useCluster, waitForJobs, type Cluster } from './helpers/slurm.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

describe('Slurm: the Graph Challenge as a job array', function () {
  this.timeout(600000);
  let cluster: Cluster | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'radixnet-challenge-slurm-'));

  before(async function () {
    cluster = await useCluster(this, join(dir, 'cluster'));
  });

  after(async () => {
    await cluster?.stop();
  });

  it('runs 1024 x 120 (first 600 inputs) in 2 shards and merges them: the categories equal the float64 reference', async () => {
    const results = join(dir, 'results');
    const submit = spawnSync(
      'bash',
      [
        join(ROOT, 'examples/slurm/challenge-submit.sh'),
        '2',
        '--neurons',
        '1024',
        '--layers',
        '120',
        '--inputs-limit',
        '600',
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...cluster!.env, RESULTS: results, RADIXNET: `${process.execPath} ${CLI}`, CPUS_PER_TASK: '1' },
      },
    );
    expect(submit.status, submit.stderr).to.equal(0);
    const jobs = /submitted array job (\d+) \(2 shards of the challenge\) and merge job (\d+)/.exec(submit.stdout);
    expect(jobs, submit.stdout).to.not.equal(null);
    await waitForJobs(cluster!.env, [jobs![1], jobs![2]], 480);
    const logs = readdirSync(dir)
      .filter((f) => f.startsWith('slurm-'))
      .map((f) => `${f}:\n${readFileSync(join(dir, f), 'utf8')}`)
      .join('\n');
    const merged = join(results, 'challenge.jsonl');
    expect(existsSync(merged), logs).to.equal(true);
    expect(logs).to.match(/merged 2 of 2 challenge shards from 2 files/);
    expect(logs).to.match(/shard 0\/2 \(from SLURM_ARRAY_TASK_ID\)/);
    expect(logs).to.match(/shard 1\/2 \(from SLURM_ARRAY_TASK_ID\)/);
    const record = JSON.parse(readFileSync(merged, 'utf8'));
    expect(record.shards.map((s: { index: number }) => s.index)).to.deep.equal([0, 1]);
    expect(record.edges).to.equal(600 * 120 * 1024 * 32);

    const net = new ChallengeNet(1024, 120);
    const layers = Array.from({ length: 120 }, (_, l) => net.layer(l));
    const mnist = await loadMnist({ download: false });
    const want = referenceCategories(
      layers,
      mnistChallengeImages(mnist.train.images, 1024, 0, 600),
      challengeBias(1024),
    ).map((r) => r + 1);
    expect(record.categories).to.deep.equal(want);
  });
});
