// The experiments by name: the CLI, the runner's workers and `summarize` find experiments here (one line each).
import { InputError } from '../../errors.js';
import type { Experiment } from '../experiment.js';
import { accuracyVsSparsity } from './accuracy-vs-sparsity.js';
import { pruning } from './pruning.js';
import { saliencyExperiment } from './saliency.js';
import { seedVariance } from './seed-variance.js';
import { sparsityDistribution } from './sparsity-distribution.js';
import { strangeModels } from './strange-models.js';
import { seedStudy } from './seed-study.js';

export const experiments: Record<string, Experiment<any>> = {
  [sparsityDistribution.name]: sparsityDistribution,
  [accuracyVsSparsity.name]: accuracyVsSparsity,
  [seedVariance.name]: seedVariance,
  [strangeModels.name]: strangeModels,
  [seedStudy.name]: seedStudy,
  [pruning.name]: pruning,
  [saliencyExperiment.name]: saliencyExperiment,
};

/** The experiment called `name`; an unknown name is an InputError listing the known ones. */
export function getExperiment(name: string): Experiment<any> {
  const exp = Object.hasOwn(experiments, name) ? experiments[name] : undefined;
  if (!exp) throw new InputError(`unknown experiment '${name}'; the experiments are ${Object.keys(experiments).join(', ')}`);
  return exp;
}
