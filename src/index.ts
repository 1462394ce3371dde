// radixnet's public API: what a user builds, trains and reads with. Everything else is in a subpath entry, one per
// layer (docs/api.md): radixnet/topology, radixnet/data, radixnet/engine, radixnet/tfjs, radixnet/suite,
// radixnet/analysis, radixnet/figures. test/exports.test.ts holds the exact list of every entry, values and types.
// tfjs stays in radixnet/tfjs so that engine users never load TensorFlow.js. Nothing inside src/ imports an entry.
export { radixNet, type RadixNet } from './topology/radixnet.js';
export { parseRadixList, formatRadixList, type RadixList } from './topology/radix.js';
export { SparseMask } from './topology/mask.js';
export { validPermutations } from './topology/enumerate.js';
export { Engine } from './engine/engine.js';
export { Mlp, type MlpSpec, type Metrics } from './engine/mlp.js';
export { train, type TrainOptions, type TrainHooks, type EpochLogs, type TrainHistory } from './engine/train.js';
export { loadMnist, mnistDataset, type Mnist } from './data/mnist.js';
export { validationSplit, type Dataset } from './data/dataset.js';
export { trainMnist, PAPER_PRESET, type TrainConfig, type TrainResult } from './suite/mnist-train.js';
export { InputError } from './errors.js';
export { Rng } from './random.js';
