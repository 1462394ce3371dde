// Fig. 4: final training (red chevrons) and validation (blue dots) accuracy of every trained network vs its sparsity.
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../../errors.js';
import { CHEVRON, type Plot, TRAIN_COLOUR, VALIDATION_COLOUR } from './plot.js';
import { FASHION_MNIST_INFO } from '../../data/fashion-mnist.js';
import { PAPER_PRESET } from '../../suite/mnist-train.js';

/** Titles of the named datasets other than the paper's MNIST. */
const DATASET_TITLES: Readonly<Record<string, string>> = { [FASHION_MNIST_INFO.name]: FASHION_MNIST_INFO.title };

export const accuracyVsSparsityPlot: Plot = {
  figure: 'Fig. 4',
  shows: 'train chevrons, validation dots',
  reads: '`topology.sparsity`, `final.trainAccuracy`, `final.valAccuracy`',
  draw(records, where) {
    const points: { sparsity: number; accuracy: number; metric: string; radices: string }[] = [];
    for (const r of records) {
      if (r.final === null)
        throw new InputError(`${where}: record '${r.key}' has no final accuracies; Fig. 4 needs trained runs`);
      points.push({
        sparsity: r.topology.sparsity,
        accuracy: r.final.trainAccuracy,
        metric: 'train',
        radices: r.topology.radices,
      });
      if (r.final.valAccuracy !== null) {
        points.push({
          sparsity: r.topology.sparsity,
          accuracy: r.final.valAccuracy,
          metric: 'validation',
          radices: r.topology.radices,
        });
      }
    }
    // chevrons over dots: the two accuracies are often within a point of each other
    points.sort((a, b) => Number(a.metric === 'train') - Number(b.metric === 'train'));
    const cfg = records[0].config;
    // the dataset and layers are named when they are not the paper's, so a figure of another dataset or network
    // cannot be taken for Fig. 4 itself
    const setup = cfg
      ? [
          ...(cfg.dataset && cfg.dataset !== 'mnist' ? [DATASET_TITLES[cfg.dataset] ?? cfg.dataset] : []),
          ...(cfg.layers.join('-') !== PAPER_PRESET.layers.join('-') ? [cfg.layers.join('-')] : []),
          `${cfg.epochs} epoch${cfg.epochs === 1 ? '' : 's'}, batch ${cfg.batchSize}, seed ${cfg.seed}`,
        ].join(', ')
      : '';
    const spec = {
      title: {
        text: 'Accuracy of RadiX-Nets vs sparsity',
        subtitle: `${records.length} networks${setup ? `; ${setup}` : ''}`,
      },
      width: 480,
      height: 300,
      data: { values: points },
      mark: { type: 'point', strokeWidth: 1.3, opacity: 0.9 },
      encoding: {
        x: {
          field: 'sparsity',
          type: 'quantitative',
          title: 'sparsity',
          scale: { domain: [0, 1] },
          // not flush: Vega-Lite's default moves the 0% and 100% labels off their ticks, 100% against 90%
          axis: { format: '.0%', labelFlush: false },
        },
        y: { field: 'accuracy', type: 'quantitative', title: 'final accuracy', scale: { domain: [0, 1] } },
        shape: {
          field: 'metric',
          type: 'nominal',
          title: null,
          scale: { domain: ['train', 'validation'], range: [CHEVRON, 'circle'] },
        },
        color: {
          field: 'metric',
          type: 'nominal',
          title: null,
          scale: { domain: ['train', 'validation'], range: [TRAIN_COLOUR, VALIDATION_COLOUR] },
        },
        fill: {
          field: 'metric',
          type: 'nominal',
          title: null,
          scale: { domain: ['train', 'validation'], range: ['transparent', VALIDATION_COLOUR] },
        },
        size: {
          field: 'metric',
          type: 'ordinal',
          title: null,
          scale: { domain: ['train', 'validation'], range: [70, 22] },
        },
        tooltip: [{ field: 'radices' }, { field: 'metric' }, { field: 'accuracy', format: '.4f' }],
      },
    } as TopLevelSpec;
    const caption =
      `Final training accuracy (red chevrons) and validation accuracy (blue dots) of ${records.length} RadiX-Nets ` +
      `against their sparsity${setup ? ` (${setup})` : ''}, as in the paper's Fig. 4.`;
    return { spec, caption };
  },
};
