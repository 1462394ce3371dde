// Fig. 5: per 10% sparsity bin, a seeded draw of networks from the Fig. 3 set, each trained on several seeds: the
// median and range of validation accuracy over the seeds.
import { binLabel, sparsityBin, spread } from '../../analysis/stats.js';
import { Rng } from '../../random.js';
import { validPermutations, type EnumeratedList } from '../../topology/enumerate.js';
import type { Experiment, RunSpec } from '../experiment.js';
import { factorsParam, intParam, seedsParam } from '../param-specs.js';
import {
  executeTraining,
  twinTraining,
  TRAINING_DEFAULTS,
  TRAINING_PARAMS,
  trainingConfig,
  trainingKey,
  type TrainingParams,
} from '../training-runs.js';

export interface SeedVarianceParams extends TrainingParams {
  factors: number[];
  bins: number;
  networksPerBin: number;
  seeds: number[];
  /** Seed of the draw of networks from each bin. */
  drawSeed: number;
}

export const seedVariance: Experiment<SeedVarianceParams> = {
  name: 'seed-variance',
  description: 'Fig. 5: per 10% sparsity bin, 5 networks drawn from the Fig. 3 set, each trained on 16 seeds',
  defaults: {
    factors: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ...TRAINING_DEFAULTS,
    bins: 10,
    networksPerBin: 5,
    seeds: Array.from({ length: 16 }, (_, k) => k + 1),
    drawSeed: 0,
  },
  quick: { factors: [2, 10], networksPerBin: 1, seeds: [1, 2], epochs: 1, trainSamples: 3000, testSamples: 1000 },
  params: {
    factors: factorsParam('factors', 'radix factors of the set the networks are drawn from, e.g. 1..10'),
    ...TRAINING_PARAMS,
    bins: intParam('bins', 'equal sparsity bins of [0, 1]', 1, 1000),
    networksPerBin: intParam('networks-per-bin', 'networks drawn per bin (all of a bin when it has fewer)', 1, 100000),
    seeds: seedsParam('seeds', 'training seeds, e.g. 1..16 or 1,7,42'),
    drawSeed: intParam('draw-seed', 'seed of the draw of networks from each bin', 0),
  },
  needsData: true,

  plan(p) {
    const byBin = new Map<number, EnumeratedList[]>();
    for (const l of validPermutations(p.factors, p.layers).lists) {
      const b = sparsityBin(l.sparsity, p.bins);
      if (!byBin.has(b)) byBin.set(b, []);
      byBin.get(b)!.push(l);
    }
    const runs: RunSpec[] = [];
    const rng = new Rng(p.drawSeed);
    for (const bin of [...byBin.keys()].sort((a, b) => a - b)) {
      const lists = byBin.get(bin)!;
      const drawn = Array.from(rng.permutation(lists.length).subarray(0, p.networksPerBin), (i) => lists[i]);
      drawn.forEach((list, network) => {
        for (const seed of p.seeds) {
          const config = trainingConfig(p, list.text, seed);
          runs.push({
            key: trainingKey(config),
            config,
            tags: { bin, network, seed },
            twin: `topology ${list.topology} seed ${seed}`,
          });
        }
      });
    }
    return runs;
  },

  execute: (run, ctx) => executeTraining(run.config, ctx),
  twinOutcome: (outcome, run) => twinTraining(outcome, run.config),

  summarize(records, p) {
    const groups = new Map<string, { bin: number; network: number; radices: string; acc: number[] }>();
    for (const r of records) {
      const id = `${r.tags.bin}|${r.tags.network}`;
      if (!groups.has(id))
        groups.set(id, {
          bin: r.tags.bin as number,
          network: r.tags.network as number,
          radices: r.topology.radices,
          acc: [],
        });
      groups.get(id)!.acc.push(r.final?.valAccuracy ?? NaN);
    }
    const rows = [...groups.values()]
      .sort((a, b) => a.bin - b.bin || a.network - b.network)
      .map((g) => ({ bin: g.bin, network: g.network, radices: g.radices, seeds: g.acc.length, ...spread(g.acc) }));
    const text = [
      `${rows.length} networks x up to ${p.seeds.length} seeds (${p.epochs} epochs, batch ${p.batch}); validation accuracy over seeds:`,
      'sparsity bin  radices            seeds  median     min     max   range',
      ...rows.map(
        (r) =>
          `${binLabel(r.bin, p.bins).padStart(12)}  ${r.radices.padEnd(17)}  ${String(r.seeds).padStart(5)}  ` +
          `${r.median.toFixed(4)}  ${r.min.toFixed(4)}  ${r.max.toFixed(4)}  ${(r.max - r.min).toFixed(4)}`,
      ),
    ];
    return { text, data: { networks: rows } };
  },
};
