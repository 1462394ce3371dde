// The expected cost of a planned run, in relative units, from its topology's nonzeros: what the runner hands out
// longest-first (so no worker idles at the end while another trains a dense net) and what its runs/min and ETA weigh
// the runs still to do by. Relative units are enough for both: the order needs only comparisons, and the ETA divides
// the cost left by the cost done per second so far.
import type { PlannedRun } from './plan.js';
import { radixNetSparsity } from '../topology/radixnet.js';

/**
 * Per sample of a step, work that does not scale with the nonzeros (gathering 784 inputs, the loss, the kernel calls),
 * in weight-equivalents: a 99%-sparse LeNet-300-100 step costs about as much again as its multiply-adds (`npm run
 * bench`, the training table), so a few thousand.
 */
const FIXED_PER_SAMPLE = 3000;
/** Per run, what does not scale with steps (building the model, evaluation), in sample-weight-equivalents. */
const FIXED_PER_RUN = 5e7;

const byTopology = new Map<string, number>();

/** Stored weights of a run's topology: dense when the radix list says so or cannot be read. */
function nonzeros(radices: string, layers: number[], kron?: number[]): number {
  const dense = layers.slice(1).reduce((s, n, l) => s + n * layers[l], 0);
  if (radices.trim().toLowerCase() === 'dense') return dense;
  const key = `${radices}|${layers.join(',')}|${kron?.join(',') ?? ''}`;
  let nnz = byTopology.get(key);
  if (nnz === undefined) {
    try {
      nnz = Math.round(dense * (1 - radixNetSparsity(radices, layers, kron).sparsity));
    } catch {
      nnz = dense; // a list the run itself will refuse: its cost does not matter
    }
    byTopology.set(key, nnz);
  }
  return nnz;
}

/** The expected cost of `run`: samples trained times (nonzeros + a fixed part), plus a fixed part per run. */
export function expectedCost(run: PlannedRun): number {
  const c = run.config;
  // topology-only runs (Fig 3): no training, a few milliseconds each, about a fifth of a run's fixed part
  if (!c) return FIXED_PER_RUN / 5;
  // of the 60,000 MNIST training images (or the first trainSamples), the validation split is held out
  const samples = c.epochs * Math.round((c.trainSamples ?? 60000) * (1 - c.validationSplit));
  return FIXED_PER_RUN + samples * (nonzeros(c.radices, c.layers, c.kron) + FIXED_PER_SAMPLE);
}

/** `runs` longest-expected-first (a stable sort: equal costs keep plan order). */
export function longestFirst(runs: readonly PlannedRun[]): PlannedRun[] {
  return runs
    .map((run) => ({ run, cost: expectedCost(run) }))
    .sort((a, b) => b.cost - a.cost)
    .map((e) => e.run);
}

/**
 * Seconds left of a sequence of experiments, in expected-cost units: the current one's cost left at its own rate once
 * a tenth of its cost is behind it, the others' at the rate over all so far; null before anything was trained.
 * Experiments run at 1.7-10x their floor (docs/performance.md), so the rate over all of them misjudges each; the
 * current one's own rate is the better guess for its own runs (replayed on a quiet paper run: at Fig. 5's start 543 s
 * against 591 actual, where the overall rate said 720). Later experiments still get the overall rate, which the
 * costliest-per-unit ones (saliency, pruning) drag down: early in a paper run the ETA stays pessimistic.
 */
export function eachAtItsRate(p: {
  /** Cost left in the current experiment, and in all the others. */
  left: number;
  othersLeft: number;
  /** Cost trained in the current experiment, what it had to do when it started, and its seconds so far. */
  costHere: number;
  costAtStart: number;
  secondsHere: number;
  /** Cost trained over all, and the seconds spent training it. */
  costDone: number;
  secondsDone: number;
}): number | null {
  if (!(p.costDone > 0 && p.secondsDone > 0)) return null;
  const overall = p.costDone / p.secondsDone;
  const own =
    p.costHere > 0 && p.costHere >= 0.1 * p.costAtStart && p.secondsHere > 0 ? p.costHere / p.secondsHere : overall;
  return p.left / own + p.othersLeft / overall;
}
