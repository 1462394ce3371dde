// `radixnet challenge` and `radixnet merge` of its shards, through the CLI: the official-format fixture against its
// truth, generated runs in shards merged to the single run's categories (equal to the float64 reference), and bad
// input refused in one line with exit 2 before any inference.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChallengeNet, challengeBias } from '../src/topology/challenge-net.js';
import { mnistChallengeImages } from '../src/data/challenge-inputs.js';
import { loadMnist } from '../src/data/mnist.js';
import { referenceCategories } from './helpers/challenge-reference.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/challenge/', import.meta.url));
const run = (args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 300000,
    env: { ...process.env, CI: '1', ...env },
  });
const challenge = (args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof run> =>
  run(['challenge', ...args], env);
/** The official-format fixture's command line (64 neurons, 4 layers), with its layer folder or inputs swapped. */
const officialArgs = (
  weights = join(FIXTURE, 'neuron64'),
  inputs = join(FIXTURE, 'sparse-images-64.tsv'),
): string[] => ['--neurons', '64', '--layers', '4', '--bias', '-0.3', '--weights', weights, '--inputs', inputs];
const official = officialArgs();

describe('radixnet challenge (CLI)', function () {
  this.timeout(300000);

  it("runs the official-format fixture: its categories equal the truth file, edges counted the challenge's way", () => {
    const r = challenge([...official, '--categories', join(FIXTURE, 'neuron64-l4-categories.tsv'), '--json']);
    expect(r.status, r.stderr).to.equal(0);
    const rec = JSON.parse(r.stdout).data;
    expect(rec.categories).to.deep.equal([9, 11, 12]);
    expect(rec.truth).to.include({ equal: true, missing: 0, extra: 0 });
    // 12 inputs (the last row of the file is 12; rows 6 and 10 have no pixel) x 4 layers x 64 x 32 weights
    expect(rec.slice).to.deep.equal({ total: 12, from: 0, to: 12 });
    expect(rec.samples).to.equal(10);
    expect(rec.nnz).to.equal(4 * 64 * 32);
    expect(rec.edges).to.equal(12 * 4 * 64 * 32);
    expect(rec.edgesPerSecond).to.be.closeTo(rec.edges / rec.seconds, 1e-6 * rec.edgesPerSecond);
    expect(rec.layerSeconds).to.have.length(4);
    expect(rec.loadAverage.before).to.have.length(3);
    const text = challenge([...official, '--categories', join(FIXTURE, 'neuron64-l4-categories.tsv')]);
    expect(text.status, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/rate: [\d.]+ G edges\/s/);
    expect(text.stdout).to.match(/categories: 3 of 10 inputs run; truth .*: equal/);
    expect(text.stdout).to.match(/time per layer \(ms\): [\d.]+ [\d.]+ [\d.]+ [\d.]+\n/);
    expect(text.stdout).to.match(/load average: /);
  });

  it('exits 1 when the categories differ from the truth', () => {
    const truth = join(mkdtempSync(join(tmpdir(), 'radixnet-ch-')), 'truth.tsv');
    writeFileSync(truth, '9\n11\n');
    const r = challenge([...official, '--categories', truth, '--json']);
    expect(r.status).to.equal(1);
    const env = JSON.parse(r.stdout);
    expect(env.ok).to.equal(false);
    expect(env.data.truth).to.include({ equal: false, missing: 0, extra: 1 });
    expect(r.stderr).to.match(/the categories differ from .*truth\.tsv: 0 missing, 1 extra/);
  });

  it("runs 2 shards (--shard and SLURM_ARRAY_TASK_ID) whose merge has the single run's categories, equal to the float64 reference", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radixnet-ch-'));
    const gen = ['--neurons', '1024', '--layers', '12', '--inputs-limit', '300'];
    const whole = challenge([...gen, '--json']);
    expect(whole.status, whole.stderr).to.equal(0);
    const all = JSON.parse(whole.stdout).data;
    const net = new ChallengeNet(1024, 12);
    const layers = Array.from({ length: 12 }, (_, l) => net.layer(l));
    const mnist = await loadMnist({ download: false });
    const want = referenceCategories(
      layers,
      mnistChallengeImages(mnist.train.images, 1024, 0, 300),
      challengeBias(1024),
    ).map((r) => r + 1);
    expect(all.categories).to.deep.equal(want);
    expect(all.edges).to.equal(300 * 12 * 1024 * 32);

    const s0 = challenge([...gen, '--shard', '0/2', '--out', join(dir, 'a.jsonl')]);
    expect(s0.status, s0.stderr).to.equal(0);
    expect(s0.stdout).to.match(/inputs 1\.\.150, shard 0\/2 \(from --shard\)/);
    const s1 = challenge([...gen, '--out', join(dir, 'b.jsonl')], {
      SLURM_ARRAY_TASK_ID: '1',
      SLURM_ARRAY_TASK_COUNT: '2',
    });
    expect(s1.status, s1.stderr).to.equal(0);
    expect(s1.stdout).to.match(/inputs 151\.\.300, shard 1\/2 \(from SLURM_ARRAY_TASK_ID\)/);

    const m = run(['merge', join(dir, 'merged.jsonl'), join(dir, 'a.jsonl'), join(dir, 'b.jsonl'), '--json']);
    expect(m.status, m.stderr).to.equal(0);
    const merged = JSON.parse(readFileSync(join(dir, 'merged.jsonl'), 'utf8'));
    expect(merged.categories).to.deep.equal(want);
    expect(merged.edges).to.equal(all.edges);
    expect(merged.samples).to.equal(all.samples);
    expect(merged.seconds).to.equal(Math.max(...merged.shards.map((s: { seconds: number }) => s.seconds)));
    expect(merged.edgesPerSecond).to.equal(merged.edges / merged.seconds);
    expect(merged.shards.map((s: { index: number }) => s.index)).to.deep.equal([0, 1]);

    // one shard alone: the merge says which is missing and exits 1
    const half = run(['merge', join(dir, 'half.jsonl'), join(dir, 'a.jsonl')]);
    expect(half.status).to.equal(1);
    expect(half.stdout).to.match(/missing shards: 1/);
  });

  it('refuses bad input with one line and exit 2, before any inference', () => {
    const dir = mkdtempSync(join(tmpdir(), 'radixnet-ch-'));
    const expectRefused = (args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): void => {
      const r = challenge(args, env);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
      expect(r.stderr).to.match(pattern);
      expect(r.stdout).to.equal('');
    };
    // sizes that disagree with --neurons
    expectRefused(
      [
        '--neurons',
        '1024',
        '--layers',
        '4',
        '--weights',
        join(FIXTURE, 'neuron64'),
        '--inputs',
        join(FIXTURE, 'sparse-images-64.tsv'),
      ],
      /sparse-images-64\.tsv:\d+: column \(neuron\) \d+ is above|layer files of 64 neurons.*--neurons 64/,
    );
    // a layer missing from the sequence
    const gap = join(dir, 'neuron64');
    mkdirSync(gap);
    for (const k of [1, 2, 4]) copyFileSync(join(FIXTURE, `neuron64/n64-l${k}.tsv`), join(gap, `n64-l${k}.tsv`));
    expectRefused(officialArgs(gap), /n64-l3\.tsv is missing/);
    // a malformed layer line and inputs wider than N
    const bad = join(dir, 'neuron64-bad');
    mkdirSync(bad);
    for (const k of [1, 2, 3, 4]) copyFileSync(join(FIXTURE, `neuron64/n64-l${k}.tsv`), join(bad, `n64-l${k}.tsv`));
    writeFileSync(join(bad, 'n64-l3.tsv'), '1\t1\t0.0625\n2\t1\n');
    expectRefused(officialArgs(bad), /n64-l3\.tsv:2: expected 3 columns/);
    const wide = join(dir, 'sparse-images-64.tsv');
    writeFileSync(wide, '1\t3\t1\n2\t65\t1\n');
    expectRefused(officialArgs(undefined, wide), /sparse-images-64\.tsv:2: column \(neuron\) 65 is above 64/);
    const zero = join(dir, 'zero.tsv');
    writeFileSync(zero, '0\t3\t1\n');
    expectRefused(officialArgs(undefined, zero), /zero\.tsv:1: row \(input\) 0 is below 1; indices are 1-based/);
    // options
    expectRefused(['--neurons', '2048', '--layers', '4'], /bias only for 1024, 4096, 16384, 65536 neurons.*--bias/);
    expectRefused(
      ['--neurons', '1024', '--layers', '4', '--weights', join(FIXTURE, 'neuron64')],
      /--weights and --inputs go together/,
    );
    expectRefused(['--neurons', '1024', '--layers', '4', '--shard', '2/2'], /--shard must be i\/n/);
    expectRefused(['--neurons', '1024', '--layers', '4', '--inputs-limit', '70000'], /over the 60000 MNIST images/);
    // memory over what this machine may use
    expectRefused(
      ['--neurons', '65536', '--layers', '4', '--inputs-limit', '64'],
      /needs about .* of memory, over the 95 MiB limit/,
      { RADIXNET_MAX_MEMORY_BYTES: '100000000' },
    );
  });
});
