// Fig. 8: training accuracy per epoch of every model the screen found strange, retrained for many epochs; the lines
// settle into separated bands.
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../../errors.js';
import { epochRows, type Plot, epochAxis } from './plot.js';

/** Models up to which each line gets a legend entry; beyond it the legend would crowd out the plot. */
const MAX_LEGEND = 16;

export const strangeModelsPlot: Plot = {
  figure: 'Fig. 8',
  shows: 'accuracy per epoch of the retrained',
  reads: '`tags.stage` (`screen`, `retrain`), `history[].accuracy`',
  draw(records, where) {
    const retrained = records.filter((r) => r.tags.stage === 'retrain');
    const screened = records.filter((r) => r.tags.stage === 'screen').length;
    if (retrained.length === 0) {
      throw new InputError(
        `${where}: no retrained models (tags.stage 'retrain') among ${records.length} records: the screen ` +
          'found no strange model yet, or the run stopped before retraining',
      );
    }
    const values = retrained.flatMap((r) => epochRows(r).map((e) => ({ ...e, model: r.topology.radices })));
    const epochs = Math.max(...values.map((v) => v.epoch));
    const legend = retrained.length <= MAX_LEGEND ? { title: 'radices', symbolType: 'stroke' } : null;
    const spec = {
      title: {
        text: 'Strange models retrained',
        subtitle: `${retrained.length} models${screened ? ` found strange among ${screened} screened` : ''}, ${epochs} epochs`,
      },
      width: 480,
      height: 300,
      data: { values },
      mark: { type: 'line', strokeWidth: 1.2, point: { size: 10 } },
      encoding: {
        x: epochAxis(epochs),
        y: { field: 'accuracy', type: 'quantitative', title: 'training accuracy', scale: { domain: [0, 1] } },
        color: { field: 'model', type: 'nominal', legend, scale: { scheme: 'tableau20' } },
      },
    } as TopLevelSpec;
    const caption =
      `Training accuracy per epoch of the ${retrained.length} strange models${screened ? ` (of ${screened} screened)` : ''}, ` +
      `retrained for ${epochs} epochs, as in the paper's Fig. 8: the accuracies plateau early in separated bands.`;
    return { spec, caption };
  },
};
