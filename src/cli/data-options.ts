// The data options every training command shares (--dataset, --data, --labels, --test-data, ...): declared once here,
// turned into a DataSpec (src/data/source.ts), which does all the checking.
import type { Command } from 'commander';
import { DATASETS, SCALES, type DataSpec, type Scale } from '../data/source.js';
import { choiceOption, intOption, numberOption } from './options.js';

/** Adds the data options to `cmd`. */
export function addDataOptions(cmd: Command): Command {
  return cmd
    .option(
      '--dataset <name>',
      `a named dataset: ${DATASETS.join(' or ')} (default mnist); with --data DIR, where its official files are`,
      choiceOption('--dataset', DATASETS),
    )
    .option(
      '--data <path>',
      'your data: a CSV, an .npy of features (with --labels), an idx samples file (with --labels), or a folder of idx files under the MNIST names; with --dataset, the folder of its files',
    )
    .option('--labels <file>', 'the labels of --data when it is an .npy (integers, one per row) or an idx samples file')
    .option(
      '--test-data <path>',
      "a test set apart, in the format of --data (default: the folder's t10k files, else a held-out fraction)",
    )
    .option('--test-labels <file>', 'the labels of --test-data (.npy or idx)')
    .option(
      '--label-column <name|index>',
      'CSV: the label column, by header name or index (0 the first, -1 the last); default: a column named label, class, target or y',
    )
    .option(
      '--scale <how>',
      `feature scaling: ${SCALES.join(', ')} (auto: /255 for byte data, none otherwise; standardize uses training-set statistics)`,
      choiceOption('--scale', SCALES),
    )
    .option(
      '--test-fraction <f>',
      'held-out test fraction when there is no test set (default 0.2, a fixed seeded shuffle)',
      numberOption('--test-fraction', { gt: 0, lt: 1 }),
    )
    .option(
      '--classes <n>',
      'number of classes (default: the largest label + 1); a larger label is refused',
      intOption('--classes', 2, 1 << 20),
    );
}

/** The DataSpec of parsed options (only what was given). */
export function dataSpecFromOptions(o: Record<string, unknown>): DataSpec {
  const spec: DataSpec = {};
  if (o.dataset !== undefined) spec.dataset = o.dataset as string;
  if (o.data !== undefined) spec.data = o.data as string;
  if (o.labels !== undefined) spec.labels = o.labels as string;
  if (o.testData !== undefined) spec.testData = o.testData as string;
  if (o.testLabels !== undefined) spec.testLabels = o.testLabels as string;
  if (o.labelColumn !== undefined) spec.labelColumn = String(o.labelColumn);
  if (o.scale !== undefined) spec.scale = o.scale as Scale;
  if (o.testFraction !== undefined) spec.testFraction = o.testFraction as number;
  if (o.classes !== undefined) spec.classes = o.classes as number;
  return spec;
}
