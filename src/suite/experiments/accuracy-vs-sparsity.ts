// Fig. 4: every valid radix list of the factors trained on LeNet-300-100 (3 epochs, batch 100): final training and
// validation accuracy against sparsity.
import { binLabel, sparsityBin, spread } from '../../analysis/stats.js';
import { validPermutations } from '../../topology/enumerate.js';
import { DEFAULT_SEED, Rng } from '../../random.js';
import type { Experiment, RunRecord } from '../experiment.js';
import { factorsParam, intParam, numberParam } from '../param-specs.js';
import {
  executeTraining,
  twinTraining,
  TRAINING_DEFAULTS,
  TRAINING_PARAMS,
  trainingConfig,
  trainingKey,
  type TrainingParams,
} from '../training-runs.js';

export interface AccuracyVsSparsityParams extends TrainingParams {
  factors: number[];
  seed: number;
  bins: number;
  /** Validation accuracy below which a network counts as failing (the summary's count). */
  threshold: number;
  /**
   * Train only a random sample of this many lists (the paper trains all; absent then, so the plan ids of full sweeps
   * stay what they were), drawn with `sampleSeed` (default 1) and kept in plan order.
   */
  sample?: number;
  sampleSeed?: number;
}

export const accuracyVsSparsity: Experiment<AccuracyVsSparsityParams> = {
  name: 'accuracy-vs-sparsity',
  description:
    'Fig. 4: train every valid radix list of the factors (LeNet-300-100, 3 epochs, batch 100); accuracy vs sparsity',
  defaults: {
    factors: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ...TRAINING_DEFAULTS,
    seed: DEFAULT_SEED,
    bins: 10,
    threshold: 0.8,
  },
  quick: { factors: [2, 10], epochs: 1, trainSamples: 3000, testSamples: 1000 },
  params: {
    factors: factorsParam('factors', 'radix factors, e.g. 1..10 or 2,3,5'),
    ...TRAINING_PARAMS,
    seed: intParam('seed', 'seed of every run (weight init and batch order)', 0),
    bins: intParam('bins', 'equal sparsity bins of [0, 1] in the summary', 1, 1000),
    threshold: numberParam('threshold', 'validation accuracy counted as failing below', 0, 1),
    sample: intParam('sample', 'train a random sample of this many of the lists (default: all, as the paper)', 1),
    sampleSeed: intParam('sample-seed', "seed of --sample's draw (default 1)", 0),
  },
  needsData: true,

  plan(p) {
    let lists = validPermutations(p.factors, p.layers).lists;
    if (p.sample !== undefined && p.sample < lists.length) {
      const keep = new Rng(p.sampleSeed ?? 1).permutation(lists.length).subarray(0, p.sample).sort();
      lists = Array.from(keep, (i) => lists[i]);
    }
    return lists.map((l) => {
      const config = trainingConfig(p, l.text, p.seed);
      // lists with identical masks train identically: one trains, its twins copy (docs/cli.md, enumerate: 1367 distinct of 1517)
      return {
        key: trainingKey(config),
        config,
        tags: { bin: sparsityBin(l.sparsity, p.bins) },
        twin: `topology ${l.topology}`,
      };
    });
  },

  execute: (run, ctx) => executeTraining(run.config, ctx),
  twinOutcome: (outcome, run) => twinTraining(outcome, run.config),

  summarize(records, p) {
    const rows = binRows(records, p.bins);
    const below = records.filter((r) => (r.final?.valAccuracy ?? NaN) < p.threshold);
    const text = [
      `${records.length} networks trained (${p.epochs} epochs, batch ${p.batch}); validation accuracy per sparsity bin:`,
      'sparsity bin  nets  median     min     max',
      ...rows.map(
        (r) =>
          `${binLabel(r.bin, p.bins).padStart(12)}  ${String(r.count).padStart(4)}  ${fmt(r.median)}  ${fmt(r.min)}  ${fmt(r.max)}`,
      ),
      `${below.length} of ${records.length} networks below ${p.threshold} validation accuracy` +
        (below.length
          ? `: ${below
              .slice(0, 12)
              .map((r) => r.topology.radices)
              .join(' ')}${below.length > 12 ? ' ...' : ''}`
          : ''),
    ];
    return { text, data: { bins: rows, below: below.map((r) => r.key) } };
  },
};

/** Per non-empty sparsity bin: count and median/min/max of the final validation accuracy. */
export function binRows(
  records: readonly RunRecord[],
  bins: number,
): { bin: number; count: number; median: number; min: number; max: number }[] {
  const byBin = new Map<number, number[]>();
  for (const r of records) {
    const b = sparsityBin(r.topology.sparsity, bins);
    if (!byBin.has(b)) byBin.set(b, []);
    byBin.get(b)!.push(r.final?.valAccuracy ?? NaN);
  }
  return [...byBin.keys()]
    .sort((a, b) => a - b)
    .map((bin) => ({ bin, count: byBin.get(bin)!.length, ...spread(byBin.get(bin)!) }));
}

function fmt(v: number): string {
  return v.toFixed(4).padStart(6);
}
