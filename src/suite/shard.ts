// Shards: a slice of a plan (the runs whose index is i mod n), picked by --shard i/n or by the array-job variables of
// Slurm, Kubernetes Indexed Jobs and AWS Batch, so one command line serves every task of an array job.
import { InputError } from '../errors.js';

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** Whether the run at plan position `index` belongs to `shard`. */
export function inShard(index: number, shard: Shard): boolean {
  return index % shard.count === shard.index;
}

/** Parses `i/n` (0 <= i < n). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count || !Number.isSafeInteger(count)) {
    throw new InputError(`--shard must be i/n with 0 <= i < n (e.g. 0/4 for the first of 4 shards), got "${text}"`);
  }
  return { index, count };
}

/**
 * The shard of this process: `--shard` text first, else the environment: Slurm (SLURM_ARRAY_TASK_ID minus
 * SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT), a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or AWS Batch
 * (AWS_BATCH_JOB_ARRAY_INDEX), whose shard count comes from `count` (--shard-count) or RADIXNET_SHARD_COUNT.
 * Null when none is set (the whole plan). `source` says where the shard came from. `--shard` together with array-job
 * variables must name the same shard (an InputError otherwise).
 */
export function resolveShard(
  opts: { shard?: string; count?: number },
  env: NodeJS.ProcessEnv = process.env,
): (Shard & { source: string }) | null {
  if (opts.shard !== undefined) {
    const given = parseShard(opts.shard);
    // inside an array job, --shard must say what the scheduler says: a copied job script with a stale --shard would
    // otherwise run one shard twice and another never
    const fromEnv = INDEX_VARIABLES.some((name) => (env[name] ?? '') !== '')
      ? environmentShard(opts.count, given.count, env)
      : null;
    if (fromEnv && (fromEnv.index !== given.index || fromEnv.count !== given.count)) {
      throw new InputError(
        `--shard ${given.index}/${given.count} disagrees with ${fromEnv.source} (shard ${fromEnv.index}/${fromEnv.count}); ` +
          "inside an array job leave --shard out (the job's variables pick the shard), or unset the variables",
      );
    }
    return { ...given, source: '--shard' };
  }
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v.trim()))
      throw new InputError(`${name} is "${v}", not a whole number >= 0; unset it or fix the job script`);
    return Number(v);
  };
  const check = (
    index: number,
    count: number | undefined,
    source: string,
    countFrom: string,
  ): Shard & { source: string } => {
    if (count === undefined) throw new InputError(`${source} is set but the shard count is not; pass ${countFrom}`);
    if (count < 1 || index >= count) {
      throw new InputError(
        `${source} gives shard ${index} of ${count}, out of range; use a contiguous array 0..${Math.max(0, count - 1)} (step 1) or pass --shard i/n`,
      );
    }
    return { index, count, source };
  };
  const explicitCount = opts.count ?? int('RADIXNET_SHARD_COUNT');
  const slurm = int('SLURM_ARRAY_TASK_ID');
  if (slurm !== undefined) {
    const min = int('SLURM_ARRAY_TASK_MIN') ?? 0;
    if (slurm < min)
      throw new InputError(`SLURM_ARRAY_TASK_ID ${slurm} is below SLURM_ARRAY_TASK_MIN ${min}; fix the job script`);
    return check(
      slurm - min,
      explicitCount ?? int('SLURM_ARRAY_TASK_COUNT'),
      'SLURM_ARRAY_TASK_ID',
      'SLURM_ARRAY_TASK_COUNT or --shard-count',
    );
  }
  const k8s = int('JOB_COMPLETION_INDEX');
  if (k8s !== undefined)
    return check(
      k8s,
      explicitCount,
      'JOB_COMPLETION_INDEX',
      "--shard-count N or RADIXNET_SHARD_COUNT=N (the Job's completions)",
    );
  const aws = int('AWS_BATCH_JOB_ARRAY_INDEX');
  if (aws !== undefined) {
    return check(
      aws,
      explicitCount ?? int('AWS_BATCH_JOB_ARRAY_SIZE'),
      'AWS_BATCH_JOB_ARRAY_INDEX',
      '--shard-count N or RADIXNET_SHARD_COUNT=N (the array size)',
    );
  }
  if (opts.count !== undefined)
    throw new InputError('--shard-count is given but no shard index: pass --shard i/n or run inside an array job');
  return null;
}

const INDEX_VARIABLES = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'];

/** The shard the array job's variables name; the count of --shard stands in only where they give none. */
function environmentShard(
  count: number | undefined,
  fallback: number,
  env: NodeJS.ProcessEnv,
): (Shard & { source: string }) | null {
  try {
    return resolveShard({ count }, env);
  } catch (err) {
    if (!(err instanceof InputError) || !/shard count is not/.test(err.message)) throw err;
    return resolveShard({ count: fallback }, env);
  }
}
