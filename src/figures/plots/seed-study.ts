// Fig. 9: one normal and one strange model, each trained on several seeds: accuracy per epoch, one line per seed,
// the normal model on top and the strange one below.
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../../errors.js';
import { epochRows, type Plot, tag, epochAxis } from './plot.js';

export const seedStudyPlot: Plot = {
  figure: 'Fig. 9',
  shows: 'two panels, a curve per seed',
  reads: '`tags.model` (`normal`, `strange`), `tags.seed`, `history[].accuracy`',
  draw(records, where) {
    const panels = ['normal', 'strange'].map((model) => {
      const runs = records.filter((r) => tag(r, 'model', where) === model);
      if (runs.length === 0)
        throw new InputError(`${where}: no records of the ${model} model (tags.model '${model}'); Fig. 9 needs both`);
      const values = runs.flatMap((r) =>
        epochRows(r).map((e) => ({ ...e, seed: String(r.tags.seed ?? r.config?.seed ?? r.key) })),
      );
      const seeds = [...new Set(values.map((v) => v.seed))].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
      const epochs = Math.max(...values.map((v) => v.epoch));
      return {
        title: { text: `${model} model ${runs[0].topology.radices}`, subtitle: `${runs.length} seeds`, fontSize: 12 },
        width: 480,
        height: 200,
        data: { values },
        mark: { type: 'line', strokeWidth: 1.2, point: { size: 10 } },
        encoding: {
          x: epochAxis(epochs),
          y: { field: 'accuracy', type: 'quantitative', title: 'training accuracy', scale: { domain: [0, 1] } },
          color: {
            field: 'seed',
            type: 'nominal',
            title: 'seed',
            scale: { domain: seeds },
            legend: { symbolType: 'stroke' },
          },
        },
      };
    });
    const spec = {
      title: 'The effect of the seed on a normal and a strange model',
      vconcat: panels,
      spacing: 20,
      resolve: { scale: { color: 'independent' } },
    } as TopLevelSpec;
    const caption =
      'Training accuracy per epoch of a normal model (top) and a strange model (bottom), one line per seed, ' +
      "as in the paper's Fig. 9.";
    return { spec, caption };
  },
};
