// The pruning comparison: dense training pruned by weight magnitude (one-shot or gradual) against RadiX-Nets (and any
// other method the experiment ran) at the same sparsity: final accuracy vs sparsity, and accuracy per epoch.
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../../errors.js';
import { type Plot, tag } from './plot.js';

export const pruningPlot: Plot = {
  experiment: 'pruning',
  figure: 'pruning comparison',
  draw(records, where) {
    const finals = records.map((r) => {
      if (r.final === null) throw new InputError(`${where}: record '${r.key}' has no final accuracies; the pruning figure needs trained runs`);
      return { method: tag(r, 'method', where), target: Number(tag(r, 'target', where)), sparsity: r.topology.sparsity,
        accuracy: r.final.testAccuracy, seconds: r.wallSeconds };
    });
    const curves = records.flatMap((r) => r.history.map((h) => ({
      method: String(r.tags.method), target: `${(100 * Number(r.tags.target)).toFixed(1)}%`, epoch: h.epoch,
      accuracy: h.valAccuracy ?? h.accuracy,
    })));
    const methods = [...new Set(finals.map((f) => f.method))];
    const color = { field: 'method', type: 'nominal', title: 'method', scale: { domain: methods, scheme: 'category10' } };
    const spec = {
      title: { text: 'Pruning vs RadiX-Nets', subtitle: `${records.length} runs, ${methods.length} methods` },
      hconcat: [
        {
          title: { text: 'final test accuracy vs sparsity', fontSize: 12 },
          width: 320,
          height: 260,
          data: { values: finals },
          mark: { type: 'line', point: { size: 40 } },
          encoding: {
            x: { field: 'sparsity', type: 'quantitative', title: 'sparsity', scale: { zero: false }, axis: { format: '.1%' } },
            y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy', scale: { zero: false } },
            color,
          },
        },
        {
          title: { text: 'accuracy per epoch', fontSize: 12 },
          width: 320,
          height: 260,
          data: { values: curves },
          mark: { type: 'line', strokeWidth: 1.2 },
          encoding: {
            x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
            y: { field: 'accuracy', type: 'quantitative', title: 'validation accuracy', scale: { zero: false } },
            color,
            strokeDash: { field: 'target', type: 'nominal', title: 'target sparsity' },
          },
        },
      ],
      spacing: 30,
    } as TopLevelSpec;
    const caption = `Dense models pruned by weight magnitude against RadiX-Nets trained sparse from the start (${methods.join(', ')}): ` +
      'final test accuracy against the sparsity reached (left) and validation accuracy per epoch (right).';
    return { spec, caption };
  },
};
