// The experiments by name: the CLI, the runner's workers, `summarize`, the figures and the report find experiments
// here (one line each).
import { InputError } from '../../errors.js';
import type { Experiment } from '../experiment.js';
import { accuracyVsSparsity } from './accuracy-vs-sparsity.js';
import { pruning } from './pruning.js';
import { saliencyExperiment } from './saliency.js';
import { seedVariance } from './seed-variance.js';
import { sparsityDistribution } from './sparsity-distribution.js';
import { strangeModels } from './strange-models.js';
import { seedStudy } from './seed-study.js';
import { strangeCauses } from './strange-causes.js';
import { sweepExperiment } from './sweep.js';

// In the paper's figure order, which is the report's. An experiment's name is its key here, and ExperimentName (the
// keys) is what figures key their plots by, so an experiment without a plot does not compile.
const REGISTRY = {
  'sparsity-distribution': sparsityDistribution,
  'accuracy-vs-sparsity': accuracyVsSparsity,
  'seed-variance': seedVariance,
  saliency: saliencyExperiment,
  'strange-models': strangeModels,
  'seed-study': seedStudy,
  pruning: pruning,
  'strange-causes': strangeCauses,
} satisfies Record<string, Experiment>;

/** The name of an experiment of the suite. */
export type ExperimentName = keyof typeof REGISTRY;

/** The experiments' names in the paper's figure order (the report's order). */
export const EXPERIMENT_NAMES = Object.freeze(Object.keys(REGISTRY) as ExperimentName[]);

/** The experiments by name. */
export const experiments: Record<string, Experiment> = { ...REGISTRY };

/** Experiments run through their own command (`radixnet sweep FILE`), found by name but not listed as experiments. */
const others: Record<string, Experiment> = { [sweepExperiment.name]: sweepExperiment };

/** The experiment called `name`; an unknown name is an InputError listing the known ones. */
export function getExperiment(name: string): Experiment {
  const exp = Object.hasOwn(experiments, name)
    ? experiments[name]
    : Object.hasOwn(others, name)
      ? others[name]
      : undefined;
  if (!exp)
    throw new InputError(`unknown experiment '${name}'; the experiments are ${Object.keys(experiments).join(', ')}`);
  return exp;
}
