// The pruning comparison: dense training pruned by weight magnitude (one-shot or gradual) against RadiX-Nets trained
// sparse from the start (and random masks of the same per-layer sizes), at each target sparsity: the median over
// seeds of the final test accuracy against the sparsity reached, and the median accuracy per epoch.
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../../errors.js';
import type { RunRecord } from '../../records/run-record.js';
import { count, median, type Plot, tag } from './plot.js';

/** The experiment's methods in the order the legend lists them; others follow by name. */
const METHOD_ORDER = ['one-shot', 'gradual', 'radixnet', 'random'];

export const pruningPlot: Plot = {
  figure: 'pruning comparison',
  shows: 'accuracy vs sparsity and per epoch, per method',
  reads:
    '`tags.method`, `tags.target`, `tags.scope` (`overall` drawn), `final.testAccuracy`, `history` (medians over seeds)',
  draw(records, where) {
    // the first-layer case belongs with Fig. 7; this figure compares whole networks
    const overall = records.filter((r) => (r.tags.scope ?? 'overall') === 'overall');
    if (overall.length === 0)
      throw new InputError(`${where}: no whole-network runs (tags.scope 'overall'); nothing for this figure`);
    const groups = new Map<string, RunRecord[]>();
    for (const r of overall) {
      if (r.final === null)
        throw new InputError(
          `${where}: record '${r.key}' has no final accuracies; the pruning figure needs trained runs`,
        );
      const id = `${tag(r, 'method', where)}|${tag(r, 'target', where)}`;
      groups.set(id, [...(groups.get(id) ?? []), r]);
    }
    const finals = [...groups.values()]
      .map((rs) => ({
        method: String(rs[0].tags.method),
        target: Number(rs[0].tags.target),
        seeds: rs.length,
        sparsity: median(rs.map((r) => r.topology.sparsity)),
        accuracy: median(rs.map((r) => r.final!.testAccuracy)),
      }))
      .sort((a, b) => a.sparsity - b.sparsity);
    const curves = [...groups.values()].flatMap((rs) => {
      const epochs = Math.min(...rs.map((r) => r.history.length));
      return Array.from({ length: epochs }, (_, e) => ({
        method: String(rs[0].tags.method),
        target: `${(100 * Number(rs[0].tags.target)).toFixed(1)}%`,
        epoch: e + 1,
        accuracy: median(rs.map((r) => r.history[e].valAccuracy ?? r.history[e].accuracy)),
      }));
    });
    const rank = (m: string): number => (METHOD_ORDER.includes(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.length);
    const methods = [...new Set(finals.map((f) => f.method))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    const seeds = Math.max(...finals.map((f) => f.seeds));
    const color = {
      field: 'method',
      type: 'nominal',
      title: 'method',
      scale: { domain: methods, scheme: 'category10' },
    };
    const spec = {
      title: {
        text: 'Magnitude pruning vs RadiX-Nets at equal sparsity',
        subtitle:
          `${count(overall.length, 'run')}: ${count(methods.length, 'method')} x ` +
          `${count(new Set(finals.map((f) => f.target)).size, 'target')}, medians over up to ${count(seeds, 'seed')}`,
      },
      hconcat: [
        {
          title: { text: 'final test accuracy vs sparsity', fontSize: 12 },
          width: 320,
          height: 260,
          data: { values: finals },
          mark: { type: 'line', point: { size: 40 } },
          encoding: {
            x: {
              field: 'sparsity',
              type: 'quantitative',
              title: 'sparsity',
              scale: { zero: false },
              axis: { format: '.0%' },
            },
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
    const caption =
      `Dense models pruned by weight magnitude against networks sparse from the start (${methods.join(', ')}), ` +
      `at each target sparsity: median final test accuracy over seeds against the sparsity reached (left) and median ` +
      'validation accuracy per epoch (right; pruned models count their dense and fine-tuning epochs).';
    return { spec, caption };
  },
};
