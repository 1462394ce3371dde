// examples/slurm on a real Slurm: a one-node cluster brought up here (munge, slurmctld, slurmd as root, every file in a
// temp folder, own ports and munge socket), or one already running. Skipped with a message when Slurm is missing.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { RunRecord } from '../src/suite/experiment.js';
import { runPlan } from '../src/suite/runner.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A one-node Slurm cluster whose files all live in `dir`; stop() ends the daemons it started, by their pid files. */
async function startCluster(dir: string): Promise<{ env: NodeJS.ProcessEnv; stop: () => Promise<void> }> {
  const node = hostname().split('.')[0];
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'munge.key');
  writeFileSync(key, randomBytes(1024));
  chmodSync(key, 0o600);
  for (const d of ['state', 'spool']) mkdirSync(join(dir, d));
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(conf, [
    'ClusterName=radixnet-test', `SlurmctldHost=${node}`, 'SlurmUser=root', 'SlurmdUser=root',
    'AuthType=auth/munge', `AuthInfo=socket=${dir}/munge.sock`, 'CredType=cred/munge',
    `SlurmctldPort=${ctldPort}`, `SlurmdPort=${dPort}`, `StateSaveLocation=${dir}/state`, `SlurmdSpoolDir=${dir}/spool`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`, `SlurmdPidFile=${dir}/slurmd.pid`,
    `SlurmctldLogFile=${dir}/slurmctld.log`, `SlurmdLogFile=${dir}/slurmd.log`,
    'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none', 'SelectType=select/cons_tres', 'SelectTypeParameters=CR_Core',
    'SchedulerType=sched/builtin', 'ReturnToService=2', 'MpiDefault=none',
    `NodeName=${node} CPUs=${cpus().length} State=UNKNOWN`,
    `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
  ].join('\n') + '\n');
  const env = { ...process.env, SLURM_CONF: conf };
  const started: string[] = [];
  const stop = async (): Promise<void> => {
    for (const name of [...started].reverse()) {
      const pidFile = join(dir, `${name}.pid`);
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        continue; // already gone
      }
      for (let i = 0; i < 50; i++) {
        try {
          process.kill(pid, 0);
          await sleep(100);
        } catch {
          break;
        }
      }
    }
  };
  try {
    execFileSync('munged', ['-f', '-S', `${dir}/munge.sock`, `--key-file=${key}`, `--log-file=${dir}/munged.log`,
      `--pid-file=${dir}/munged.pid`, `--seed-file=${dir}/munged.seed`], { stdio: 'pipe' });
    started.push('munged');
    execFileSync('slurmctld', ['-c'], { env, stdio: 'pipe' });
    started.push('slurmctld');
    execFileSync('slurmd', ['-N', node], { env, stdio: 'pipe' });
    started.push('slurmd');
    for (let i = 0; ; i++) {
      const state = spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' }).stdout.trim();
      if (state === 'idle') break;
      if (i > 100) throw new Error(`the test cluster did not come up (node state '${state}'); see ${dir}/slurmctld.log`);
      await sleep(200);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { env, stop };
}

describe('Slurm: examples/slurm on a one-node cluster', function () {
  this.timeout(300000);
  let cluster: { env: NodeJS.ProcessEnv; stop: () => Promise<void> } | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'radixnet-slurm-'));

  before(async function () {
    const missing = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo'].filter((c) => !has(c));
    if (missing.length === 0 && spawnSync('scontrol', ['ping'], { encoding: 'utf8' }).stdout.includes('is UP')) {
      cluster = { env: process.env, stop: async () => undefined }; // a running cluster: use it, leave it running
      return;
    }
    if (missing.length) {
      console.log(`      skipped: Slurm is not installed (no ${missing.join(', ')}); .ci/run installs slurmctld slurmd slurm-client munge`);
      this.skip();
    }
    if (process.getuid?.() !== 0) {
      console.log('      skipped: starting slurmd and munged needs root, and no Slurm cluster is running');
      this.skip();
    }
    cluster = await startCluster(join(dir, 'cluster'));
  });

  after(async () => {
    await cluster?.stop();
  });

  it('runs sweep.sbatch as a 3-task array and its dependent merge job; the merged file equals a single-process run', async () => {
    const opts = ['--quick', '--train-samples', '500', '--test-samples', '500'];
    const results = join(dir, 'results');
    const submit = spawnSync('bash', [join(ROOT, 'examples/slurm/submit.sh'), '3', 'accuracy-vs-sparsity', ...opts], {
      cwd: dir, encoding: 'utf8',
      env: { ...cluster!.env, RESULTS: results, RADIXNET: `${process.execPath} ${CLI}`, CPUS_PER_TASK: '1' },
    });
    expect(submit.status, submit.stderr).to.equal(0);
    const jobs = /submitted array job (\d+) \(3 shards of accuracy-vs-sparsity\) and merge job (\d+)/.exec(submit.stdout);
    expect(jobs, submit.stdout).to.not.equal(null);
    for (let i = 0; ; i++) {
      const queue = spawnSync('squeue', ['-h', '-j', `${jobs![1]},${jobs![2]}`], { env: cluster!.env, encoding: 'utf8' }).stdout.trim();
      if (queue === '') break;
      if (i > 1200) throw new Error(`jobs still queued after 4 minutes:\n${queue}`);
      await sleep(200);
    }
    const logs = readdirSync(dir).filter((f) => f.startsWith('slurm-')).map((f) => `${f}:\n${readFileSync(join(dir, f), 'utf8')}`).join('\n');
    const merged = join(results, 'accuracy-vs-sparsity.jsonl');
    expect(existsSync(merged), logs).to.equal(true);
    // the merge job's log has merge's report and the summary
    expect(logs).to.match(/merged 18 of 18 runs of accuracy-vs-sparsity .* from 3 files/);
    expect(logs).to.match(/18 networks trained/);
    const shardFiles = readdirSync(results).filter((f) => f.includes('.shard-')).sort();
    expect(shardFiles).to.deep.equal([0, 1, 2].map((i) => `accuracy-vs-sparsity.shard-${i}.jsonl`));

    const reference = await runPlan('accuracy-vs-sparsity', { quick: true, params: { trainSamples: 500, testSamples: 500 }, workers: 1 });
    const untimed = (r: RunRecord): unknown => {
      const { wallSeconds: _w, host: _h, threads: _t, ...rest } = r;
      return { ...rest, history: r.history.map(({ seconds: _s, samplesPerSecond: _p, ...e }) => e) };
    };
    const got = readFileSync(merged, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RunRecord);
    expect(got.map(untimed)).to.deep.equal(reference.records.map(untimed));
  });
});
