// Fig. 3: how the sparsities of the valid radix lists are distributed (a histogram; no training involved).
import type { TopLevelSpec } from 'vega-lite';
import type { Plot } from './plot.js';

/** Width of a histogram bar, in sparsity. */
export const HISTOGRAM_STEP = 0.025;

/** Per bar: the sparsity interval and how many radix lists fall in it (empty bars left out). */
export function histogram(
  sparsities: readonly number[],
  step = HISTOGRAM_STEP,
): { start: number; end: number; lists: number }[] {
  const bars = Math.round(1 / step);
  const counts = new Array<number>(bars).fill(0);
  for (const s of sparsities) counts[Math.min(bars - 1, Math.max(0, Math.floor(s / step + 1e-9)))]++;
  return counts.flatMap((lists, b) => (lists ? [{ start: b * step, end: (b + 1) * step, lists }] : []));
}

export const sparsityDistributionPlot: Plot = {
  figure: 'Fig. 3',
  shows: 'histogram (2.5% bars)',
  reads: '`topology.sparsity`, `tags.topology` (distinct count)',
  draw(records) {
    const p = records[0].params;
    const topologies = new Set(records.map((r) => String(r.tags.topology ?? r.topology.radices))).size;
    const factors = Array.isArray(p.factors) ? p.factors.join(',') : '?';
    const layers = Array.isArray(p.layers) ? p.layers.join('-') : '';
    const spec = {
      title: {
        text: 'Distribution of RadiX-Net sparsities',
        subtitle:
          `${records.length} valid radix lists of factors ${factors}` +
          `${layers ? ` on ${layers}` : ''} (${topologies} distinct topologies)`,
      },
      width: 480,
      height: 260,
      data: { values: histogram(records.map((r) => r.topology.sparsity)) },
      mark: { type: 'bar', color: '#4c78a8', stroke: 'white', strokeWidth: 0.5 },
      encoding: {
        x: {
          field: 'start',
          type: 'quantitative',
          title: 'sparsity',
          scale: { domain: [0, 1] },
          axis: { format: '.0%' },
        },
        x2: { field: 'end' },
        y: { field: 'lists', type: 'quantitative', title: 'radix lists' },
        y2: { datum: 0 },
      },
    } as TopLevelSpec;
    const caption =
      `Distribution of the sparsities of ${records.length} valid radix lists (factors ${factors}${layers ? `, ${layers}` : ''}), ` +
      `in bars ${HISTOGRAM_STEP * 100}% wide; ${topologies} distinct topologies. Longer sublists multiply to larger N, so ` +
      "most lists are very sparse (the paper's Fig. 3).";
    return { spec, caption };
  },
};
