// The training loop, written once: epochs of shuffled mini-batches over data resident in kernel memory, the hold-out
// of validation samples, validation after each epoch, per-epoch history, and a stop with a hint when the loss
// diverges. `train` runs it with plain synchronous hooks; radixnet.fit (src/tfjs/fit.ts) runs the same loop and
// awaits tfjs' callbacks at its hook points. That is why the loop is a generator of hook events: one body, two
// drivers (a synchronous one here, an asynchronous one in tfjs), so both paths train the same batches for a seed.
import { InputError } from '../errors.js';
import { holdOut } from '../data/hold-out.js';
import { DEFAULT_SEED, Rng } from '../random.js';
import type { Metrics, Mlp } from './mlp.js';

export { DEFAULT_SEED };

export interface TrainOptions {
  /** Index of the last epoch, as Keras counts: the loop runs epochs initialEpoch+1 .. epochs (default 1). */
  epochs?: number;
  /** Epochs already done (default 0): a resumed run starts after them, with the batch order a full run has there. */
  initialEpoch?: number;
  /** Samples per step (default: the model's batch capacity). The last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Fraction of the data, taken from its end before any shuffle (Keras semantics), held out for validation. */
  validationSplit?: number;
  /** Explicit validation data (overrides validationSplit). */
  validationData?: { x: Float32Array; y: ArrayLike<number> };
  /** Reshuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the batch order (default DEFAULT_SEED). */
  seed?: number;
  /** One loss weight per class (Keras' classWeight); accuracy stays unweighted. */
  classWeights?: ArrayLike<number>;
  /**
   * Keep the training and validation rows resident in the engine's memory after training, and use copies kept by an
   * earlier run on the same arrays (Mlp.keepResident): a sweep worker then copies and checks its data once, not once
   * per run. Only whole arrays are kept (a validationSplit made here is a new array every run).
   */
  keepResident?: boolean;
  /** Prefix of error messages (radixnet.fit passes its name). */
  caller?: string;
}

/** The loop's hook points; `train` takes them as options, radixnet.fit maps tfjs' callbacks onto them. */
export interface TrainHooks {
  /** Before the first step of an epoch (1-based `epoch` of `epochs`). */
  onEpochBegin?: (epoch: number, epochs: number) => void;
  /** Before every step (1-based `step` of `steps`). */
  onBatchBegin?: (step: number, steps: number) => void;
  /**
   * After every step, with the running mean loss and accuracy of the epoch so far and the step's own metrics; return
   * false to stop training after this step (the epoch's logs then average the steps run, with no validation).
   */
  onBatchEnd?: (step: number, steps: number, running: Metrics, batch: BatchLogs) => void | boolean;
  /** At the end of every epoch, validation included; return false to stop training. */
  onEpochEnd?: (logs: EpochLogs) => void | boolean;
}

/** What one step did: its metrics and sample count. */
export interface BatchLogs extends Metrics {
  size: number;
}

export interface EpochLogs {
  /** 1-based. */
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Wall time of the epoch's training steps (s): hooks and validation excluded. */
  seconds: number;
  samplesPerSecond: number;
}

export interface TrainHistory {
  epochs: EpochLogs[];
  trainSamples: number;
  validationSamples: number;
}

/** One hook point of the loop, as `TrainingRun.events` yields it. */
export type TrainEvent =
  | { type: 'epochBegin'; epoch: number; epochs: number }
  | { type: 'batchBegin'; epoch: number; step: number; steps: number }
  | { type: 'batchEnd'; epoch: number; step: number; steps: number; running: Metrics; batch: BatchLogs }
  | { type: 'epochEnd'; logs: EpochLogs };

/** Trains `model` on x ([N, n_0] row-major) and y (N integer labels); returns the per-epoch history. */
export function train(
  model: Mlp,
  x: Float32Array,
  y: ArrayLike<number>,
  opts: TrainOptions & TrainHooks = {},
): TrainHistory {
  // without batch hooks the loop yields nothing per step (a sweep's sparse steps are tens of microseconds)
  const batchEvents = opts.onBatchBegin !== undefined || opts.onBatchEnd !== undefined;
  const events = new TrainingRun(model, x, y, opts).events(batchEvents);
  try {
    let next = events.next();
    while (!next.done) {
      const e = next.value;
      let go: void | boolean;
      if (e.type === 'epochBegin') go = opts.onEpochBegin?.(e.epoch, e.epochs);
      else if (e.type === 'batchBegin') go = opts.onBatchBegin?.(e.step, e.steps);
      else if (e.type === 'batchEnd') go = opts.onBatchEnd?.(e.step, e.steps, e.running, e.batch);
      else go = opts.onEpochEnd?.(e.logs);
      next = events.next(go);
    }
    return next.value;
  } finally {
    events.return(undefined as never);
  }
}

/**
 * One training run, checked: the constructor validates the options and data, holds out the validation samples and
 * checks kernel memory, allocating nothing; `events()` runs the loop, yielding at each hook point and taking `false`
 * back (at batchEnd and epochEnd) to stop. A driver that stops early calls the generator's `return()`, which releases
 * the resident data.
 */
export class TrainingRun {
  readonly epochs: number;
  readonly initialEpoch: number;
  readonly batchSize: number;
  readonly train: { x: Float32Array; y: ArrayLike<number> };
  readonly validation?: { x: Float32Array; y: ArrayLike<number> };
  private readonly shuffle: boolean;
  private readonly seed: number;
  private readonly classWeights?: ArrayLike<number>;
  private readonly caller: string;
  private readonly keepResident: boolean;

  /** The x the run was given (training rows are kept resident only when they are all of it). */
  private readonly source: Float32Array;

  constructor(
    readonly model: Mlp,
    x: Float32Array,
    y: ArrayLike<number>,
    opts: TrainOptions = {},
  ) {
    this.source = x;
    const caller = (this.caller = opts.caller ? `${opts.caller}: ` : '');
    const epochs = (this.epochs = opts.epochs ?? 1);
    if (!Number.isInteger(epochs) || epochs < 1)
      throw new InputError(`${caller}epochs must be an integer >= 1, got ${epochs}`);
    const initialEpoch = (this.initialEpoch = opts.initialEpoch ?? 0);
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0)
      throw new InputError(`${caller}initialEpoch must be an integer >= 0, got ${initialEpoch}`);
    const batch = (this.batchSize = opts.batchSize ?? model.batchCapacity);
    if (!Number.isInteger(batch) || batch < 1)
      throw new InputError(`${caller}batch size must be an integer >= 1, got ${batch}`);
    this.shuffle = opts.shuffle ?? true;
    this.seed = opts.seed ?? DEFAULT_SEED;
    // the seed is checked now, not at the first shuffle
    if (this.shuffle) new Rng(this.seed);
    this.classWeights = opts.classWeights;
    const what = opts.caller ?? 'train';
    this.keepResident = opts.keepResident ?? false;
    // kept data was checked when it was first made resident (Mlp.keepResident checks on first use)
    const kept = this.keepResident && opts.validationData !== undefined;
    if (!kept || !Number.isInteger(x.length / model.inputs)) model.checkData(x, y, what);
    if (opts.validationData) {
      if (!this.keepResident) model.checkData(opts.validationData.x, opts.validationData.y, `${what}: validationData`);
      this.train = { x, y };
      this.validation = opts.validationData;
    } else {
      const split = holdOut(x, y, model.inputs, opts.validationSplit ?? 0, caller);
      this.train = split.train;
      this.validation = split.validation;
    }
    const weights = this.classWeights;
    if (weights) {
      if (weights.length !== model.classes)
        throw new InputError(
          `${caller}classWeights has ${weights.length} weights but the model has ${model.classes} classes`,
        );
      const ty = this.train.y;
      for (let i = 0; i < ty.length; i++) {
        if (!(weights[ty[i]] >= 0))
          throw new InputError(
            `${caller}classWeight must contain all classes in the training data; class ${ty[i]} has none`,
          );
      }
    }
    // every buffer the loop allocates is counted before the first is
    model.checkFitMemory(batch, this.train.y.length);
  }

  get trainSamples(): number {
    return this.train.y.length;
  }

  get validationSamples(): number {
    return this.validation ? this.validation.y.length : 0;
  }

  /**
   * The loop. The one shuffle rule: one Rng(seed) reshuffles the training order in place at the start of every
   * epoch, so epoch e sees the same batches whether the run started at epoch 1 or resumed there (initialEpoch
   * replays the earlier epochs' shuffles, which costs no training). With `batchEvents` false the loop yields only
   * epochBegin and epochEnd: the same steps, none of the per-step events a driver without batch hooks would drop.
   */
  *events(batchEvents = true): Generator<TrainEvent, TrainHistory, void | boolean> {
    const { model, batchSize: batch, epochs } = this;
    const count = this.trainSamples;
    model.ensureCapacity(batch);
    const order = new Int32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    const rng = this.shuffle ? new Rng(this.seed) : null;
    for (let e = 0; e < this.initialEpoch; e++) rng?.shuffle(order);
    const history: TrainHistory = { epochs: [], trainSamples: count, validationSamples: this.validationSamples };
    const y = this.train.y;
    const steps = Math.ceil(count / batch);
    // the training rows go into kernel memory once, so each step's gather is one multithreaded kernel, with their
    // labels, so that single-threaded steps run fused (one wasm call each)
    const keep = this.keepResident && this.train.x === this.source;
    const data = keep ? model.keepResident(this.train.x, y) : model.resident(this.train.x, y);
    const valData = this.validation && keep ? model.keepResident(this.validation.x, this.validation.y) : null;
    // the resident labels themselves (a kept copy's may be another view of the same labels), so steps fuse
    const labels = data.labels ?? y;
    try {
      for (let epoch = this.initialEpoch + 1; epoch <= epochs; epoch++) {
        rng?.shuffle(order);
        yield { type: 'epochBegin', epoch, epochs };
        let lossSum = 0;
        let correctSum = 0;
        let seen = 0;
        let seconds = 0;
        let stopped = false;
        for (let step = 1; step <= steps; step++) {
          if (batchEvents) yield { type: 'batchBegin', epoch, step, steps };
          const start = (step - 1) * batch;
          const n = Math.min(batch, count - start);
          const t0 = performance.now();
          const m = model.trainStepOn(data, labels, order, start, n, this.classWeights);
          seconds += (performance.now() - t0) / 1000;
          if (!Number.isFinite(m.loss)) {
            const lr = model.optimizer.spec.lr;
            throw new InputError(
              `${this.caller}loss became ${m.loss} at epoch ${epoch}, step ${step} of ${steps}: training diverged; lower the learning rate (now ${lr}, try ${lr / 10})`,
            );
          }
          lossSum += m.loss * n;
          correctSum += m.accuracy * n;
          seen += n;
          if (!batchEvents) continue;
          const running = { loss: lossSum / seen, accuracy: correctSum / seen };
          if ((yield { type: 'batchEnd', epoch, step, steps, running, batch: { ...m, size: n } }) === false) {
            stopped = true;
            break;
          }
        }
        const logs: EpochLogs = {
          epoch,
          loss: lossSum / seen,
          accuracy: correctSum / seen,
          seconds,
          samplesPerSecond: seen / seconds,
        };
        // as Keras: validation after an epoch's last step only (also when training stops there)
        if (this.validation && seen === count) {
          const v = valData
            ? model.evaluate(valData, this.validation.y)
            : model.evaluate(this.validation.x, this.validation.y);
          logs.valLoss = v.loss;
          logs.valAccuracy = v.accuracy;
        }
        history.epochs.push(logs);
        if ((yield { type: 'epochEnd', logs }) === false || stopped) break;
      }
    } finally {
      if (!keep) data.release();
    }
    return history;
  }
}
