// The four ways the pruning comparison reaches a sparse LeNet: magnitude pruning after dense training (one-shot),
// gradual magnitude pruning during dense training (Zhu & Gupta's polynomial schedule, as in TF-MOT), a RadiX-Net
// trained sparse from the start, and a random static mask trained sparse from the start. A reference RadiX-Net fixes
// every method's per-layer connection count, so all four end with exactly the same number of weights in each layer.
// Whatever has a fixed mask (fine-tuning, sparse-from-start training) trains on the sparse kernels.
import type { Dataset } from '../data/dataset.js';
import type { Engine } from '../engine/engine.js';
import { Mlp, type Metrics } from '../engine/mlp.js';
import { train, type EpochLogs } from '../engine/train.js';
import type { OptimizerSpec } from '../engine/optimizer.js';
import { InputError } from '../errors.js';
import { SparseMask } from '../topology/mask.js';
import { magnitudePrune, MagnitudePruner, PolynomialDecay, prunedModel, randomMask } from '../analysis/pruning.js';

export const PRUNING_METHODS = ['one-shot', 'gradual', 'radixnet', 'random'] as const;
export type PruningMethod = (typeof PRUNING_METHODS)[number];

export interface PruningRun {
  method: PruningMethod;
  /** Masks of the reference RadiX-Net: the radixnet method trains on them, the others match their per-layer nnz. */
  reference: readonly SparseMask[];
  /** Epochs of dense training (one-shot, gradual); sparse-from-start methods train epochs + fineTuneEpochs. */
  epochs: number;
  /** Epochs of sparse fine-tuning after pruning. */
  fineTuneEpochs: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  /** Weight init, mask draw and batch order. */
  seed: number;
  /** Gradual pruning: steps between mask updates, and the decay exponent (TF-MOT: 100 and 3). */
  frequency: number;
  power: number;
  /** Gradual pruning ends at this fraction of the dense phase's steps (rounded down to a pruning step). */
  pruneEnd: number;
  /** Training steps of the sparse model and of the same model dense, timed side by side (0: skip). */
  timingSteps: number;
}

export interface PruningData {
  train: Dataset;
  validation: Dataset | null;
  test: Dataset;
}

/** Seconds per training step of the final masks on the sparse kernels and of the same weights on a dense model. */
export interface SpeedupMeasurement {
  steps: number;
  batchSize: number;
  sparseStepMs: number;
  denseStepMs: number;
  /** denseStepMs / sparseStepMs. */
  ratio: number;
}

export interface PruningResult {
  masks: SparseMask[];
  /** Every epoch of every phase, numbered 1.. in order. */
  history: EpochLogs[];
  /** Phase of each history entry: 'dense' (one-shot, gradual before pruning ends), 'fine-tune' or 'sparse'. */
  phases: string[];
  test: Metrics;
  /** Wall seconds of the phases (pruning itself included), validation passes included. */
  seconds: { dense: number; prune: number; sparse: number; total: number };
  speedup: SpeedupMeasurement | null;
  /** The gradual schedule of each layer (null for a layer left full). */
  schedules?: (ReturnType<PolynomialDecay['toJSON']> | null)[];
}

/**
 * Trains one method to the reference's per-layer connection counts; see the file header. `onTrained` sees the final
 * sparse model (to read its weights) before it is disposed.
 */
export function trainPruned(
  engine: Engine,
  run: PruningRun,
  data: PruningData,
  onTrained?: (model: Mlp) => void,
): PruningResult {
  checkRun(run, data);
  const layers = [run.reference[0].nIn, ...run.reference.map((m) => m.nOut)];
  const history: EpochLogs[] = [];
  const phases: string[] = [];
  const record = (h: { epochs: EpochLogs[] }, phase: string): void => {
    for (const e of h.epochs) {
      history.push({ ...e, epoch: history.length + 1 });
      phases.push(phase);
    }
  };
  const spec = { layers, seed: run.seed, batchSize: run.batchSize, optimizer: run.optimizer };
  const trainOpts = (epochs: number, seed: number) => ({
    epochs,
    batchSize: run.batchSize,
    seed,
    validationData: data.validation ? { x: data.validation.x, y: data.validation.y } : undefined,
    // the rows stay in the engine's memory: the run's phases (and a sweep worker's later runs) train on the same
    // arrays, copied and checked once instead of once per phase
    keepResident: true,
  });
  const t0 = performance.now();
  let tDense = t0;
  let tPruned = t0;
  let sparse: Mlp;
  let dense: Mlp | null = null;
  let schedules: PruningResult['schedules'];
  if (run.method === 'radixnet' || run.method === 'random') {
    const masks =
      run.method === 'radixnet'
        ? [...run.reference]
        : run.reference.map((m, l) =>
            m.nnz === m.nIn * m.nOut ? m : randomMask(m.nIn, m.nOut, m.nnz, run.seed * 31 + l),
          );
    sparse = new Mlp(engine, { ...spec, masks });
    record(train(sparse, data.train.x, data.train.y, trainOpts(run.epochs + run.fineTuneEpochs, run.seed)), 'sparse');
  } else {
    dense = new Mlp(engine, spec);
    let masks: SparseMask[];
    if (run.method === 'one-shot') {
      record(train(dense, data.train.x, data.train.y, trainOpts(run.epochs, run.seed)), 'dense');
      tDense = performance.now();
      const weights = dense.getWeights();
      masks = run.reference.map((m, l) =>
        isFull(m) ? m : magnitudePrune(weights[l].kernel, [m.nIn, m.nOut], sparsityOf(m)),
      );
    } else {
      const steps = run.epochs * Math.ceil(data.train.count / run.batchSize);
      const endStep = Math.floor((run.pruneEnd * steps) / run.frequency) * run.frequency;
      const perLayer = run.reference.map((m) =>
        isFull(m)
          ? null
          : new PolynomialDecay({
              initialSparsity: 0,
              finalSparsity: sparsityOf(m),
              beginStep: 0,
              endStep,
              frequency: run.frequency,
              power: run.power,
            }),
      );
      schedules = perLayer.map((s) => s?.toJSON() ?? null);
      const pruner = new MagnitudePruner(dense, perLayer);
      record(
        train(dense, data.train.x, data.train.y, {
          ...trainOpts(run.epochs, run.seed),
          onBatchEnd: () => pruner.step(),
        }),
        'dense',
      );
      tDense = performance.now();
      masks = pruner.masks();
    }
    masks.forEach((m, l) => {
      if (m.nnz !== run.reference[l].nnz)
        throw new Error(`pruned layer ${l} to ${m.nnz} connections instead of ${run.reference[l].nnz}`);
    });
    sparse = prunedModel(engine, dense, masks, { batchSize: run.batchSize, optimizer: run.optimizer });
    tPruned = performance.now();
    record(train(sparse, data.train.x, data.train.y, trainOpts(run.fineTuneEpochs, run.seed + 1)), 'fine-tune');
  }
  const tEnd = performance.now();
  const test = sparse.evaluate(sparse.keepResident(data.test.x, data.test.y), data.test.y);
  onTrained?.(sparse);
  const masks = sparse.layers.map((_, l) => maskOf(sparse, l));
  const speedup =
    run.timingSteps > 0
      ? sparseSpeedup(engine, sparse, data.train, run.batchSize, run.timingSteps, run.optimizer)
      : null;
  // newest first, so a long-lived engine gets all of the run's memory back
  sparse.dispose();
  dense?.dispose();
  return {
    masks,
    history,
    phases,
    test,
    speedup,
    ...(schedules ? { schedules } : {}),
    seconds: {
      dense: (tDense - t0) / 1000,
      prune: (tPruned - tDense) / 1000,
      sparse: (tEnd - tPruned) / 1000,
      total: (tEnd - t0) / 1000,
    },
  };
}

/**
 * Times `steps` training steps of `model` (on its sparse kernels) against the same weights in a dense model, in
 * alternating blocks (sparse first, then dense first, ...) so that a neighbour's load falls on both alike; one
 * untimed block each warms them up. Trains copies: `model` is left as it was.
 */
export function sparseSpeedup(
  engine: Engine,
  model: Mlp,
  data: Dataset,
  batchSize: number,
  steps: number,
  optimizer: OptimizerSpec,
): SpeedupMeasurement {
  if (data.count < batchSize)
    throw new InputError(
      `timing needs at least one batch of ${batchSize} training samples but there are ${data.count}; lower the batch size`,
    );
  const blockSteps = Math.max(1, Math.min(10, steps, Math.floor(data.count / batchSize)));
  const weights = model.getWeights();
  const masks = model.layers.map((_, l) => maskOf(model, l));
  const sparse = prunedModel(engine, model, masks, { batchSize, optimizer });
  const dense = new Mlp(engine, { layers: [...model.sizes], bias: model.hasBias, batchSize, optimizer });
  dense.setWeights(weights);
  // one block of k steps: one epoch over the first k batches, in order
  const time = (m: Mlp, k: number): number => {
    const x = data.x.subarray(0, k * batchSize * data.features);
    return train(m, x, data.y.subarray(0, k * batchSize), { epochs: 1, batchSize, shuffle: false }).epochs[0].seconds;
  };
  time(sparse, blockSteps);
  time(dense, blockSteps);
  let sparseSeconds = 0;
  let denseSeconds = 0;
  for (let done = 0, b = 0; done < steps; done += blockSteps, b++) {
    const k = Math.min(blockSteps, steps - done);
    if (b % 2 === 0) {
      sparseSeconds += time(sparse, k);
      denseSeconds += time(dense, k);
    } else {
      denseSeconds += time(dense, k);
      sparseSeconds += time(sparse, k);
    }
  }
  dense.dispose();
  sparse.dispose();
  const sparseStepMs = (sparseSeconds * 1000) / steps;
  const denseStepMs = (denseSeconds * 1000) / steps;
  return { steps, batchSize, sparseStepMs, denseStepMs, ratio: denseStepMs / sparseStepMs };
}

/** The mask a model's layer l was built on (the layer keeps its CSR arrays). */
function maskOf(model: Mlp, l: number): SparseMask {
  const layer = model.layers[l];
  return new SparseMask(layer.nIn, layer.nOut, layer.rowPtr, layer.colIdx);
}

function isFull(m: SparseMask): boolean {
  return m.nnz === m.nIn * m.nOut;
}

/** The sparsity whose keepCount is exactly m.nnz. */
function sparsityOf(m: SparseMask): number {
  return 1 - m.nnz / (m.nIn * m.nOut);
}

function checkRun(run: PruningRun, data: PruningData): void {
  if (!PRUNING_METHODS.includes(run.method))
    throw new InputError(`unknown pruning method "${run.method}": use ${PRUNING_METHODS.join(', ')}`);
  if (run.reference.length === 0) throw new InputError('trainPruned needs the reference masks, one per weight layer');
  for (const [name, v, min] of [
    ['epochs', run.epochs, 1],
    ['fineTuneEpochs', run.fineTuneEpochs, 0],
    ['timingSteps', run.timingSteps, 0],
    ['frequency', run.frequency, 1],
  ] as const) {
    if (!Number.isInteger(v) || v < min) throw new InputError(`pruning ${name} is ${v}; give a whole number >= ${min}`);
  }
  if ((run.method === 'one-shot' || run.method === 'gradual') && run.fineTuneEpochs < 1) {
    throw new InputError(`${run.method} pruning fine-tunes the pruned model; give fineTuneEpochs >= 1`);
  }
  if (!(run.pruneEnd > 0 && run.pruneEnd <= 1))
    throw new InputError(
      `pruneEnd is ${run.pruneEnd}; give the fraction of dense steps by which gradual pruning ends, in (0, 1]`,
    );
  if (data.train.features !== run.reference[0].nIn) {
    throw new InputError(
      `the data has ${data.train.features} features but the reference masks start with ${run.reference[0].nIn} inputs`,
    );
  }
}
