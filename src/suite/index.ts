// radixnet/suite: the RadiX-Net Testing Suite as a library: the paper's MNIST training, the experiments and their
// plans, running a plan over workers, results files (JSON lines) and their summaries and merges, and the backend
// comparison.
export {
  trainMnist,
  PAPER_PRESET,
  configMasks,
  type TrainConfig,
  type TrainResult,
  type TrainHooks as TrainMnistHooks,
} from './mnist-train.js';
export {
  RECORD_VERSION,
  type Experiment,
  type RunRecord,
  type RunSpec,
  type RunContext,
  type RunOutcome,
  type ParamSpec,
  type Summary,
  type Tags,
  type RecordTopology,
  type RecordFinal,
} from './experiment.js';
export { experiments, getExperiment, EXPERIMENT_NAMES, type ExperimentName } from './experiments/index.js';
export { plan, resolveParams, planId, type Plan, type PlannedRun } from './plan.js';
export { runPlan, defaultWorkers, type RunPlanOptions, type RunPlanResult, type ProgressEvent } from './runner.js';
export { readResults, checkRecord, type ResultsFile, type ReadResultsOptions } from './results-file.js';
export { summarizeRecords, summarizeFile } from './summarize.js';
export { mergeResults, type MergeReport } from './merge.js';
export { compare, COMPARE_BACKENDS, type CompareOptions, type CompareRow } from './compare.js';
export { runChallenge, CHALLENGE_INPUTS, type ChallengeOptions, type ChallengeRecord } from './challenge.js';
export { mergeChallenge, type ChallengeMerge } from './challenge-merge.js';
