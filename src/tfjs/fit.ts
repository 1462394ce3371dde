// The fast path: train a tfjs model of radixDense (or Dense) layers on our fused engine instead of through tfjs ops.
// model.fit runs ~15 tfjs ops per layer per step, each allocating tensors, and updates dense [nIn, nOut] kernels;
// our engine runs one dispatch per phase over the nonzeros only, on all cores. fitFast copies the model's weights
// into an Mlp (src/engine/mlp.ts), trains it with src/engine/fit.ts, and writes the weights back, returning a
// history shaped like model.fit's.
//
// The Mlp (and its optimizer state: Adam's m, v and step) is kept per model between calls, like model.fit keeps the
// optimizer's: a second fitFast continues where the first stopped, unless the weights changed in between (setWeights,
// a tfjs model.fit), in which case they are copied in again and the optimizer starts over.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../errors.js';
import { Engine } from '../engine/engine.js';
import { fit } from '../engine/fit.js';
import { Mlp, type Metrics } from '../engine/mlp.js';
import type { OptimizerSpec } from '../engine/optimizer.js';
import type { SparseMask } from '../topology/mask.js';
import { RadixDense } from './layer.js';

export interface FitFastArgs {
  epochs?: number;
  batchSize?: number;
  /** Fraction of the data, from its end, held out (Keras semantics). */
  validationSplit?: number;
  /** [x, y] held out explicitly (overrides validationSplit). */
  validationData?: [tf.Tensor | Float32Array, tf.Tensor | ArrayLike<number>];
  /** Reshuffle every epoch (default true). Unlike model.fit, the order is seeded. */
  shuffle?: boolean;
  /** Seed of the batch order (default 100); epoch e uses seed + e. */
  seed?: number;
  /** Kernel threads (default: RADIXNET_THREADS or every core). */
  threads?: number;
  /** model.fit-style callbacks. onBatchEnd runs synchronously between steps (a promise it returns is not awaited). */
  callbacks?: FitFastCallbacks;
}

export interface FitFastCallbacks {
  onTrainBegin?: (logs?: tfl.Logs) => unknown;
  onTrainEnd?: (logs?: tfl.Logs) => unknown;
  onEpochBegin?: (epoch: number, logs?: tfl.Logs) => unknown;
  onEpochEnd?: (epoch: number, logs?: tfl.Logs) => unknown;
  onBatchEnd?: (batch: number, logs?: tfl.Logs) => unknown;
}

/** The fields of tfjs' History that model.fit callers read. */
export interface FitFastHistory {
  epoch: number[];
  history: Record<string, number[]>;
  params: { epochs: number; initialEpoch: number; samples: number; steps: null; batchSize: number; verbose: 0; doValidation: boolean; metrics: string[] };
  /** Wall time (s) of each epoch's training steps, validation excluded. */
  seconds: number[];
}

/** What fitFast runs: the engine model built from a tfjs model, and the tfjs weights it was last synced with. */
interface Twin {
  mlp: Mlp;
  engine: Engine;
  /** Structure and optimizer the Mlp was built for. */
  key: string;
  /** dataIds of the tfjs weight variables when the Mlp last matched them. */
  synced: object[];
}

const twins = new WeakMap<tfl.LayersModel, Twin>();
const engines = new Map<number | undefined, Promise<Engine>>();

function engineFor(threads: number | undefined): Promise<Engine> {
  let e = engines.get(threads);
  if (!e) engines.set(threads, (e = Engine.create({ threads })));
  return e;
}

/** A chain of dense-like layers our Mlp can run: ReLU hidden layers, softmax output, all biased or none. */
interface Plan {
  layers: tfl.layers.Layer[];
  sizes: number[];
  masks: (SparseMask | null)[];
  bias: boolean;
  labels: 'sparse' | 'onehot';
  optimizer: OptimizerSpec;
  metrics: string[];
}

/**
 * Trains `model` (compiled, a chain of radixDense or Dense layers: ReLU ... ReLU, softmax; sparse or one-hot
 * categorical cross-entropy; Adam, SGD or momentum) on x [N, n_0] and y (N labels, or [N, classes] one-hot) with our
 * engine, then writes the trained weights back into the model. Resolves to a history shaped like model.fit's.
 */
export async function fitFast(model: tfl.LayersModel, x: tf.Tensor | Float32Array, y: tf.Tensor | ArrayLike<number>, args: FitFastArgs = {}): Promise<FitFastHistory> {
  const plan = planOf(model);
  const twin = await twinOf(model, plan, args.threads);
  const { mlp } = twin;
  const data = toData(x, y, plan, 'x', 'y');
  const epochs = args.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) throw new InputError(`fitFast: epochs must be an integer >= 1, got ${epochs}`);
  const batchSize = args.batchSize ?? 32;
  const split = args.validationSplit ?? 0;
  if (!(split >= 0 && split < 1)) throw new InputError(`fitFast: validationSplit must be in [0, 1), got ${split}`);

  let train = data;
  let val: { x: Float32Array; y: Int32Array } | undefined;
  if (args.validationData) {
    val = toData(args.validationData[0], args.validationData[1], plan, 'validationData[0]', 'validationData[1]');
  } else if (split > 0) {
    // Keras semantics: the last fraction of the samples, before any shuffle
    const n = data.y.length;
    const nTrain = n - Math.floor(n * split);
    if (nTrain < 1 || nTrain === n) throw new InputError(`fitFast: validationSplit ${split} of ${n} samples leaves no training or no validation samples`);
    const F = plan.sizes[0];
    train = { x: data.x.subarray(0, nTrain * F), y: data.y.subarray(0, nTrain) };
    val = { x: data.x.subarray(nTrain * F), y: data.y.subarray(nTrain) };
  }

  const history: FitFastHistory = {
    epoch: [], history: {}, seconds: [],
    params: { epochs, initialEpoch: 0, samples: train.y.length, steps: null, batchSize, verbose: 0, doValidation: val !== undefined, metrics: [] },
  };
  const names = plan.metrics;
  history.params.metrics = [...names, ...(val ? names.map((n) => `val_${n}`) : [])];
  for (const key of history.params.metrics) history.history[key] = [];

  const cb = args.callbacks ?? {};
  model.stopTraining = false;
  await cb.onTrainBegin?.();
  try {
    for (let epoch = 0; epoch < epochs && !model.stopTraining; epoch++) {
      await cb.onEpochBegin?.(epoch);
      const h = fit(mlp, train.x, train.y, {
        epochs: 1, batchSize, shuffle: args.shuffle ?? true, seed: (args.seed ?? 100) + epoch,
        validationData: val,
        onBatchEnd: cb.onBatchEnd ? (step, _steps, running) => void cb.onBatchEnd!(step - 1, logsOf(names, running)) : undefined,
      });
      const e = h.epochs[0];
      const logs = logsOf(names, e);
      if (val) Object.assign(logs, prefixed(logsOf(names, { loss: e.valLoss!, accuracy: e.valAccuracy! })));
      history.epoch.push(epoch);
      history.seconds.push(e.seconds);
      for (const key of Object.keys(history.history)) history.history[key].push(logs[key]);
      // the model sees its new weights before onEpochEnd, as with model.fit (checkpoints, early stopping)
      writeBack(model, plan, twin);
      await cb.onEpochEnd?.(epoch, logs);
    }
  } finally {
    writeBack(model, plan, twin);
  }
  await cb.onTrainEnd?.();
  return history;
}

/** Loss and accuracy of `model` on x, y computed by our engine (weights copied in when they changed). */
export async function evaluateFast(model: tfl.LayersModel, x: tf.Tensor | Float32Array, y: tf.Tensor | ArrayLike<number>, opts: { batchSize?: number; threads?: number } = {}): Promise<Metrics> {
  const plan = planOf(model);
  const twin = await twinOf(model, plan, opts.threads);
  const data = toData(x, y, plan, 'x', 'y');
  twin.mlp.ensureCapacity(opts.batchSize ?? 1000);
  return twin.mlp.evaluate(data.x, data.y);
}

// --- the model as our engine sees it --------------------------------------------------------------------------

function planOf(model: tfl.LayersModel): Plan {
  if (!model || typeof (model as { compile?: unknown }).compile !== 'function') throw new InputError('fitFast: model must be a tfjs LayersModel (tf.sequential() or tf.model())');
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new InputError(`fitFast: the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; the fast path runs single-input, single-output chains (use model.fit)`);
  }
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  if (layers.length === 0) throw new InputError('fitFast: the model has no layers');
  const sizes: number[] = [];
  const masks: (SparseMask | null)[] = [];
  const biases: boolean[] = [];
  layers.forEach((layer, l) => {
    const cls = layer.getClassName();
    if (!(layer instanceof RadixDense) && cls !== 'Dense') {
      throw new InputError(`fitFast: layer ${l} "${layer.name}" is a ${cls}; the fast path runs chains of RadixDense and Dense layers (use model.fit for others)`);
    }
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (l > 0 && (layer.inboundNodes.length !== 1 || inbound.length !== 1 || inbound[0] !== layers[l - 1])) {
      throw new InputError(`fitFast: layer ${l} "${layer.name}" does not take exactly the previous layer's output; the fast path runs plain chains (use model.fit)`);
    }
    const config = layer.getConfig();
    const act = String(config.activation);
    const want = l < layers.length - 1 ? 'relu' : 'softmax';
    if (act !== want) {
      throw new InputError(`fitFast: layer ${l} "${layer.name}" has activation ${act}; the fast path runs ReLU hidden layers and a softmax output (use model.fit)`);
    }
    const kernel = layer.getWeights()[0];
    if (!kernel || kernel.rank !== 2) throw new InputError(`fitFast: layer ${l} "${layer.name}" is not built (call model.predict or build the model first)`);
    const [nIn, nOut] = kernel.shape as [number, number];
    if (l === 0) sizes.push(nIn);
    else if (nIn !== sizes[l]) throw new InputError(`fitFast: layer ${l} "${layer.name}" takes ${nIn} inputs but layer ${l - 1} gives ${sizes[l]}`);
    sizes.push(nOut);
    masks.push(layer instanceof RadixDense ? layer.mask.sparse : null);
    biases.push(Boolean(config.useBias));
  });
  if (biases.some((b) => b !== biases[0])) {
    throw new InputError(`fitFast: some layers have a bias and some not (${biases.join(', ')}); the fast path needs all or none (use model.fit)`);
  }
  return { layers, sizes, masks, bias: biases[0], labels: labelsOf(model), optimizer: optimizerOf(model), metrics: metricsOf(model) };
}

function labelsOf(model: tfl.LayersModel): 'sparse' | 'onehot' {
  const loss = model.loss;
  if (loss === undefined) throw new InputError('fitFast: compile the model first (as model.fit needs), e.g. model.compile({optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"]})');
  const name = Array.isArray(loss) && loss.length === 1 ? loss[0] : loss;
  if (name === 'sparseCategoricalCrossentropy') return 'sparse';
  if (name === 'categoricalCrossentropy') return 'onehot';
  throw new InputError(`fitFast: the model's loss is ${typeof name === 'string' ? name : 'a custom function'}; the fast path trains sparseCategoricalCrossentropy or categoricalCrossentropy (use model.fit)`);
}

function optimizerOf(model: tfl.LayersModel): OptimizerSpec {
  const opt = model.optimizer;
  const name = opt.getClassName();
  const c = opt.getConfig() as Record<string, number | boolean>;
  if (name === 'Adam') return { name: 'adam', lr: c.learningRate as number, beta1: c.beta1 as number, beta2: c.beta2 as number, epsilon: c.epsilon as number };
  if (name === 'SGD') return { name: 'sgd', lr: c.learningRate as number };
  // tfjs momentum: a = m a + g; w -= lr a. Keras (our kernel): v = m v - lr g; w += v. The same steps for a fixed lr.
  if (name === 'Momentum' && !c.useNesterov) return { name: 'sgd', lr: c.learningRate as number, momentum: c.momentum as number };
  throw new InputError(`fitFast: the optimizer is ${name}${c.useNesterov ? ' with Nesterov' : ''}; the fast path runs Adam, SGD and (non-Nesterov) momentum (use model.fit)`);
}

function metricsOf(model: tfl.LayersModel): string[] {
  const names = model.metricsNames;
  for (const n of names) {
    if (n !== 'loss' && n !== 'acc' && n !== 'accuracy') {
      throw new InputError(`fitFast: the model reports metric "${n}"; the fast path computes loss and accuracy only (compile with metrics: ['accuracy'], or use model.fit)`);
    }
  }
  return names;
}

/** The Mlp twin of `model`, reused while it matches the model's structure, optimizer and current weights. */
async function twinOf(model: tfl.LayersModel, plan: Plan, threads: number | undefined): Promise<Twin> {
  const engine = await engineFor(threads);
  const key = JSON.stringify({ sizes: plan.sizes, bias: plan.bias, masks: plan.masks.map((m) => m?.hash() ?? 'dense'), optimizer: plan.optimizer });
  const ids = weightIds(plan);
  const old = twins.get(model);
  if (old && old.engine === engine && old.key === key && ids.length === old.synced.length && ids.every((id, k) => id === old.synced[k])) return old;
  // new, or the weights changed outside the fast path (setWeights, model.fit): copy them in, the optimizer starts over
  old?.mlp.dispose();
  const mlp = new Mlp(engine, { layers: plan.sizes, masks: plan.masks, bias: plan.bias, optimizer: plan.optimizer, batchSize: 100 });
  mlp.setWeights(plan.layers.map((layer) => {
    const [kernel, bias] = layer.getWeights();
    return { kernel: kernel.dataSync() as Float32Array, ...(bias ? { bias: bias.dataSync() as Float32Array } : {}) };
  }));
  const twin: Twin = { mlp, engine, key, synced: ids };
  twins.set(model, twin);
  return twin;
}

/** The identities of the model's weight tensors: tfjs gives a variable a new dataId whenever it is assigned. */
function weightIds(plan: Plan): object[] {
  return plan.layers.flatMap((layer) => layer.weights.map((w) => w.read().dataId));
}

function writeBack(model: tfl.LayersModel, plan: Plan, twin: Twin): void {
  const weights = twin.mlp.getWeights();
  tf.tidy(() => {
    plan.layers.forEach((layer, l) => {
      const { kernel, bias } = weights[l];
      const values: tf.Tensor[] = [tf.tensor2d(kernel, [plan.sizes[l], plan.sizes[l + 1]])];
      if (bias) values.push(tf.tensor1d(bias));
      layer.setWeights(values);
    });
  });
  twin.synced = weightIds(plan);
}

// --- data ---------------------------------------------------------------------------------------------------

function toData(x: tf.Tensor | Float32Array, y: tf.Tensor | ArrayLike<number>, plan: Plan, xName: string, yName: string): { x: Float32Array; y: Int32Array } {
  const F = plan.sizes[0];
  const C = plan.sizes[plan.sizes.length - 1];
  let xs: Float32Array;
  if (x instanceof tf.Tensor) {
    if (x.dtype !== 'float32') throw new InputError(`fitFast: ${xName} has dtype ${x.dtype}; it must be float32 (tf.cast(${xName}, 'float32'))`);
    if (x.rank !== 2 || x.shape[1] !== F) throw new InputError(`fitFast: ${xName} has shape [${x.shape.join(', ')}] but the model takes [N, ${F}]`);
    xs = x.dataSync() as Float32Array;
  } else if (x instanceof Float32Array) {
    xs = x;
  } else {
    throw new InputError(`fitFast: ${xName} must be a tf.Tensor or a Float32Array [N * ${F}]`);
  }
  if (xs.length % F !== 0) throw new InputError(`fitFast: ${xName} has ${xs.length} values, not a multiple of the model's ${F} inputs`);
  const n = xs.length / F;
  let labels: Int32Array;
  if (y instanceof tf.Tensor) {
    const onehot = plan.labels === 'onehot';
    const ok = onehot ? y.rank === 2 && y.shape[1] === C : y.rank === 1 || (y.rank === 2 && y.shape[1] === 1);
    if (!ok) {
      throw new InputError(`fitFast: ${yName} has shape [${y.shape.join(', ')}]; with ${onehot ? 'categoricalCrossentropy it must be one-hot [N, ' + C + ']' : 'sparseCategoricalCrossentropy it must be labels [N] or [N, 1]'}`);
    }
    labels = onehot ? fromOneHot(y.dataSync(), C, yName) : Int32Array.from(y.dataSync());
  } else {
    if (plan.labels === 'onehot') throw new InputError(`fitFast: with categoricalCrossentropy ${yName} must be a one-hot tensor [N, ${C}]`);
    labels = Int32Array.from(y);
  }
  if (labels.length !== n) throw new InputError(`fitFast: ${xName} has ${n} samples but ${yName} has ${labels.length}`);
  return { x: xs, y: labels };
}

function fromOneHot(values: ArrayLike<number>, C: number, what: string): Int32Array {
  const n = values.length / C;
  const out = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    let hot = -1;
    for (let c = 0; c < C; c++) {
      const v = values[b * C + c];
      if (v === 1 && hot < 0) hot = c;
      else if (v !== 0) throw new InputError(`fitFast: ${what} row ${b} is not one-hot (value ${v} at column ${c}); soft labels need model.fit`);
    }
    if (hot < 0) throw new InputError(`fitFast: ${what} row ${b} has no 1; every row must be one-hot`);
    out[b] = hot;
  }
  return out;
}

function logsOf(names: string[], m: Metrics): Record<string, number> {
  const logs: Record<string, number> = {};
  for (const n of names) logs[n] = n === 'loss' ? m.loss : m.accuracy;
  return logs;
}

function prefixed(logs: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(logs).map(([k, v]) => [`val_${k}`, v]));
}
