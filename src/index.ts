// radixnet's public API. Layers, from the bottom (docs/architecture.md, enforced by test/layering.test.ts):
// topology, data -> kernels -> engine -> tfjs -> suite, analysis -> figures -> cli; errors and random are neutral.
// tfjs integration lives in 'radixnet/tfjs' so that users of the engine never load TensorFlow.js.
export * from './topology/index.js';
export { InputError } from './errors.js';
export { Engine } from './engine/engine.js';
export { Mlp, type MlpSpec, type MlpConfig, type Metrics, type InitName, type StepProfile } from './engine/mlp.js';
export { train, TrainingRun, DEFAULT_SEED, type TrainOptions, type TrainHooks, type TrainEvent, type BatchLogs, type EpochLogs, type TrainHistory } from './engine/train.js';
export { type OptimizerSpec, type OptimizerName, resolveOptimizer } from './engine/optimizer.js';
export { type PoolOptions, resolveThreads } from './kernels/pool.js';
export { kernelVariant } from './kernels/wasm.js';
export { KernelMemory, Arena, type Allocator } from './kernels/memory.js';
export { Spmm, type SpmmWeights, type SpmmProfile } from './engine/spmm.js';
export { Rng } from './random.js';
export { loadMnist, mnistDataset, mnistCacheDir, type Mnist, type MnistSplit, type LoadMnistOptions } from './data/mnist.js';
export { type Dataset, validationSplit } from './data/dataset.js';
export { trainMnist, PAPER_PRESET, configMasks, type TrainConfig, type TrainResult } from './suite/mnist-train.js';
export {
  magnitudePrune, keepCount, PolynomialDecay, type PolynomialDecayOptions, MagnitudePruner, prunedModel, maskSparsity,
} from './analysis/pruning.js';
export { saliency, saliencyStats, type SaliencyMap, type SaliencyStats, type SaliencyRing } from './analysis/saliency.js';
export * from './suite/experiment.js';
export { plan, resolveParams, planId, canonicalJson, type Plan, type PlannedRun } from './suite/plan.js';
export { runPlan, defaultWorkers, type RunPlanOptions, type RunPlanResult, type ProgressEvent } from './suite/runner.js';
export { readResults, ResultsWriter, checkRecord, type ResultsFile, type ReadResultsOptions } from './suite/results-file.js';
export { experiments, getExperiment } from './suite/experiments/index.js';
export { summarizeRecords, summarizeFile } from './suite/summarize.js';
export { mergeResults, type MergeReport } from './suite/merge.js';
export { parseShard, resolveShard, inShard, type Shard } from './suite/shard.js';
export { heatmapFigure, type HeatmapFigure, type HeatmapOptions } from './figures/heatmap.js';
export { graphFigure, graphEdges, type GraphFigure } from './figures/graph.js';
export { renderSvg, renderPng, writeFigure, type WrittenFigure } from './figures/render.js';
export { plots, plotFor, type Plot } from './figures/plots/index.js';
export { buildReport, resultsFiles, type Report, type ReportOptions } from './figures/report.js';
