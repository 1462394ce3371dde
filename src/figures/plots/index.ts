// The figure of each experiment, by the experiment's name (the `experiment` field of its records).
import { InputError } from '../../errors.js';
import type { RunRecord } from '../../records/run-record.js';
import type { Plot } from './plot.js';
import { EXPERIMENT_NAMES, type ExperimentName } from '../../suite/experiments/index.js';
import { sparsityDistributionPlot } from './sparsity-distribution.js';
import { accuracyVsSparsityPlot } from './accuracy-vs-sparsity.js';
import { seedVariancePlot } from './seed-variance.js';
import { saliencyPlot } from './saliency.js';
import { strangeModelsPlot } from './strange-models.js';
import { seedStudyPlot } from './seed-study.js';
import { pruningPlot } from './pruning.js';
import { strangeCausesPlot } from './strange-causes.js';
import { sweepPlot } from './sweep.js';

export type { Plot } from './plot.js';

/** The figure of every experiment of the suite: a key per ExperimentName, so a missing plot is a type error. */
export const plots: Readonly<Record<ExperimentName, Plot>> = {
  'sparsity-distribution': sparsityDistributionPlot,
  'accuracy-vs-sparsity': accuracyVsSparsityPlot,
  'seed-variance': seedVariancePlot,
  saliency: saliencyPlot,
  'strange-models': strangeModelsPlot,
  'seed-study': seedStudyPlot,
  pruning: pruningPlot,
  'strange-causes': strangeCausesPlot,
};

/** The table of docs/experiments.md: one row per experiment, in the report's order, from its plot. */
export function plotTable(): string[] {
  return [
    '| experiment | figure | reads |',
    '|---|---|---|',
    ...EXPERIMENT_NAMES.map(
      (name) => `| ${name} | ${plots[name].figure}: ${plots[name].shows} | ${plots[name].reads} |`,
    ),
  ];
}

/** The plot of the records' experiment; `where` (the file) names the input in errors. */
export function plotFor(records: readonly RunRecord[], where: string): Plot {
  const name = records[0].experiment;
  // a sweep file's runs (radixnet sweep) are the one experiment outside the registry's figure list
  const plot = name === 'sweep' ? sweepPlot : Object.hasOwn(plots, name) ? plots[name as ExperimentName] : undefined;
  if (!plot)
    throw new InputError(
      `${where}: no figure for experiment '${name}'; radixnet plots ${Object.keys(plots).join(', ')}`,
    );
  return plot;
}
