// The main job: train a RadiX-Net LeNet-300-100 on MNIST with the paper's protocol and report how it did; or any
// network on any dataset src/data/source.ts reads (a named one, or the user's files), with the same protocol.
import { mnistDataset, type Mnist } from '../data/mnist.js';
import { validationSplit, type Dataset } from '../data/dataset.js';
import { dataSpecOf, DEFAULT_TEST_FRACTION, isUserData, loadData, type TrainData } from '../data/source.js';
import { InputError } from '../errors.js';
import { DEFAULT_SEED } from '../random.js';
import { Engine } from '../engine/engine.js';
import { Mlp } from '../engine/mlp.js';
import type { RecordEpoch, TrainConfig } from '../records/run-record.js';
import { train, type EpochLogs } from '../engine/train.js';
import { Optimizer, type OptimizerSpec } from '../engine/optimizer.js';
import { checkKernelMemory, mlpBytes, MNIST_TRAIN_SAMPLES } from '../topology/cost.js';
import { radixNet } from '../topology/radixnet.js';
import { formatRadixList, parseRadixList } from '../topology/radix.js';
import type { SparseMask } from '../topology/mask.js';
import { confusionMatrix, recallPerClass } from '../analysis/per-class.js';
import {
  checkResumable,
  dataIdentity,
  readCheckpoint,
  runIdentity,
  writeCheckpoint,
  type Checkpoint,
  type CheckpointIdentity,
} from './checkpoint.js';

export type { TrainConfig } from '../records/run-record.js';

/** The paper's protocol (docs/training.md): LeNet-300-100, no bias, normal(0.05), Adam 1e-3, batch 100. */
export const PAPER_PRESET: TrainConfig = {
  radices: '10,10/10',
  layers: [784, 300, 100, 10],
  epochs: 3,
  batchSize: 100,
  optimizer: 'adam',
  lr: 1e-3,
  momentum: 0,
  seed: DEFAULT_SEED,
  bias: false,
  init: 'normal',
  validationSplit: 0.1,
};

export interface TrainResult {
  config: TrainConfig;
  topology: {
    radices: string;
    sparsity: number;
    kroneckerSparsity: number | null;
    weights: number;
    denseWeights: number;
  };
  history: TrainEpochLogs[];
  /**
   * Last epoch's running training metrics (Keras semantics), then validation and test on the final weights, and per
   * class on the test set: the confusion matrix (rows true class, columns predicted) and each class's recall.
   */
  final: {
    trainAccuracy: number;
    trainLoss: number;
    valAccuracy: number | null;
    valLoss: number | null;
    testAccuracy: number;
    testLoss: number;
    testRecall: number[];
    testConfusion: number[][];
  };
  timing: { loadSeconds: number; firstEpochSeconds: number; laterEpochSeconds: number | null; totalSeconds: number };
  threads: number;
  dataSource: string;
  /** With earlyStopping: the epoch whose weights were kept (lowest validation loss) and the last epoch trained. */
  earlyStopping?: { bestEpoch: number; stoppedEpoch: number; patience: number };
  /** The dataset trained on: its name, scaling, how its test set was made, and a note when there is one. */
  dataset?: {
    name: string;
    scale: string;
    testSplit: string;
    trainSamples: number;
    testSamples: number;
    features: number;
    classes: number;
    note?: string;
  };
}

/** An epoch's logs, with the per-class training recall when the run asked for it (`TrainHooks.perClassEpochs`). */
export type TrainEpochLogs = RecordEpoch;

/**
 * Training samples (the first of the training split) on which the per-epoch per-class recall is measured with the
 * epoch's final weights: enough for about 1000 per class, a few percent of an epoch's work.
 */
export const PER_CLASS_PROBE = 10000;

/** When `TrainHooks.inspect` sees the model: before the first step, after it, after every step of the first epoch, and after every epoch. */
export type InspectPoint =
  { at: 'init' } | { at: 'first-step' } | { at: 'step'; step: number } | { at: 'epoch-end'; epoch: number };

export interface TrainHooks {
  /** Measure each epoch's per-class recall on the first PER_CLASS_PROBE training samples (history[e].trainRecall). */
  perClassEpochs?: boolean;
  /**
   * Sees the model at its initial weights, after the first step (its gradients still readable) and after every
   * epoch, with the training rows, to record what decides a run (src/analysis/init-features.ts).
   */
  inspect?: (model: Mlp, point: InspectPoint, train: { x: Float32Array; y: ArrayLike<number> }) => void;
  onEpochBegin?: (epoch: number, epochs: number) => void;
  onBatchEnd?: (step: number, steps: number, running: { loss: number; accuracy: number }, batchSize: number) => void;
  onEpochEnd?: (logs: EpochLogs) => void;
  onLoaded?: (info: { source: string; seconds: number }) => void;
  /** Already-loaded MNIST (sweeps load it once for many runs); used when the config names plain MNIST. */
  mnist?: Mnist;
  /** Already-loaded data of the config's DataSpec (sweeps load each dataset once); overrides `mnist`. */
  data?: TrainData;
  /** Called with the trained model before its engine stops (to save or inspect its weights), and the data it trained on. */
  onTrained?: (model: Mlp, data: TrainData) => void | Promise<void>;
  /**
   * A running engine to train on (sweeps keep one per worker); the model is disposed after the run and the engine
   * stays open. Default: a new engine with `config.threads`, closed after the run.
   */
  engine?: Engine;
  /** Write a checkpoint (src/suite/checkpoint.ts) into this folder every `every` epochs and after the last one trained. */
  checkpoint?: { dir: string; every: number };
  /** Continue from the checkpoint in this folder: its run and data must be this one's. */
  resume?: string;
  /** Called after each checkpoint is written, with its path and epoch. */
  onCheckpoint?: (path: string, epoch: number) => void;
}

// Sweeps train many models on one loaded dataset: the shuffled split (two copies of the training samples) is made once
// per (data, fraction, subset) rather than once per run.
const splits = new WeakMap<object, Map<string, ReturnType<typeof validationSplit>>>();

/** The training set of loaded MNIST or of loaded data. */
function trainSetOf(source: Mnist | TrainData): Dataset {
  return 'images' in source.train ? mnistDataset(source.train) : source.train;
}

/** The paper's train/validation split of the training set (first `trainSamples` only when given), made once and cached. */
export function splitOf(
  source: Mnist | TrainData,
  fraction: number,
  trainSamples: number | undefined,
): ReturnType<typeof validationSplit> {
  let byKey = splits.get(source);
  if (!byKey) splits.set(source, (byKey = new Map()));
  const key = `${fraction}|${trainSamples ?? 'all'}`;
  let split = byKey.get(key);
  if (!split) {
    let train = trainSetOf(source);
    if (trainSamples !== undefined) {
      if (!Number.isInteger(trainSamples) || trainSamples < 1 || trainSamples > train.count) {
        throw new InputError(`trainSamples must be a whole number from 1 to ${train.count}, got ${trainSamples}`);
      }
      train = {
        ...train,
        x: train.x.subarray(0, trainSamples * train.features),
        y: train.y.subarray(0, trainSamples),
        count: trainSamples,
      };
    }
    split = validationSplit(train, fraction);
    byKey.set(key, split);
  }
  return split;
}

/** The engine optimizer of a config: Adam, or SGD with the config's momentum (0: plain SGD). */
export function optimizerSpec(config: Pick<TrainConfig, 'optimizer' | 'lr' | 'momentum'>): OptimizerSpec {
  return config.optimizer === 'adam'
    ? { name: 'adam', lr: config.lr }
    : { name: 'sgd', lr: config.lr, momentum: config.momentum };
}

/** Builds the masks of a config: a RadiX-Net, or all-dense when radices is `dense`. */
export function configMasks(config: Pick<TrainConfig, 'radices' | 'layers' | 'kron' | 'denseLayers'>): {
  masks: (SparseMask | null)[];
  radices: string;
  sparsity: number;
  kroneckerSparsity: number | null;
} {
  if (config.radices.trim().toLowerCase() === 'dense') {
    return { masks: config.layers.slice(1).map(() => null), radices: 'dense', sparsity: 0, kroneckerSparsity: null };
  }
  const list = parseRadixList(config.radices);
  const key = `${formatRadixList(list)}|${config.layers.join(',')}|${config.kron?.join(',') ?? ''}`;
  let topo = recentMasks.get(key);
  if (!topo) {
    const net = radixNet(list, config.layers, { kron: config.kron });
    topo = {
      masks: net.masks,
      radices: formatRadixList(list),
      sparsity: net.sparsity,
      kroneckerSparsity: net.kroneckerSparsity,
    };
    recentMasks.set(key, topo);
    if (recentMasks.size > 16) recentMasks.delete(recentMasks.keys().next().value!);
  }
  const dense = new Set(config.denseLayers ?? []);
  for (const l of dense) {
    if (!Number.isInteger(l) || l < 0 || l >= topo.masks.length) {
      throw new InputError(`denseLayers holds ${l}; give weight layer indices from 0 to ${topo.masks.length - 1}`);
    }
  }
  if (dense.size === 0) return topo;
  const masks = topo.masks.map((m, l) => (dense.has(l) ? null : m));
  const total = config.layers.slice(1).reduce((s, n, l) => s + n * config.layers[l], 0);
  const stored = masks.reduce((s, m, l) => s + (m ? m.nnz : config.layers[l] * config.layers[l + 1]), 0);
  return { masks, radices: topo.radices, sparsity: 1 - stored / total, kroneckerSparsity: topo.kroneckerSparsity };
}

// A sweep trains each topology several times (seeds, experiments): the last few topologies' masks are kept, so a run
// of a topology built before neither rebuilds its masks nor (src/engine/layer.ts keeps them per mask) its layers.
const recentMasks = new Map<string, ReturnType<typeof configMasks>>();

/** The test set of loaded MNIST or of loaded data. */
export function testSetOf(source: Mnist | TrainData): Dataset {
  return 'images' in source.test ? mnistDataset(source.test) : source.test;
}

function testSet(source: TrainData, testSamples: number | undefined): Dataset {
  const test = source.test;
  if (testSamples === undefined) return test;
  if (!Number.isInteger(testSamples) || testSamples < 1 || testSamples > test.count) {
    throw new InputError(`testSamples must be a whole number from 1 to ${test.count}, got ${testSamples}`);
  }
  return {
    ...test,
    x: test.x.subarray(0, testSamples * test.features),
    y: test.y.subarray(0, testSamples),
    count: testSamples,
  };
}

/**
 * The layer sizes of `config` on data of `features` inputs and `classes` classes: [features, ...hidden, classes] when
 * `hidden` is given, else `layers`, which must start and end with those sizes.
 */
export function resolveLayers(
  config: Pick<TrainConfig, 'layers' | 'hidden'>,
  features: number,
  classes: number,
  what: string,
): number[] {
  if (config.hidden !== undefined) return [features, ...config.hidden, classes];
  const layers = config.layers;
  if (layers[0] !== features || layers[layers.length - 1] !== classes) {
    throw new InputError(
      `--layers must start with ${features} (the inputs of ${what}) and end with ${classes} (its classes), got ${layers.join(',')}; ` +
        `give --layers ${[features, ...layers.slice(1, -1), classes].join(',')}, or only the hidden sizes (--hidden ${layers.slice(1, -1).join(',') || '300,100'})`,
    );
  }
  return layers;
}

/** Checks that the model of `config` and `samples` resident training rows fit in kernel memory. */
function checkFits(config: TrainConfig, samples: number): ReturnType<typeof configMasks> {
  const topo = configMasks(config);
  const stored = topo.masks.map((m, l) => (m ? m.nnz : config.layers[l] * config.layers[l + 1]));
  checkKernelMemory(
    `training ${topo.radices} on layers ${config.layers.join(',')} (batch ${config.batchSize}, ${samples} resident samples)`,
    mlpBytes(
      config.layers,
      stored,
      topo.masks.map(Boolean),
      Optimizer.slots(config.optimizer),
      config.batchSize,
      samples,
    ),
    'use sparser radices, smaller layers or a smaller batch',
  );
  return topo;
}

/** Loads the config's data (MNIST unless it names other data), trains on our wasm engine, evaluates on validation and test. */
export async function trainMnist(config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  const t0 = performance.now();
  const every = hooks.checkpoint?.every;
  if (every !== undefined && !(Number.isInteger(every) && every >= 1))
    throw new InputError(`--checkpoint-every must be a whole number of epochs >= 1, got ${every}`);
  // a missing or damaged checkpoint is refused before the data is read; whether it is this run's, once it is
  const resumed: Checkpoint | null = hooks.resume !== undefined ? readCheckpoint(hooks.resume) : null;
  // the named datasets' sizes are known: a model that cannot fit is refused before anything loads
  if (!hooks.data && !isUserData(config) && config.hidden === undefined) {
    resolveLayers(config, 784, config.classes ?? 10, config.dataset ?? 'MNIST, 28x28 pixels');
    checkFits(config, MNIST_TRAIN_SAMPLES);
  } else if (!hooks.data && config.hidden === undefined) {
    // the user's data: its size is not known yet, but a model that alone cannot fit is refused before reading it
    checkFits(config, 0);
  }
  // a CSV's size is known after a scan of its lines: a training that cannot hold its rows is refused before parsing
  // (the rows alone: the model is checked once the classes are known)
  const onShape = (rows: number, features: number): void => {
    const samples = Math.ceil(
      rows * (1 - (config.testFraction ?? DEFAULT_TEST_FRACTION)) * (1 - config.validationSplit),
    );
    checkKernelMemory(
      `training on up to ${samples} resident rows of ${features} features`,
      samples * features * 4,
      'train on a sample of the rows',
    );
  };
  const data = hooks.data ?? (await loadData(dataSpecOf(config), { mnist: hooks.mnist, onShape }));
  const loadSeconds = (performance.now() - t0) / 1000;
  hooks.onLoaded?.({ source: data.source, seconds: loadSeconds });
  const layers = resolveLayers(config, data.train.features, data.train.classes, `the data of ${data.source}`);
  if (layers !== config.layers) config = { ...config, layers };
  const split = splitOf(data, config.validationSplit, config.trainSamples);
  const topo = checkFits(config, split.train.count);
  const test = testSet(data, config.testSamples);

  const engine = hooks.engine ?? (await Engine.create({ threads: config.threads }));
  let model: Mlp | null = null;
  try {
    model = new Mlp(engine, {
      layers: config.layers,
      masks: topo.masks,
      bias: config.bias,
      init: config.init,
      seed: config.seed,
      batchSize: config.batchSize,
      optimizer: optimizerSpec(config),
    });
    let epochNo = 0;
    const rows = { x: split.train.x, y: split.train.y };
    const probeCount = Math.min(PER_CLASS_PROBE, split.train.count);
    const probe = {
      x: split.train.x.subarray(0, probeCount * split.train.features),
      y: split.train.y.subarray(0, probeCount),
    };
    if (config.nonNegativeLast) {
      const w = model.getWeights();
      const last = w[w.length - 1].kernel;
      for (let i = 0; i < last.length; i++) last[i] = Math.abs(last[i]);
      model.setWeights(w);
    }
    let identity: CheckpointIdentity | null = null;
    if (resumed || hooks.checkpoint) {
      identity = {
        run: runIdentity(config),
        data: dataIdentity(split.train, split.validation, split.train.features, model.classes),
      };
    }
    if (resumed) {
      checkResumable(resumed, hooks.resume!, identity!, config.epochs);
      model.restoreTrainingState(resumed.state);
    }
    hooks.inspect?.(model, { at: 'init' }, rows);
    const patience = config.earlyStopping;
    if (patience !== undefined && !(Number.isInteger(patience) && patience >= 1))
      throw new InputError(`--early-stopping must be a whole number of epochs >= 1, got ${patience}`);
    if (patience !== undefined && split.validation.count === 0) {
      throw new InputError(
        '--early-stopping watches the validation loss, but --validation-split is 0; give a validation split (the paper uses 0.1)',
      );
    }
    // early stopping keeps a copy of the best parameters (host memory, the size of the model)
    let best: { epoch: number; loss: number; params: Float32Array } | null = resumed?.best ?? null;
    const earlier: EpochLogs[] = resumed?.history ?? [];
    const history = train(model, split.train.x, split.train.y, {
      epochs: config.epochs,
      initialEpoch: resumed?.epoch ?? 0,
      batchSize: config.batchSize,
      validationData: split.validation.count > 0 ? { x: split.validation.x, y: split.validation.y } : undefined,
      seed: config.seed,
      // a sweep's engine (hooks.engine) keeps the rows resident from run to run
      keepResident: hooks.engine !== undefined,
      onEpochBegin: (epoch, epochs) => {
        epochNo = epoch;
        hooks.onEpochBegin?.(epoch, epochs);
      },
      // only when something watches the steps: without batch hooks the loop yields nothing per step
      onBatchEnd:
        hooks.inspect || hooks.onBatchEnd
          ? (step, steps, running) => {
              if (step === 1 && epochNo === 1) hooks.inspect?.(model!, { at: 'first-step' }, rows);
              // every step of the first epoch, for recorders that look a few steps in (they pick the steps they keep)
              if (epochNo === 1) hooks.inspect?.(model!, { at: 'step', step }, rows);
              hooks.onBatchEnd?.(step, steps, running, config.batchSize);
            }
          : undefined,
      onEpochEnd: (logs) => {
        if (hooks.perClassEpochs) {
          (logs as TrainEpochLogs).trainRecall = recallPerClass(
            confusionMatrix(probe.y, model!.predict(probe.x), model!.classes),
          );
        }
        hooks.inspect?.(model!, { at: 'epoch-end', epoch: logs.epoch }, rows);
        hooks.onEpochEnd?.(logs);
        let go = true;
        if (patience !== undefined) {
          if (best === null || logs.valLoss! < best.loss)
            best = { epoch: logs.epoch, loss: logs.valLoss!, params: model!.parameters().slice() };
          else if (logs.epoch - best.epoch >= patience) go = false;
        }
        earlier.push(logs);
        const ck = hooks.checkpoint;
        if (ck && (logs.epoch % ck.every === 0 || logs.epoch === config.epochs || !go)) {
          const path = writeCheckpoint(ck.dir, {
            identity: identity!,
            epoch: logs.epoch,
            history: earlier,
            state: model!.trainingState(),
            ...(best ? { best } : {}),
          });
          hooks.onCheckpoint?.(path, logs.epoch);
        }
        if (!go) return false;
      },
    });
    // the history of a resumed run includes the epochs before the checkpoint
    history.epochs = earlier;
    const kept = best as { epoch: number; loss: number; params: Float32Array } | null;
    if (kept && kept.epoch !== history.epochs.length) model.parameters().set(kept.params);
    // a sweep's engine keeps the test rows resident: loss, accuracy and the predictions in one pass
    const tested = hooks.engine
      ? model.evaluatePredict(model.keepResident(test.x, test.y))
      : { metrics: model.evaluate(test.x, test.y), probabilities: model.predict(test.x) };
    const testMetrics = tested.metrics;
    const testConfusion = confusionMatrix(test.y, tested.probabilities, model.classes);
    await hooks.onTrained?.(model, data);
    // the final metrics are those of the weights kept: the best epoch's under early stopping
    const last = history.epochs[(kept?.epoch ?? history.epochs.length) - 1];
    const later = history.epochs.slice(1);
    const denseWeights = config.layers.slice(1).reduce((s, n, l) => s + n * config.layers[l], 0);
    return {
      config,
      topology: {
        radices: topo.radices,
        sparsity: topo.sparsity,
        kroneckerSparsity: topo.kroneckerSparsity,
        weights: model.layers.reduce((s, l) => s + l.nnz, 0),
        denseWeights,
      },
      history: history.epochs,
      final: {
        trainAccuracy: last.accuracy,
        trainLoss: last.loss,
        valAccuracy: last.valAccuracy ?? null,
        valLoss: last.valLoss ?? null,
        testAccuracy: testMetrics.accuracy,
        testLoss: testMetrics.loss,
        testRecall: recallPerClass(testConfusion),
        testConfusion,
      },
      timing: {
        loadSeconds,
        firstEpochSeconds: history.epochs[0].seconds,
        laterEpochSeconds: later.length ? later.reduce((s, e) => s + e.seconds, 0) / later.length : null,
        totalSeconds: (performance.now() - t0) / 1000,
      },
      threads: engine.threads,
      dataSource: data.source,
      ...(kept && patience !== undefined
        ? { earlyStopping: { bestEpoch: kept.epoch, stoppedEpoch: history.epochs.length, patience } }
        : {}),
      dataset: {
        name: data.name,
        scale: data.scale,
        testSplit: data.testSplit,
        trainSamples: split.train.count,
        testSamples: test.count,
        features: data.train.features,
        classes: data.train.classes,
        ...(data.note ? { note: data.note } : {}),
      },
    };
  } finally {
    if (hooks.engine) model?.dispose();
    else engine.close();
  }
}
