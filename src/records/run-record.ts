// The results record: one line of a results file (JSON lines), one per run, with enough configuration to redo it.
// The format sits below the suite that writes it and the analyses and figures that read it, so that none of them
// depends on another for it. RECORD_VERSION changes when a field changes meaning.
import type { EpochLogs } from '../engine/train.js';
import type { InitName } from '../engine/mlp-spec.js';
import type { DataSpec } from '../data/source.js';

/**
 * A training configuration: the paper protocol's knobs (src/suite/mnist-train.ts runs it), as a record stores it,
 * and the data it trains on (DataSpec: MNIST when empty).
 */
export interface TrainConfig extends DataSpec {
  /** Radix list text (`10,10/10`) or JSON; `dense` for a dense model. */
  radices: string;
  /** Layer sizes n_0..n_L: n_0 must be the data's width and n_L its class count (see `hidden`). */
  layers: number[];
  /** Hidden sizes only: the layers become [width of the data, ...hidden, classes of the data] once it is loaded. */
  hidden?: number[];
  /** Kronecker widths (default ceil(n_l / N)). */
  kron?: number[];
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  /** SGD momentum (ignored by Adam). */
  momentum: number;
  seed: number;
  bias: boolean;
  init: InitName;
  validationSplit: number;
  /** Kernel threads (default: RADIXNET_THREADS or the cores available). */
  threads?: number;
  /** Train on the first N samples of the MNIST training set only (validation split taken from them); default all. */
  trainSamples?: number;
  /** Test on the first N samples of the MNIST test set only; default all 10000. */
  testSamples?: number;
  /** Weight layers (0-based) trained dense whatever the radices say, e.g. [2] for a dense last layer (default none). */
  denseLayers?: number[];
  /**
   * Start the last layer's weights at the absolute value of their initial draw (default false): a class whose few
   * feeding weights all start negative is usually never predicted (docs/strange-models.md), and this removes that start.
   */
  nonNegativeLast?: boolean;
  /**
   * Early stopping: stop when the validation loss has not improved for this many epochs, and restore the weights of
   * the epoch with the lowest validation loss (default: train every epoch).
   */
  earlyStopping?: number;
}

/** Version of the record format; bumped when a field changes meaning. */
export const RECORD_VERSION = 1;

/** Tags are the experiment's own coordinates of a run (bin, network, method, stage...), used to group records. */
export type Tags = Record<string, string | number | boolean | null>;

/** The topology a record was run on, both sparsities, and the parameter counts. */
export interface RecordTopology {
  radices: string;
  sparsity: number;
  kroneckerSparsity: number | null;
  /** Stored nonzero weights. */
  weights: number;
  /** Weights of the same layers dense. */
  denseWeights: number;
  /** Per weight layer: 1 - nnz / (n_l * n_{l+1}). */
  layerSparsity?: number[];
}

/**
 * Final metrics: the last epoch's running training metrics (Keras semantics), then validation and test, and per class
 * on the test set (absent in records written before they were kept).
 */
export interface RecordFinal {
  trainAccuracy: number;
  trainLoss: number;
  valAccuracy: number | null;
  valLoss: number | null;
  testAccuracy: number;
  testLoss: number;
  /** Recall of each class on the test set (src/analysis/per-class.ts). */
  testRecall?: number[];
  /** Test-set confusion matrix: [true class][predicted class] counts. */
  testConfusion?: number[][];
}

/** An epoch's logs, with the per-class training recall when the run asked for it (`TrainHooks.perClassEpochs`). */
export type RecordEpoch = EpochLogs & { trainRecall?: number[] };

/** One line of a results file. */
export interface RunRecord {
  v: number;
  experiment: string;
  planId: string;
  /** The experiment's resolved parameters (defaults, overrides, --quick), so a merged file can be summarized alone. */
  params: Record<string, unknown>;
  /** Position of the run in the full plan (shards keep the plan's indices). */
  index: number;
  key: string;
  tags: Tags;
  config: TrainConfig | null;
  topology: RecordTopology;
  /** Per epoch; `trainRecall` (per-class recall on training samples) where the experiment asks for it. */
  history: RecordEpoch[];
  final: RecordFinal | null;
  /** Experiment-specific data (saliency maps, pruning schedule, ...), plain JSON. */
  data?: Record<string, unknown>;
  /** Seconds the run took end to end on its worker (build, train, evaluate). */
  wallSeconds: number;
  threads: number;
  host: string;
}
