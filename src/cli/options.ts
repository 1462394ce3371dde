// Parsers for CLI options (each rejects bad values with a one-line InputError naming the option and range), and the
// options several commands share.
import { Option, type Command } from 'commander';
import { InputError } from '../errors.js';
import { parseSizes } from '../topology/radixnet.js';

/** The network every command that builds one RadiX-Net takes (topology, diagnose, draw). */
export interface NetworkOptions {
  radices: string;
  layers: number[];
  kron?: number[];
}

/** The paper's LeNet-300-100. */
export const DEFAULT_LAYERS = [784, 300, 100, 10];

/** Adds the `<radices>` argument and --layers/--kron to a command, parsed to numbers. */
export function addNetworkOptions(command: Command): Command {
  return command
    .argument('<radices>', 'radix list: sublists separated by "/", e.g. 10,10/10, or JSON [[10,10],[10]]')
    .addOption(layersOption('layer sizes n_0,...,n_L (one radix per weight layer)'))
    .option(
      '--kron <widths>',
      'Kronecker widths B_0,...,B_L, each B_l * N >= n_l (default ceil(n_l / N))',
      sizesOption('--kron'),
    );
}

/**
 * --shard of a command that runs one slice of its work, from the option or a cluster's array variables; `slice` says
 * what the slice is (runs of a plan, inputs of the challenge).
 */
export function shardOption(slice = 'run only the runs whose plan index is i mod n'): Option {
  return new Option(
    '--shard <i/n>',
    `${slice} (default from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX)`,
  );
}

/** --shard-count, beside --shard: the shards in all, where the array variable gives only the index. */
export function shardCountOption(): Option {
  return new Option(
    '--shard-count <n>',
    'shards in all, for JOB_COMPLETION_INDEX / AWS_BATCH_JOB_ARRAY_INDEX (or RADIXNET_SHARD_COUNT)',
  ).argParser(intOption('--shard-count', 1));
}

/** --workers of a sweep: trainings at once. */
export function workersOption(): Option {
  return new Option(
    '--workers <n>',
    'trainings at once, each on its own worker thread (default: one per core)',
  ).argParser(intOption('--workers', 1, 256));
}

/** --threads of a sweep: kernel threads per training. */
export function sweepThreadsOption(): Option {
  return new Option(
    '--threads <n>',
    'kernel threads per training (default 1 with several workers, all cores with one)',
  ).argParser(intOption('--threads', 1, 64));
}

/** --layers, parsed to numbers, LeNet-300-100 by default. */
export function layersOption(description: string): Option {
  return new Option('--layers <sizes>', description)
    .argParser(sizesOption('--layers'))
    .default(DEFAULT_LAYERS, DEFAULT_LAYERS.join(','));
}

/** Comma-separated positive integers (layer sizes, Kronecker widths). */
export function sizesOption(name: string): (v: string) => number[] {
  return (v) => parseSizes(v, name);
}

/** An integer option in [min, max]. */
export function intOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InputError(
        `${name} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got "${v}"`,
      );
    }
    return n;
  };
}

/** A finite number option with an exclusive or inclusive lower bound and an optional upper bound (exclusive). */
export function numberOption(name: string, opts: { gt?: number; ge?: number; lt?: number }): (v: string) => number {
  return (v) => {
    const n = Number(v);
    const ok =
      v.trim() !== '' &&
      Number.isFinite(n) &&
      (opts.gt === undefined || n > opts.gt) &&
      (opts.ge === undefined || n >= opts.ge) &&
      (opts.lt === undefined || n < opts.lt);
    if (!ok) {
      const lo = opts.gt !== undefined ? `> ${opts.gt}` : opts.ge !== undefined ? `>= ${opts.ge}` : '';
      const hi = opts.lt !== undefined ? `< ${opts.lt}` : '';
      throw new InputError(`${name} must be a number ${[lo, hi].filter(Boolean).join(' and ')}, got "${v}"`);
    }
    return n;
  };
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(name: string, choices: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(choices as readonly string[]).includes(v))
      throw new InputError(`${name} must be one of ${choices.join(', ')}, got "${v}"`);
    return v as T;
  };
}
