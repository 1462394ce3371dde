// Fig. 5: per sparsity bin, a few networks each trained on many seeds: the range (bar) and median (dot) of their
// final validation accuracy.
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../../errors.js';
import { binCount, binLabel, median, type Plot, tag, VALIDATION_COLOUR } from './plot.js';

/** Per network (bin, network): its radices, how many seeds ran, and the median, min and max validation accuracy. */
export function seedSpread(
  records: Parameters<Plot['draw']>[0],
  where: string,
): { bin: number; network: number; radices: string; seeds: number; median: number; min: number; max: number }[] {
  const groups = new Map<string, { bin: number; network: number; radices: string; acc: number[] }>();
  for (const r of records) {
    const bin = Number(tag(r, 'bin', where));
    const network = Number(tag(r, 'network', where));
    const acc = r.final?.valAccuracy;
    if (acc === undefined || acc === null)
      throw new InputError(`${where}: record '${r.key}' has no validation accuracy; Fig. 5 needs it`);
    const id = `${bin}|${network}`;
    if (!groups.has(id)) groups.set(id, { bin, network, radices: r.topology.radices, acc: [] });
    groups.get(id)!.acc.push(acc);
  }
  return [...groups.values()]
    .sort((a, b) => a.bin - b.bin || a.network - b.network)
    .map((g) => {
      return {
        bin: g.bin,
        network: g.network,
        radices: g.radices,
        seeds: g.acc.length,
        median: median(g.acc),
        min: Math.min(...g.acc),
        max: Math.max(...g.acc),
      };
    });
}

export const seedVariancePlot: Plot = {
  figure: 'Fig. 5',
  shows: 'range bar and median per network, by bin',
  reads: '`tags.bin`, `tags.network`, `final.valAccuracy`, `params.bins`',
  draw(records, where) {
    const bins = binCount(records[0]);
    const rows = seedSpread(records, where).map((r) => ({ ...r, binLabel: binLabel(r.bin, bins) }));
    const order = [...new Set(rows.map((r) => r.binLabel))];
    const seeds = Math.max(...rows.map((r) => r.seeds));
    const x = { field: 'binLabel', type: 'nominal', title: 'sparsity bin', sort: order, axis: { labelAngle: 0 } };
    const xOffset = { field: 'network', type: 'nominal', legend: null };
    const spec = {
      title: {
        text: 'Validation accuracy over seeds, per network',
        subtitle: `${rows.length} networks in ${order.length} sparsity bins, up to ${seeds} seeds each; bar: range, dot: median`,
      },
      width: Math.max(360, order.length * 70),
      height: 300,
      data: { values: rows },
      encoding: { x, xOffset },
      layer: [
        {
          mark: { type: 'rule', color: '#555555', strokeWidth: 1.5 },
          encoding: {
            y: { field: 'min', type: 'quantitative', title: 'validation accuracy', scale: { zero: false } },
            y2: { field: 'max' },
          },
        },
        {
          mark: { type: 'tick', color: '#555555', thickness: 1.5, size: 6 },
          encoding: { y: { field: 'min', type: 'quantitative' } },
        },
        {
          mark: { type: 'tick', color: '#555555', thickness: 1.5, size: 6 },
          encoding: { y: { field: 'max', type: 'quantitative' } },
        },
        {
          mark: { type: 'circle', color: VALIDATION_COLOUR, size: 36, opacity: 1 },
          encoding: {
            y: { field: 'median', type: 'quantitative' },
            tooltip: [
              { field: 'radices' },
              { field: 'seeds' },
              { field: 'median', format: '.4f' },
              { field: 'min', format: '.4f' },
              { field: 'max', format: '.4f' },
            ],
          },
        },
      ],
    } as TopLevelSpec;
    const caption =
      `Range (bars) and median (blue dots) of the final validation accuracy of ${rows.length} networks, each trained ` +
      `on up to ${seeds} seeds, grouped by sparsity bin, as in the paper's Fig. 5.`;
    return { spec, caption };
  },
};
