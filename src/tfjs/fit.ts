// radixnet.fit: a drop-in for model.fit that trains a tfjs model of radixDense (or Dense) layers on our fused engine
// instead of through tfjs ops. model.fit runs ~15 tfjs ops per layer per step, each allocating tensors, and updates
// dense [nIn, nOut] kernels; our engine runs one dispatch per phase over the nonzeros only, on all cores. fit copies
// the model's weights into an Mlp (src/engine/mlp.ts), runs the steps there, and writes the weights back.
//
// What makes it a drop-in: it takes tf.ModelFitArgs and drives tfjs' own callback machinery (tfjs-layers'
// CallbackList, CustomCallback and History, exported by the package), in model.fit's order: setModel, setParams,
// onTrainBegin, then per epoch onEpochBegin, per batch onBatchBegin/onBatchEnd with {batch, size, loss, acc}, the
// validation logs, onEpochEnd, and model.stopTraining checked after every batch and epoch; it returns a tf.History.
// Options the engine cannot honour (sampleWeight, stepsPerEpoch) are an InputError, never silently ignored.
//
// The Mlp (and its optimizer state: Adam's m, v and step) is kept per model between calls, like model.fit keeps the
// optimizer's: a second fit continues where the first stopped, unless the weights changed in between (setWeights,
// a tfjs model.fit, a callback), in which case they are copied in again (the optimizer starts over only when the
// change happened outside a fit).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../errors.js';
import { Engine } from '../engine/engine.js';
import { Mlp, type Metrics } from '../engine/mlp.js';
import type { OptimizerSpec } from '../engine/optimizer.js';
import { TrainingRun } from '../engine/train.js';
import type { SparseMask } from '../topology/mask.js';
import { RadixDense } from './layer.js';
import { checkOneTfjsCopy } from './peer.js';

/** What radixnet.fit adds to tf.ModelFitArgs. */
export interface RadixFitOptions {
  /** Seed of the batch order (default DEFAULT_SEED, 100): the engine's one shuffle rule, so `train` with the same seed
   * trains the same batches. model.fit's order is not seeded. */
  seed?: number;
  /** Kernel threads (default: RADIXNET_THREADS or every core). */
  threads?: number;
}

/** tf.ModelFitArgs, plus radixnet's seed and threads. */
export type RadixFitArgs = tfl.ModelFitArgs & RadixFitOptions;

/** The tf.History model.fit returns, plus the wall time (s) of each epoch's training steps (validation excluded). */
export type RadixHistory = tfl.History & { seconds: number[] };

const SUPPORTED = new Set([
  'batchSize',
  'epochs',
  'verbose',
  'callbacks',
  'validationSplit',
  'validationData',
  'shuffle',
  'classWeight',
  'initialEpoch',
  'yieldEvery',
  'seed',
  'threads',
]);
const UNSUPPORTED: Record<string, string> = {
  sampleWeight: 'per-sample loss weights (the fused loss kernel weighs every sample alike)',
  stepsPerEpoch: 'step-wise training (model.fit itself does not implement it for tensors)',
  validationSteps: 'step-wise validation (it needs stepsPerEpoch)',
};

type Callback = InstanceType<typeof tfl.CallbackList>['callbacks'][number];

/** What fit runs: the engine model built from a tfjs model, and the tfjs weights it was last synced with. */
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
 * A drop-in for `model.fit(x, y, args)`: trains `model` (compiled; a chain of radixDense or Dense layers: ReLU ...
 * ReLU, softmax; sparse or one-hot categorical cross-entropy; Adam, SGD or momentum) on x [N, n_0] and y (N labels,
 * or [N, classes] one-hot) with our engine, running `args.callbacks` the way model.fit does, and writes the trained
 * weights back into the model. Resolves to the tf.History model.fit would return (also set as `model.history`).
 */
export async function fit(
  model: tfl.LayersModel,
  x: tf.Tensor | tf.Tensor[] | Float32Array,
  y: tf.Tensor | tf.Tensor[] | ArrayLike<number>,
  args: RadixFitArgs = {},
): Promise<RadixHistory> {
  checkOneTfjsCopy();
  checkArgs(args);
  const plan = planOf(model);
  const twin = await twinOf(model, plan, args.threads);
  const { mlp } = twin;
  const data = toData(single(x, 'x'), single(y, 'y'), plan, 'x', 'y');
  const epochs = args.epochs ?? 1;
  const initialEpoch = args.initialEpoch ?? 0;
  const batchSize = args.batchSize ?? 32;
  const verbose = args.verbose ?? 1;
  if (verbose !== 0 && verbose !== 1 && verbose !== 2)
    throw new InputError(`radixnet.fit: verbose must be 0, 1 or 2, got ${String(verbose)}`);
  const validationData = validationDataOf(args, plan);
  // the engine's loop checks the rest of the arguments and holds out validationSplit, before anything is allocated
  const run = new TrainingRun(mlp, data.x, data.y, {
    epochs,
    initialEpoch,
    batchSize,
    validationData,
    validationSplit: args.validationSplit,
    shuffle: args.shuffle,
    seed: args.seed,
    caller: 'radixnet.fit',
    classWeights: classWeightsOf(args.classWeight, model, plan.sizes[plan.sizes.length - 1]),
  });
  const names = plan.metrics;
  const val = run.validation !== undefined;
  const callbackMetrics = val ? [...names, ...names.map((n) => `val_${n}`)] : [...names];
  const history = new tfl.History() as RadixHistory;
  history.seconds = [];
  const list = new tfl.CallbackList([
    ...standardizeCallbacks(args.callbacks, args.yieldEvery),
    ...(verbose > 0 ? [epochPrinter(epochs)] : []),
    history,
  ]);
  list.setModel(model);
  list.setParams({
    epochs,
    initialEpoch,
    samples: run.trainSamples,
    steps: null as unknown as number,
    batchSize,
    verbose,
    doValidation: val,
    metrics: callbackMetrics,
  });
  // callbacks that read the model in the middle of an epoch see the weights of that step, as with model.fit
  const batchHooks = list.callbacks.some(hasBatchHooks);
  const training = model as unknown as { isTraining: boolean; history: tfl.History };
  if (training.isTraining)
    throw new InputError(
      'radixnet.fit: the model is already training (a model.fit or radixnet.fit that has not finished)',
    );
  training.isTraining = true;
  training.history = history;
  const events = run.events();
  try {
    await list.onTrainBegin();
    model.stopTraining = false;
    // the engine's loop, its hook points mapped onto model.fit's callbacks (tfjs counts epochs and batches from 0);
    // after each callback the Mlp takes any weights the callback assigned
    let next = events.next();
    while (!next.done) {
      const e = next.value;
      let go = true;
      if (e.type === 'epochBegin') await list.onEpochBegin(e.epoch - 1);
      else if (e.type === 'batchBegin') await list.onBatchBegin(e.step - 1, {});
      else if (e.type === 'batchEnd') {
        if (batchHooks) writeBack(model, plan, twin);
        await list.onBatchEnd(e.step - 1, { batch: e.step - 1, size: e.batch.size, ...logsOf(names, e.batch) });
        go = !model.stopTraining;
      } else {
        const logs = logsOf(names, e.logs);
        if (e.logs.valLoss !== undefined)
          Object.assign(
            logs,
            prefixed(logsOf(names, { loss: e.logs.valLoss, accuracy: e.logs.valAccuracy as number })),
          );
        history.seconds.push(e.logs.seconds);
        // the model sees its new weights before onEpochEnd, as with model.fit (checkpoints, early stopping)
        writeBack(model, plan, twin);
        await list.onEpochEnd(e.logs.epoch - 1, logs);
        go = !model.stopTraining;
      }
      reloadIfChanged(plan, twin);
      next = events.next(go);
    }
    await list.onTrainEnd();
    await history.syncData();
    return history;
  } finally {
    events.return(undefined as never);
    training.isTraining = false;
    writeBack(model, plan, twin);
  }
}

function checkArgs(args: RadixFitArgs): void {
  if (args === null || typeof args !== 'object')
    throw new InputError(`radixnet.fit: args must be an object (tf.ModelFitArgs), got ${String(args)}`);
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || SUPPORTED.has(key)) continue;
    if (key in UNSUPPORTED)
      throw new InputError(`radixnet.fit does not support ${key}: ${UNSUPPORTED[key]}; use model.fit for it`);
    throw new InputError(
      `radixnet.fit: unknown option "${key}"; it takes tf.ModelFitArgs (${[...SUPPORTED].filter((k) => k !== 'seed' && k !== 'threads').join(', ')}) plus seed and threads`,
    );
  }
}

/**
 * tf.ModelFitArgs' classWeight as one weight per class (NaN for a class without one: the loop refuses training labels
 * of such a class), or undefined without one. Like tfjs, a single-output model takes {class: weight}, [{...}] or
 * {outputName: {...}}.
 */
function classWeightsOf(
  cw: tfl.ModelFitArgs['classWeight'],
  model: tfl.LayersModel,
  classes: number,
): Float32Array | undefined {
  if (cw === undefined || cw === null) return undefined;
  const output = model.outputNames[0];
  let map: unknown = Array.isArray(cw) ? (cw.length === 1 ? cw[0] : undefined) : cw;
  if (map && typeof map === 'object' && output in map && typeof (map as Record<string, unknown>)[output] === 'object')
    map = (map as Record<string, unknown>)[output];
  if (!map || typeof map !== 'object')
    throw new InputError(
      `radixnet.fit: classWeight must be {class: weight} (or [that], or {${output}: that}) for this single-output model, got ${JSON.stringify(cw)}`,
    );
  const weights = new Float32Array(classes).fill(NaN);
  for (const [k, w] of Object.entries(map as Record<string, unknown>)) {
    const c = Number(k);
    if (!Number.isInteger(c) || c < 0 || c >= classes)
      throw new InputError(
        `radixnet.fit: classWeight names class ${JSON.stringify(k)}; the model has classes 0 to ${classes - 1}`,
      );
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw new InputError(
        `radixnet.fit: classWeight of class ${c} is ${JSON.stringify(w)}; weights must be finite numbers >= 0`,
      );
    weights[c] = w;
  }
  return weights;
}

function single<T>(v: T | T[], what: string): T {
  if (!Array.isArray(v) || !(v.length === 0 || v[0] instanceof tf.Tensor)) return v as T;
  if (v.length !== 1)
    throw new InputError(
      `radixnet.fit: ${what} is an array of ${v.length} tensors; the fast path trains single-input, single-output models (use model.fit)`,
    );
  return v[0];
}

/** Keras semantics: validationData wins over validationSplit (which the loop holds out). */
function validationDataOf(args: RadixFitArgs, plan: Plan): Data | undefined {
  if (!args.validationData) return undefined;
  const vd = args.validationData;
  if (!Array.isArray(vd) || vd.length < 2) throw new InputError('radixnet.fit: validationData must be [x, y]');
  if (vd.length > 2)
    throw new InputError(
      'radixnet.fit does not support validation sample weights (validationData [x, y, weights]); pass [x, y] or use model.fit',
    );
  const vx = single(vd[0] as tf.Tensor | tf.Tensor[], 'validationData[0]');
  const vy = single(vd[1] as tf.Tensor | tf.Tensor[], 'validationData[1]');
  return toData(vx, vy, plan, 'validationData[0]', 'validationData[1]');
}

/** tfjs' standardizeCallbacks (not exported): callback objects as they are, plain configs as CustomCallbacks. */
function standardizeCallbacks(
  callbacks: tfl.ModelFitArgs['callbacks'],
  yieldEvery: tfl.ModelFitArgs['yieldEvery'],
): Callback[] {
  if (callbacks === undefined || callbacks === null) return [];
  const list = (Array.isArray(callbacks) ? callbacks : [callbacks]) as unknown[];
  return list.map((cb, k) => {
    if (!cb || typeof cb !== 'object')
      throw new InputError(
        `radixnet.fit: callbacks[${k}] is ${String(cb)}; pass callback objects or {onEpochEnd: ...} configs`,
      );
    if (typeof (cb as Callback).setParams === 'function' && typeof (cb as Callback).setModel === 'function')
      return cb as Callback;
    return new tfl.CustomCallback(
      cb as ConstructorParameters<typeof tfl.CustomCallback>[0],
      yieldEvery,
    ) as unknown as Callback;
  });
}

/** Whether a callback does something per batch (then the model's weights are written back every step for it). */
function hasBatchHooks(cb: Callback): boolean {
  if (cb instanceof tfl.History) return false;
  if (cb instanceof tfl.CustomCallback) {
    const c = cb as unknown as { batchBegin?: unknown; batchEnd?: unknown };
    return c.batchBegin != null || c.batchEnd != null;
  }
  const base = tfl.Callback.prototype;
  return cb.onBatchBegin !== base.onBatchBegin || cb.onBatchEnd !== base.onBatchEnd;
}

/** verbose 1 or 2: one line per epoch on stdout (model.fit prints only where tfjs-node registered its logger). */
function epochPrinter(epochs: number): Callback {
  let t0 = 0;
  return new tfl.CustomCallback({
    onEpochBegin: async () => void (t0 = performance.now()),
    onEpochEnd: async (epoch, logs) => {
      const values = Object.entries(logs ?? {})
        .map(([k, v]) => `${k}=${(v as number).toPrecision(4)}`)
        .join(' ');
      console.log(`Epoch ${epoch + 1} / ${epochs}: ${(performance.now() - t0).toFixed(0)}ms ${values}`);
    },
  }) as unknown as Callback;
}

/** Loss and accuracy of `model` on x, y computed by our engine (weights copied in when they changed). */
export async function evaluateFast(
  model: tfl.LayersModel,
  x: tf.Tensor | Float32Array,
  y: tf.Tensor | ArrayLike<number>,
  opts: { batchSize?: number; threads?: number } = {},
): Promise<Metrics> {
  const plan = planOf(model);
  const twin = await twinOf(model, plan, opts.threads);
  const data = toData(x, y, plan, 'x', 'y');
  twin.mlp.ensureCapacity(opts.batchSize ?? 1000);
  return twin.mlp.evaluate(data.x, data.y);
}

// --- the model as our engine sees it --------------------------------------------------------------------------

function planOf(model: tfl.LayersModel): Plan {
  if (!model || typeof (model as { compile?: unknown }).compile !== 'function')
    throw new InputError('radixnet.fit: model must be a tfjs LayersModel (tf.sequential() or tf.model())');
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new InputError(
      `radixnet.fit: the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; the fast path runs single-input, single-output chains (use model.fit)`,
    );
  }
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  if (layers.length === 0) throw new InputError('radixnet.fit: the model has no layers');
  const sizes: number[] = [];
  const masks: (SparseMask | null)[] = [];
  const biases: boolean[] = [];
  layers.forEach((layer, l) => {
    const cls = layer.getClassName();
    if (!(layer instanceof RadixDense) && cls !== 'Dense') {
      throw new InputError(
        `radixnet.fit: layer ${l} "${layer.name}" is a ${cls}; the fast path runs chains of RadixDense and Dense layers (use model.fit for others)`,
      );
    }
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (l > 0 && (layer.inboundNodes.length !== 1 || inbound.length !== 1 || inbound[0] !== layers[l - 1])) {
      throw new InputError(
        `radixnet.fit: layer ${l} "${layer.name}" does not take exactly the previous layer's output; the fast path runs plain chains (use model.fit)`,
      );
    }
    const config = layer.getConfig();
    const act = String(config.activation);
    const want = l < layers.length - 1 ? 'relu' : 'softmax';
    if (act !== want) {
      throw new InputError(
        `radixnet.fit: layer ${l} "${layer.name}" has activation ${act}; the fast path runs ReLU hidden layers and a softmax output (use model.fit)`,
      );
    }
    const kernel = layer.getWeights()[0];
    if (!kernel || kernel.rank !== 2)
      throw new InputError(
        `radixnet.fit: layer ${l} "${layer.name}" is not built (call model.predict or build the model first)`,
      );
    const [nIn, nOut] = kernel.shape as [number, number];
    if (l === 0) sizes.push(nIn);
    else if (nIn !== sizes[l])
      throw new InputError(
        `radixnet.fit: layer ${l} "${layer.name}" takes ${nIn} inputs but layer ${l - 1} gives ${sizes[l]}`,
      );
    sizes.push(nOut);
    masks.push(layer instanceof RadixDense ? layer.mask.sparse : null);
    biases.push(Boolean(config.useBias));
  });
  if (biases.some((b) => b !== biases[0])) {
    throw new InputError(
      `radixnet.fit: some layers have a bias and some not (${biases.join(', ')}); the fast path needs all or none (use model.fit)`,
    );
  }
  return {
    layers,
    sizes,
    masks,
    bias: biases[0],
    labels: labelsOf(model),
    optimizer: optimizerOf(model),
    metrics: metricsOf(model),
  };
}

function labelsOf(model: tfl.LayersModel): 'sparse' | 'onehot' {
  const loss = model.loss;
  if (loss === undefined)
    throw new InputError(
      'radixnet.fit: compile the model first (as model.fit needs), e.g. model.compile({optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"]})',
    );
  const name = Array.isArray(loss) && loss.length === 1 ? loss[0] : loss;
  if (name === 'sparseCategoricalCrossentropy') return 'sparse';
  if (name === 'categoricalCrossentropy') return 'onehot';
  throw new InputError(
    `radixnet.fit: the model's loss is ${typeof name === 'string' ? name : 'a custom function'}; the fast path trains sparseCategoricalCrossentropy or categoricalCrossentropy (use model.fit)`,
  );
}

function optimizerOf(model: tfl.LayersModel): OptimizerSpec {
  const opt = model.optimizer;
  const name = opt.getClassName();
  const c = opt.getConfig() as Record<string, number | boolean>;
  if (name === 'Adam')
    return {
      name: 'adam',
      lr: c.learningRate as number,
      beta1: c.beta1 as number,
      beta2: c.beta2 as number,
      epsilon: c.epsilon as number,
    };
  if (name === 'SGD') return { name: 'sgd', lr: c.learningRate as number };
  // tfjs momentum: a = m a + g; w -= lr a. Keras (our kernel): v = m v - lr g; w += v. The same steps for a fixed lr.
  if (name === 'Momentum' && !c.useNesterov)
    return { name: 'sgd', lr: c.learningRate as number, momentum: c.momentum as number };
  throw new InputError(
    `radixnet.fit: the optimizer is ${name}${c.useNesterov ? ' with Nesterov' : ''}; the fast path runs Adam, SGD and (non-Nesterov) momentum (use model.fit)`,
  );
}

function metricsOf(model: tfl.LayersModel): string[] {
  const names = model.metricsNames;
  for (const n of names) {
    if (n !== 'loss' && n !== 'acc' && n !== 'accuracy') {
      throw new InputError(
        `radixnet.fit: the model reports metric "${n}"; the fast path computes loss and accuracy only (compile with metrics: ['accuracy'], or use model.fit)`,
      );
    }
  }
  return names;
}

/** The Mlp twin of `model`, reused while it matches the model's structure, optimizer and current weights. */
async function twinOf(model: tfl.LayersModel, plan: Plan, threads: number | undefined): Promise<Twin> {
  const engine = await engineFor(threads);
  const key = JSON.stringify({
    sizes: plan.sizes,
    bias: plan.bias,
    masks: plan.masks.map((m) => m?.hash() ?? 'dense'),
    optimizer: plan.optimizer,
  });
  const ids = weightIds(plan);
  const old = twins.get(model);
  if (
    old &&
    old.engine === engine &&
    old.key === key &&
    ids.length === old.synced.length &&
    ids.every((id, k) => id === old.synced[k])
  )
    return old;
  // new, or the weights changed outside the fast path (setWeights, model.fit): copy them in, the optimizer starts over
  old?.mlp.dispose();
  const mlp = new Mlp(engine, {
    layers: plan.sizes,
    masks: plan.masks,
    bias: plan.bias,
    optimizer: plan.optimizer,
    batchSize: 100,
  });
  mlp.setWeights(readWeights(plan));
  const twin: Twin = { mlp, engine, key, synced: ids };
  twins.set(model, twin);
  return twin;
}

function readWeights(plan: Plan): { kernel: Float32Array; bias?: Float32Array }[] {
  return plan.layers.map((layer) => {
    const [kernel, bias] = layer.getWeights();
    return { kernel: kernel.dataSync() as Float32Array, ...(bias ? { bias: bias.dataSync() as Float32Array } : {}) };
  });
}

/** Copies the model's weights into the Mlp when something (a callback) assigned them since the last sync; the optimizer state stays, as in tfjs. */
function reloadIfChanged(plan: Plan, twin: Twin): void {
  const ids = weightIds(plan);
  if (ids.length === twin.synced.length && ids.every((id, k) => id === twin.synced[k])) return;
  twin.mlp.setWeights(readWeights(plan));
  twin.synced = ids;
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

interface Data {
  x: Float32Array;
  y: Int32Array;
}

function toData(
  x: tf.Tensor | Float32Array,
  y: tf.Tensor | ArrayLike<number>,
  plan: Plan,
  xName: string,
  yName: string,
): Data {
  const F = plan.sizes[0];
  const C = plan.sizes[plan.sizes.length - 1];
  let xs: Float32Array;
  if (x instanceof tf.Tensor) {
    if (x.dtype !== 'float32')
      throw new InputError(
        `radixnet.fit: ${xName} has dtype ${x.dtype}; it must be float32 (tf.cast(${xName}, 'float32'))`,
      );
    if (x.rank !== 2 || x.shape[1] !== F)
      throw new InputError(`radixnet.fit: ${xName} has shape [${x.shape.join(', ')}] but the model takes [N, ${F}]`);
    xs = x.dataSync() as Float32Array;
  } else if (x instanceof Float32Array) {
    xs = x;
  } else {
    throw new InputError(`radixnet.fit: ${xName} must be a tf.Tensor or a Float32Array [N * ${F}]`);
  }
  if (xs.length % F !== 0)
    throw new InputError(`radixnet.fit: ${xName} has ${xs.length} values, not a multiple of the model's ${F} inputs`);
  const n = xs.length / F;
  let labels: Int32Array;
  if (y instanceof tf.Tensor) {
    const onehot = plan.labels === 'onehot';
    const ok = onehot ? y.rank === 2 && y.shape[1] === C : y.rank === 1 || (y.rank === 2 && y.shape[1] === 1);
    if (!ok) {
      throw new InputError(
        `radixnet.fit: ${yName} has shape [${y.shape.join(', ')}]; with ${onehot ? 'categoricalCrossentropy it must be one-hot [N, ' + C + ']' : 'sparseCategoricalCrossentropy it must be labels [N] or [N, 1]'}`,
      );
    }
    labels = onehot ? fromOneHot(y.dataSync(), C, yName) : Int32Array.from(y.dataSync());
  } else {
    if (plan.labels === 'onehot')
      throw new InputError(`radixnet.fit: with categoricalCrossentropy ${yName} must be a one-hot tensor [N, ${C}]`);
    labels = Int32Array.from(y);
  }
  if (labels.length !== n)
    throw new InputError(`radixnet.fit: ${xName} has ${n} samples but ${yName} has ${labels.length}`);
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
      else if (v !== 0)
        throw new InputError(
          `radixnet.fit: ${what} row ${b} is not one-hot (value ${v} at column ${c}); soft labels need model.fit`,
        );
    }
    if (hot < 0) throw new InputError(`radixnet.fit: ${what} row ${b} has no 1; every row must be one-hot`);
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
