// `radixnet reproduce`: every experiment of the paper at its own size, one after another, each a resumable sweep
// with its results file in one folder, so the command killed and run again skips what is done (finished experiments
// cost a read of their file, finished runs nothing) and carries on. Progress is reported over the whole, weighed by
// the expected cost of each run (run-cost.ts); the CLI then writes the HTML report of the folder.
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { getExperiment } from './experiments/index.js';
import { plan as expand, resolveParams } from './plan.js';
import { readResults } from './results-file.js';
import { runPlan, type ProgressEvent } from './runner.js';
import { shareMnist } from './workers.js';
import { loadMnist, type Mnist } from '../data/mnist.js';
import { eachAtItsRate, expectedCost } from './run-cost.js';
import { reproduceTimings, type ReproduceTimings, type TimedExperiment } from './timings.js';
import { peakGflops } from '../kernels/peak.js';
import type { RunRecord } from '../records/run-record.js';

/** The paper's experiments in the order reproduce runs them (cheapest first, so a first look comes soon). */
export const PAPER_EXPERIMENTS = [
  { name: 'sparsity-distribution', figure: 'Fig. 3' },
  { name: 'saliency', figure: 'Fig. 7' },
  { name: 'seed-study', figure: 'Fig. 9' },
  { name: 'pruning', figure: 'pruning comparison' },
  { name: 'strange-models', figure: 'Fig. 8' },
  { name: 'seed-variance', figure: 'Fig. 5' },
  { name: 'accuracy-vs-sparsity', figure: 'Fig. 4' },
] as const;

export interface ReproduceOptions {
  /** Folder of the results files, one per experiment (`<name>.jsonl`); created when missing. */
  out: string;
  /** Each experiment's --quick size (seconds, for tests and first looks). */
  quick?: boolean;
  /** Train and test on the first N MNIST samples in every experiment that trains (first looks, tests). */
  trainSamples?: number;
  testSamples?: number;
  /** Only these experiments (names), in the paper's order; default all. */
  only?: readonly string[];
  workers?: number;
  threads?: number;
  data?: string;
  onProgress?: (event: ReproduceProgress) => void;
  warn?: (message: string) => void;
}

/** Progress over the whole reproduction (runs of every experiment known so far). */
export interface ReproduceProgress {
  experiment: string;
  figure: string;
  /** 0-based position of the experiment running now, of `experiments`. */
  position: number;
  experiments: number;
  /** Runs done and known over all experiments (staged experiments add runs as stages become plannable). */
  done: number;
  total: number;
  /** Seconds left over all experiments: the expected cost left at the rates trained so far (run-cost.ts). */
  etaSeconds: number | null;
  elapsedSeconds: number;
}

/** What one experiment took in this invocation. */
export interface ExperimentTiming {
  experiment: string;
  figure: string;
  file: string;
  records: number;
  ran: number;
  skipped: number;
  /** Wall time of this invocation's sweep of the experiment. */
  wallSeconds: number;
  /** Sum of its records' run times (all invocations; with several workers, more than the wall time). */
  runSeconds: number;
}

export interface ReproduceResult {
  experiments: ExperimentTiming[];
  /** The results files, in the paper's order (what the report reads). */
  files: string[];
  wallSeconds: number;
  /** Wall time per experiment beside its FLOP floor, and Fig. 4 per sparsity bin (timings.ts). */
  timings: ReproduceTimings;
}

/** Runs (or resumes) every experiment of the paper into `opts.out`. */
export async function reproduce(opts: ReproduceOptions): Promise<ReproduceResult> {
  const wanted = PAPER_EXPERIMENTS.filter((e) => !opts.only || opts.only.includes(e.name));
  for (const name of opts.only ?? []) getExperiment(name); // an unknown name is an InputError naming the known ones
  mkdirSync(opts.out, { recursive: true });
  const t0 = performance.now();
  // what is known up front: each experiment's runs so far (planned from its records) and the cost of those not done
  const known = wanted.map((e) => {
    const exp = getExperiment(e.name);
    const file = join(opts.out, `${e.name}.jsonl`);
    const params = resolveParams(exp, overridesFor(exp.defaults, opts), opts.quick ?? false);
    const first = expand(exp, params, []);
    const records = existsSync(file) ? readResults(file, { planId: first.planId, warn: () => {} }).records : [];
    const current = expand(exp, params, records);
    const done = new Set(records.map((r) => r.key));
    const cost = new Map(current.runs.map((r) => [r.key, expectedCost(r)]));
    const left = current.runs.filter((r) => !done.has(r.key)).reduce((c, r) => c + cost.get(r.key)!, 0);
    return { ...e, file, total: current.runs.length, done: done.size, cost, left };
  });
  let costDone = 0;
  // after planning: the rates the ETA divides by count training time only
  const tRun = performance.now();
  const timings: ExperimentTiming[] = [];
  const timed: TimedExperiment[] = [];
  // loaded once, in shared memory, for every experiment's workers (each sweep would load its own)
  let mnist: Mnist | undefined;
  for (const [position, e] of known.entries()) {
    const t = performance.now();
    const ranKeys = new Set<string>();
    const costAtStart = e.left;
    let costHere = 0;
    if (!mnist && getExperiment(e.name).needsData && e.done < e.total)
      mnist = shareMnist(await loadMnist({ dir: opts.data }));
    const result = await runPlan(e.name, {
      quick: opts.quick,
      params: overridesFor(getExperiment(e.name).defaults, opts),
      out: e.file,
      mnist,
      workers: opts.workers,
      threads: opts.threads,
      data: opts.data,
      warn: opts.warn,
      onProgress: (p: ProgressEvent) => {
        e.total = p.total;
        e.done = p.done;
        if (p.type === 'run' && p.key !== undefined) {
          ranKeys.add(p.key);
          // copies of a twin cost nothing; runs of a later stage were not in the estimate
          const c = e.cost.get(p.key) ?? 0;
          costDone += c;
          costHere += c;
          e.left = Math.max(0, e.left - c);
        }
        const now = performance.now();
        const elapsedSeconds = (now - t0) / 1000;
        const etaSeconds = eachAtItsRate({
          left: e.left,
          othersLeft: known.reduce((s, k) => (k === e ? s : s + k.left), 0),
          costHere,
          costAtStart,
          secondsHere: (now - t) / 1000,
          costDone,
          secondsDone: (now - tRun) / 1000,
        });
        opts.onProgress?.({
          experiment: e.name,
          figure: e.figure,
          position,
          experiments: known.length,
          done: known.reduce((s, k) => s + k.done, 0),
          total: known.reduce((s, k) => s + k.total, 0),
          etaSeconds,
          elapsedSeconds,
        });
      },
    });
    const wallSeconds = (performance.now() - t) / 1000;
    timings.push({
      experiment: e.name,
      figure: e.figure,
      file: e.file,
      records: result.records.length,
      ran: result.ran,
      skipped: result.skipped,
      wallSeconds,
      runSeconds: result.records.reduce((s, r) => s + r.wallSeconds, 0),
    });
    const records: RunRecord[] = result.records;
    timed.push({ experiment: e.name, figure: e.figure, records, ranKeys, skipped: result.skipped, wallSeconds });
  }
  return {
    experiments: timings,
    files: known.map((e) => e.file),
    wallSeconds: (performance.now() - t0) / 1000,
    timings: reproduceTimings(timed, peakGflops(), availableParallelism()),
  };
}

/** The sample limits of `opts` for an experiment that has them (the training ones). */
function overridesFor(defaults: Record<string, unknown>, opts: ReproduceOptions): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (opts.trainSamples !== undefined && 'trainSamples' in defaults) o.trainSamples = opts.trainSamples;
  if (opts.testSamples !== undefined && 'testSamples' in defaults) o.testSamples = opts.testSamples;
  return o;
}
