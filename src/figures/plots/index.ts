// The figure of each experiment, by the experiment's name (the `experiment` field of its records).
import { InputError } from '../../errors.js';
import type { RunRecord } from '../../records/run-record.js';
import type { Plot } from './plot.js';
import { sparsityDistributionPlot } from './sparsity-distribution.js';
import { accuracyVsSparsityPlot } from './accuracy-vs-sparsity.js';
import { seedVariancePlot } from './seed-variance.js';
import { saliencyPlot } from './saliency.js';
import { strangeModelsPlot } from './strange-models.js';
import { seedStudyPlot } from './seed-study.js';
import { pruningPlot } from './pruning.js';

export type { Plot } from './plot.js';

export const plots: Record<string, Plot> = Object.fromEntries([
  sparsityDistributionPlot, accuracyVsSparsityPlot, seedVariancePlot, saliencyPlot, strangeModelsPlot, seedStudyPlot, pruningPlot,
].map((p) => [p.experiment, p]));

/** The plot of the records' experiment; `where` (the file) names the input in errors. */
export function plotFor(records: readonly RunRecord[], where: string): Plot {
  const name = records[0].experiment;
  const plot = Object.hasOwn(plots, name) ? plots[name] : undefined;
  if (!plot) throw new InputError(`${where}: no figure for experiment '${name}'; radixnet plots ${Object.keys(plots).join(', ')}`);
  return plot;
}
