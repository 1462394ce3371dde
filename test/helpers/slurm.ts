// A one-node Slurm cluster for tests: munge, slurmctld and slurmd as root, every file in a temp folder, own ports and
// munge socket; or the cluster already running. Tests that submit jobs (test/slurm.test.ts, test/challenge-slurm.test.ts)
// share it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface Cluster {
  env: NodeJS.ProcessEnv;
  stop: () => Promise<void>;
}

export const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
export async function startCluster(dir: string): Promise<Cluster> {
  const node = hostname().split('.')[0];
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'munge.key');
  writeFileSync(key, randomBytes(1024));
  chmodSync(key, 0o600);
  for (const d of ['state', 'spool']) mkdirSync(join(dir, d));
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=radixnet-test',
      `SlurmctldHost=${node}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      `AuthInfo=socket=${dir}/munge.sock`,
      'CredType=cred/munge',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'SchedulerType=sched/builtin',
      'ReturnToService=2',
      'MpiDefault=none',
      `NodeName=${node} CPUs=${cpus().length} State=UNKNOWN`,
      `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
    ].join('\n') + '\n',
  );
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
    execFileSync(
      'munged',
      [
        '-f',
        '-S',
        `${dir}/munge.sock`,
        `--key-file=${key}`,
        `--log-file=${dir}/munged.log`,
        `--pid-file=${dir}/munged.pid`,
        `--seed-file=${dir}/munged.seed`,
      ],
      { stdio: 'pipe' },
    );
    started.push('munged');
    execFileSync('slurmctld', ['-c'], { env, stdio: 'pipe' });
    started.push('slurmctld');
    execFileSync('slurmd', ['-N', node], { env, stdio: 'pipe' });
    started.push('slurmd');
    for (let i = 0; ; i++) {
      const state = spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' }).stdout.trim();
      if (state === 'idle') break;
      if (i > 100)
        throw new Error(`the test cluster did not come up (node state '${state}'); see ${dir}/slurmctld.log`);
      await sleep(200);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { env, stop };
}

/**
 * The cluster a test suite runs on (call from `before`): a running one, else one started in `dir`; skips the suite
 * with a message when Slurm is not installed or cannot be started (not root).
 */
export async function useCluster(ctx: Mocha.Context, dir: string): Promise<Cluster> {
  const missing = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo'].filter((c) => !has(c));
  if (missing.length === 0 && spawnSync('scontrol', ['ping'], { encoding: 'utf8' }).stdout.includes('is UP')) {
    return { env: process.env, stop: async () => undefined }; // a running cluster: use it, leave it running
  }
  if (missing.length) {
    console.log(
      `      skipped: Slurm is not installed (no ${missing.join(', ')}); .ci/run installs slurmctld slurmd slurm-client munge`,
    );
    ctx.skip();
  }
  if (process.getuid?.() !== 0) {
    console.log('      skipped: starting slurmd and munged needs root, and no Slurm cluster is running');
    ctx.skip();
  }
  return startCluster(dir);
}

/** Waits until none of `jobs` is queued or running (at most `seconds`). */
export async function waitForJobs(env: NodeJS.ProcessEnv, jobs: string[], seconds = 240): Promise<void> {
  for (let i = 0; ; i++) {
    const queue = spawnSync('squeue', ['-h', '-j', jobs.join(',')], { env, encoding: 'utf8' }).stdout.trim();
    if (queue === '') return;
    if (i > seconds * 5) throw new Error(`jobs still queued after ${seconds} s:\n${queue}`);
    await sleep(200);
  }
}
