// Fig. 3: the sparsities of every valid radix list of the factors (no training), binned in 10% bins, and how many
// distinct topologies the lists make.
import { binLabel, sparsityBin } from '../../analysis/stats.js';
import { validPermutations } from '../../topology/enumerate.js';
import { radixNetSparsity } from '../../topology/radixnet.js';
import type { Experiment } from '../experiment.js';
import { factorsParam, intParam, sizesParam } from '../param-specs.js';

export interface SparsityDistributionParams extends Record<string, unknown> {
  factors: number[];
  layers: number[];
  bins: number;
}

export const sparsityDistribution: Experiment<SparsityDistributionParams> = {
  name: 'sparsity-distribution',
  description: 'Fig. 3: sparsity histogram of every valid radix list of the factors (no training)',
  defaults: { factors: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], layers: [784, 300, 100, 10], bins: 10 },
  quick: { factors: [1, 2, 3, 4] },
  params: {
    factors: factorsParam('factors', 'radix factors, e.g. 1..10 or 2,3,5'),
    layers: sizesParam('layers', 'layer sizes n_0..n_L'),
    bins: intParam('bins', 'equal sparsity bins of [0, 1]', 1, 1000),
  },
  needsData: false,

  plan(p) {
    return validPermutations(p.factors, p.layers).lists.map((l) => ({
      key: l.text,
      radices: l.text,
      layers: p.layers,
      tags: { bin: sparsityBin(l.sparsity, p.bins), topology: l.topology },
    }));
  },

  async execute(run) {
    const radices = run.radices as string;
    const layers = run.layers as number[];
    const { sparsity, kroneckerSparsity } = radixNetSparsity(radices, layers);
    const denseWeights = layers.slice(1).reduce((s, n, l) => s + n * layers[l], 0);
    const weights = Math.round((1 - sparsity) * denseWeights);
    return {
      config: null,
      topology: { radices, sparsity, kroneckerSparsity, weights, denseWeights },
      history: [],
      final: null,
    };
  },

  summarize(records, p) {
    const counts = new Array<number>(p.bins).fill(0);
    for (const r of records) counts[sparsityBin(r.topology.sparsity, p.bins)]++;
    const topologies = new Set(records.map((r) => r.tags.topology)).size;
    const text = [
      `${records.length} valid radix lists of factors ${p.factors.join(',')} on ${p.layers.join('-')}: ${topologies} distinct topologies`,
      'sparsity bin  lists',
      ...counts.map((c, b) => `${binLabel(b, p.bins).padStart(12)}  ${String(c).padStart(5)}`),
    ];
    return { text, data: { lists: records.length, distinctTopologies: topologies, binCounts: counts } };
  },
};
