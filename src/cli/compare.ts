// `radixnet compare`: options and the table; the work is src/suite/compare.ts (tfjs is imported only when it runs).
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { DEFAULT_SEED } from '../random.js';
import { COMPARE_BACKENDS, compare, type CompareRow } from '../suite/compare.js';
import type { Io } from './io.js';
import { intOption, sizesOption } from './options.js';
import type { DataSpec } from '../data/source.js';
import { addDataOptions, dataSpecFromOptions } from './data-options.js';
import { layersOf } from './train.js';

export interface CompareOptions {
  /** Names from COMPARE_BACKENDS, run in this order. */
  backends: string[];
  radices: string;
  /** All layer sizes (default: the paper's on MNIST); or `hidden`, the hidden sizes only (the ends come from the data). */
  layers?: number[];
  hidden?: number[];
  epochs: number;
  batch: number;
  seed: number;
  /** Train on the first N training samples only. */
  limit?: number;
  threads?: number;
  /** What to train and test on (src/data/source.ts; MNIST when empty). */
  spec: DataSpec;
}

/** What `compare` answers with: one row per backend (unavailable ones say why). */
export interface CompareResult {
  rows: CompareRow[];
}

export async function compareRun(opts: CompareOptions, io: Io): Promise<void> {
  const rows = await compare({
    backends: opts.backends,
    radices: opts.radices,
    ...layersOf(opts),
    epochs: opts.epochs,
    batchSize: opts.batch,
    seed: opts.seed,
    limit: opts.limit,
    threads: opts.threads,
    spec: opts.spec,
    log: (line) => io.info(line),
  });
  io.result<CompareResult>({ rows }, (r) => table(r.rows));
}

/** Adds `radixnet compare` to the program. */
export function registerCompare(program: Command, io: Io): void {
  const cmd = program
    .command('compare')
    .description(
      'train the same model from the same initial weights on each backend; time per epoch and accuracy side by side',
    )
    .option('--backends <list>', `comma-separated, from: ${Object.keys(COMPARE_BACKENDS).join(', ')}`, parseBackends, [
      'ours',
      'cpu',
      'wasm',
      'tensorflow',
    ])
    .option('--radices <list>', 'radix list (e.g. 10,10/10) or "dense"', '10,10/10')
    .option(
      '--layers <sizes>',
      'layer sizes n_0..n_L, checked against the data (default: 784,300,100,10; with --data: its width, --hidden, its classes)',
      sizesOption('--layers'),
    )
    .option(
      '--hidden <sizes>',
      'hidden layer sizes only (e.g. 300,100): the input width and the classes come from the data',
      sizesOption('--hidden'),
    )
    .option('--epochs <n>', 'epochs', intOption('--epochs', 1, 1000), 1)
    .option('--batch <n>', 'batch size', intOption('--batch', 1, 65536), 100)
    .option('--seed <n>', 'seed of the initial weights (and of our batch order)', intOption('--seed', 0), DEFAULT_SEED)
    .option(
      '--limit <n>',
      'train on the first N training samples only (a quick look: tfjs cpu needs ~2 min per full epoch)',
      intOption('--limit', 1),
    )
    .option(
      '--threads <n>',
      'threads of our engine (default: RADIXNET_THREADS or all cores)',
      intOption('--threads', 1, 64),
    );
  addDataOptions(cmd)
    .option('--json', 'print the rows as JSON (docs/cli.md)')
    .action((f: Omit<CompareOptions, 'spec'> & Record<string, unknown>) =>
      compareRun(
        {
          backends: f.backends,
          radices: f.radices,
          layers: f.layers,
          hidden: f.hidden,
          epochs: f.epochs,
          batch: f.batch,
          seed: f.seed,
          limit: f.limit,
          threads: f.threads,
          spec: dataSpecFromOptions(f),
        },
        io,
      ),
    );
}

function parseBackends(text: string): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new InputError(`--backends is empty; give some of ${Object.keys(COMPARE_BACKENDS).join(', ')}`);
  for (const n of names) {
    if (!(n in COMPARE_BACKENDS))
      throw new InputError(`--backends: unknown backend "${n}"; use ${Object.keys(COMPARE_BACKENDS).join(', ')}`);
  }
  return [...new Set(names)];
}

function table(rows: CompareRow[]): string[] {
  const lines: string[] = [];
  const ours = rows.find((r) => r.backend === 'ours' && r.available);
  const mean = (r: CompareRow): number => r.epochSeconds!.reduce((s, v) => s + v, 0) / r.epochSeconds!.length;
  lines.push('');
  lines.push(
    `${'backend'.padEnd(11)} ${'s/epoch'.padStart(9)} ${'samples/s'.padStart(10)} ${'vs ours'.padStart(8)} ${'train loss'.padStart(10)} ${'train acc'.padStart(9)} ${'test acc'.padStart(9)}  runs`,
  );
  for (const r of rows) {
    if (!r.available) {
      lines.push(
        `${r.backend.padEnd(11)} ${'-'.padStart(9)} ${'-'.padStart(10)} ${'-'.padStart(8)} ${'-'.padStart(10)} ${'-'.padStart(9)} ${'-'.padStart(9)}  unavailable: ${r.reason}`,
      );
      continue;
    }
    const s = mean(r);
    const ratio = ours ? `${(s / mean(ours)).toFixed(1)}x` : '-';
    lines.push(
      `${r.backend.padEnd(11)} ${s.toFixed(3).padStart(9)} ${r.samplesPerSecond!.toFixed(0).padStart(10)} ${ratio.padStart(8)} ${r.trainLoss!.toFixed(4).padStart(10)} ${r.trainAccuracy!.toFixed(4).padStart(9)} ${r.testAccuracy!.toFixed(4).padStart(9)}  ${r.runs}`,
    );
  }
  lines.push(
    '\nSame initial weights everywhere; tfjs shuffles batches with Math.random (unseeded), ours with --seed, so accuracies differ by run-to-run noise.',
  );
  return lines;
}
