// The training loop: epochs of shuffled mini-batches, validation, per-epoch history, and a stop with a hint when
// the loss diverges.
import { InputError } from '../errors.js';
import { Rng } from '../random.js';
import type { Metrics, Mlp } from './mlp.js';
import type { ResidentData } from './resident.js';

export interface FitOptions {
  /** Passes over the training data (default 1). */
  epochs?: number;
  /** Samples per step (default: the model's batch capacity). The last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Fraction of the data, taken from its end before any shuffle (Keras semantics), held out for validation. */
  validationSplit?: number;
  /** Explicit validation data (overrides validationSplit). */
  validationData?: { x: Float32Array; y: ArrayLike<number> };
  /** Reshuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the batch order (default 100). */
  seed?: number;
  /** Called after every step with the running mean loss and accuracy of the epoch so far. */
  onBatchEnd?: (step: number, steps: number, running: Metrics) => void;
  /**
   * Keep the training and validation rows resident in the engine's memory after fit, and use copies kept by an earlier
   * fit of the same arrays (Mlp.keepResident): a sweep worker then copies and checks its data once, not once per run.
   */
  keepResident?: boolean;
  /** Called at the end of every epoch; return false to stop training. */
  onEpochEnd?: (logs: EpochLogs) => void | boolean;
}

export interface EpochLogs {
  /** 1-based. */
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Wall time of the epoch's training steps (s), validation excluded. */
  seconds: number;
  samplesPerSecond: number;
}

export interface History {
  epochs: EpochLogs[];
  trainSamples: number;
  validationSamples: number;
}

/** Trains `model` on x ([N, n_0] row-major) and y (N integer labels); returns the per-epoch history. */
export function fit(model: Mlp, x: Float32Array, y: ArrayLike<number>, opts: FitOptions = {}): History {
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) throw new InputError(`epochs must be an integer >= 1, got ${epochs}`);
  const batch = opts.batchSize ?? model.batchCapacity;
  if (!Number.isInteger(batch) || batch < 1) throw new InputError(`batch size must be an integer >= 1, got ${batch}`);
  const split = opts.validationSplit ?? 0;
  if (!(split >= 0 && split < 1)) throw new InputError(`validationSplit must be in [0, 1), got ${split}`);
  // kept data was checked when it was first made resident
  const count = opts.keepResident && opts.validationData ? x.length / model.inputs : model.checkData(x, y, 'fit');
  if (!Number.isInteger(count)) model.checkData(x, y, 'fit');
  const F = model.inputs;

  let trainCount = count;
  let val = opts.validationData;
  if (val) {
    if (!opts.keepResident) model.checkData(val.x, val.y, 'fit: validationData');
  } else if (split > 0) {
    trainCount = count - Math.floor(count * split);
    if (trainCount < 1 || trainCount === count) throw new InputError(`validationSplit ${split} of ${count} samples leaves no training or no validation samples`);
    val = { x: x.subarray(trainCount * F, count * F), y: sliceLabels(y, trainCount, count) };
  }
  // every buffer fit allocates is counted before the first is
  model.checkFitMemory(batch, trainCount);
  model.ensureCapacity(batch);

  const rng = new Rng(opts.seed ?? 100);
  const order = new Int32Array(trainCount);
  for (let i = 0; i < trainCount; i++) order[i] = i;
  const history: History = { epochs: [], trainSamples: trainCount, validationSamples: val ? val.y.length : 0 };

  // the training rows go into kernel memory once, so each step's gather is one multithreaded kernel
  // with their labels, so that single-threaded steps run fused (one wasm call each)
  const labels = trainCount === count ? y : sliceLabels(y, 0, trainCount);
  // only whole arrays are kept: a split made here is a new array every fit, which a later fit could never find
  const keep = (opts.keepResident ?? false) && trainCount === count;
  const data = keep ? model.keepResident(x, labels) : model.resident(x.subarray(0, trainCount * F), labels);
  const valData = val && keep ? model.keepResident(val.x, val.y) : null;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      if (opts.shuffle ?? true) rng.shuffle(order);
      // the resident labels themselves (a kept copy's may be another view of the same labels), so steps fuse
      const logs = trainEpoch(model, data, data.labels ?? labels, order, batch, epoch, opts.onBatchEnd);
      if (val) {
        const v = valData ? model.evaluate(valData, val.y) : model.evaluate(val.x, val.y);
        logs.valLoss = v.loss;
        logs.valAccuracy = v.accuracy;
      }
      history.epochs.push(logs);
      if (opts.onEpochEnd?.(logs) === false) break;
    }
  } finally {
    if (!keep) data.release();
  }
  return history;
}

/** One pass over `order` in steps of `batch`; stops with a hint when the loss stops being finite. */
function trainEpoch(
  model: Mlp, data: ResidentData, y: ArrayLike<number>, order: Int32Array, batch: number, epoch: number,
  onBatchEnd: FitOptions['onBatchEnd'],
): EpochLogs {
  const steps = Math.ceil(order.length / batch);
  let lossSum = 0;
  let correctSum = 0;
  let seen = 0;
  const t0 = performance.now();
  for (let step = 0; step < steps; step++) {
    const start = step * batch;
    const n = Math.min(batch, order.length - start);
    const m = model.trainStepOn(data, y, order, start, n);
    if (!Number.isFinite(m.loss)) {
      const lr = model.optimizer.spec.lr;
      throw new InputError(
        `loss became ${m.loss} at epoch ${epoch}, step ${step + 1} of ${steps}: training diverged; lower the learning rate (now ${lr}, try ${lr / 10})`,
      );
    }
    lossSum += m.loss * n;
    correctSum += m.accuracy * n;
    seen += n;
    onBatchEnd?.(step + 1, steps, { loss: lossSum / seen, accuracy: correctSum / seen });
  }
  const seconds = (performance.now() - t0) / 1000;
  return { epoch, loss: lossSum / seen, accuracy: correctSum / seen, seconds, samplesPerSecond: seen / seconds };
}

function sliceLabels(y: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  const out = new Int32Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = y[i];
  return out;
}
