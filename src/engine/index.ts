// radixnet/engine: the engine's public API. The root entry has what most users need (Engine, Mlp, train); this
// entry adds the pieces for driving the loop yourself (TrainingRun), the optimizers' defaults, and the sparse matmul
// (Spmm) the tfjs op is built on.
export { Engine } from './engine.js';
export {
  Mlp,
  type MlpSpec,
  type MlpConfig,
  type Metrics,
  type InitName,
  type StepProfile,
  type TrainingState,
} from './mlp.js';
export {
  train,
  TrainingRun,
  DEFAULT_SEED,
  type TrainOptions,
  type TrainHooks,
  type TrainEvent,
  type BatchLogs,
  type EpochLogs,
  type TrainHistory,
} from './train.js';
export { resolveOptimizer, type OptimizerSpec, type OptimizerName } from './optimizer.js';
export { Spmm, type SpmmWeights, type SpmmProfile } from './spmm.js';
export { resolveThreads, type PoolOptions } from '../kernels/pool.js';
export { kernelVariant, type KernelVariant } from '../kernels/wasm.js';
// Sparse DNN Graph Challenge inference on the kernels, from any layer source and inputs (docs/graph-challenge.md)
export {
  challengeInfer,
  challengeMemory,
  challengeBatch,
  type LayerSource,
  type ChallengeInferOptions,
  type ChallengeInference,
} from './challenge.js';
