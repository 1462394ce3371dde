// Low-magnitude weight pruning, the baseline RadiX-Nets are compared against: a one-shot top-k mask of a kernel, the
// polynomial-decay schedule of gradual pruning (Zhu & Gupta 2017, "To prune, or not to prune", as TensorFlow Model
// Optimization's PolynomialDecay defines it), and a pruner that applies that schedule to an engine model from train's
// onBatchEnd. The masks are SparseMasks, so once pruning is over the model is rebuilt on them and trains on the
// sparse kernels (prunedModel), and radixDense takes them like any RadiX-Net mask.
import { InputError } from '../errors.js';
import { SparseMask } from '../topology/mask.js';
import { largestMagnitude } from '../topology/mask-select.js';
export { randomMask } from '../topology/mask-select.js';
import type { Engine } from '../engine/engine.js';
import { Mlp, type MlpSpec } from '../engine/mlp.js';

/**
 * How many of `size` weights survive pruning to `sparsity`: round(size * (1 - sparsity)), at least 1 (as in TF-MOT,
 * so a layer never goes fully dark). Sparsity must be in [0, 1).
 */
export function keepCount(size: number, sparsity: number): number {
  checkSparsity(sparsity, 'sparsity');
  return size === 0 ? 0 : Math.max(1, Math.round(size * (1 - sparsity)));
}

/**
 * The mask keeping exactly the keepCount(nIn * nOut, sparsity) weights of largest |w| of a kernel.
 * Ties at the threshold go to the lower input-major index i * nOut + o, so the result is a deterministic function of
 * the values (TF-MOT keeps every weight tied with the threshold instead, which can overshoot the count).
 * @param weights the kernel [nIn, nOut] input-major (index i * nOut + o), like a Keras/tfjs kernel or Mlp.getWeights()
 * @param shape [nIn, nOut]
 * @param sparsity fraction of the layer's nIn * nOut entries to remove, in [0, 1)
 * @param within only these connections may be kept (an existing mask being pruned further); default all
 */
export function magnitudePrune(
  weights: ArrayLike<number>,
  shape: readonly [number, number],
  sparsity: number,
  within?: SparseMask,
): SparseMask {
  const [nIn, nOut] = checkShape(weights, shape);
  return largestMagnitude(weights, nIn, nOut, keepCount(nIn * nOut, sparsity), within, 'magnitudePrune');
}

export interface PolynomialDecayOptions {
  /** Sparsity at beginStep, in [0, 1) (default 0). */
  initialSparsity?: number;
  /** Sparsity from endStep on, in [0, 1). */
  finalSparsity: number;
  /** Step (0-based optimizer step) of the first pruning (default 0). */
  beginStep?: number;
  /** Step of the last pruning; >= beginStep. */
  endStep: number;
  /** Exponent of the decay (default 3). */
  power?: number;
  /** Prune every `frequency` steps from beginStep (default 100). */
  frequency?: number;
}

/**
 * TF-MOT's PolynomialDecay pruning schedule: at step t the target sparsity is
 *   s(t) = final + (initial - final) * (1 - p)^power,  p = clamp((t - begin) / (end - begin), 0, 1)
 * (p = 1 when end = begin), and masks are recomputed only when begin <= t <= end and (t - begin) % frequency = 0.
 */
export class PolynomialDecay {
  readonly initialSparsity: number;
  readonly finalSparsity: number;
  readonly beginStep: number;
  readonly endStep: number;
  readonly power: number;
  readonly frequency: number;

  constructor(opts: PolynomialDecayOptions) {
    this.initialSparsity = opts.initialSparsity ?? 0;
    this.finalSparsity = opts.finalSparsity;
    this.beginStep = opts.beginStep ?? 0;
    this.endStep = opts.endStep;
    this.power = opts.power ?? 3;
    this.frequency = opts.frequency ?? 100;
    checkSparsity(this.initialSparsity, 'initialSparsity');
    checkSparsity(this.finalSparsity, 'finalSparsity');
    if (!Number.isInteger(this.beginStep) || this.beginStep < 0) {
      throw new InputError(`pruning schedule beginStep is ${this.beginStep}; it must be a whole number >= 0`);
    }
    if (!Number.isInteger(this.endStep) || this.endStep < this.beginStep) {
      throw new InputError(
        `pruning schedule endStep ${this.endStep} precedes beginStep ${this.beginStep}; give a whole number endStep >= beginStep`,
      );
    }
    if (!Number.isInteger(this.frequency) || this.frequency < 1) {
      throw new InputError(`pruning schedule frequency is ${this.frequency}; it must be a whole number of steps >= 1`);
    }
    if (!(Number.isFinite(this.power) && this.power > 0))
      throw new InputError(`pruning schedule power is ${this.power}; it must be a positive number (TF-MOT uses 3)`);
  }

  /** Target sparsity at (0-based) step `step`. */
  sparsity(step: number): number {
    const span = this.endStep - this.beginStep;
    const p = span === 0 ? 1 : Math.min(1, Math.max(0, (step - this.beginStep) / span));
    return this.finalSparsity + (this.initialSparsity - this.finalSparsity) * (1 - p) ** this.power;
  }

  /** Whether masks are recomputed at step `step`. */
  shouldPrune(step: number): boolean {
    return step >= this.beginStep && step <= this.endStep && (step - this.beginStep) % this.frequency === 0;
  }

  /** Plain data for a results record (TF-MOT's get_config names, camel-cased). */
  toJSON(): Required<PolynomialDecayOptions> & { class: 'PolynomialDecay' } {
    return {
      class: 'PolynomialDecay',
      initialSparsity: this.initialSparsity,
      finalSparsity: this.finalSparsity,
      beginStep: this.beginStep,
      endStep: this.endStep,
      power: this.power,
      frequency: this.frequency,
    };
  }
}

/**
 * Gradual magnitude pruning of an engine model, TF-MOT style: before each optimizer step t the schedule may recompute
 * every pruned layer's mask to sparsity(t) from the current weights, and the weights off the mask are set to zero.
 * Use it from train:
 *   const pruner = new MagnitudePruner(model, schedule);        // applies step 0 at once
 *   train(model, x, y, { onBatchEnd: () => pruner.step() });       // then before every following step
 *   const sparse = prunedModel(engine, model, pruner.masks(), spec);   // the same weights on the sparse kernels
 * While the model is still dense the masked weights receive gradients like in TF-MOT and are zeroed again before
 * the next step; after the last step they are zero.
 */
export class MagnitudePruner {
  private readonly flags: Uint8Array[];
  private readonly sparsities: number[];
  private readonly schedules: (PolynomialDecay | null)[];
  private next = 0;

  /**
   * @param model the model being trained (dense or already masked; pruning stays within its masks)
   * @param schedule one schedule for every weight layer, or one per layer (null: that layer is not pruned)
   */
  constructor(
    readonly model: Mlp,
    schedule: PolynomialDecay | readonly (PolynomialDecay | null)[],
  ) {
    if (Array.isArray(schedule)) {
      if (schedule.length !== model.depth)
        throw new InputError(
          `MagnitudePruner: got ${schedule.length} schedules for a model with ${model.depth} weight layers; give one per layer (null to leave a layer alone)`,
        );
      this.schedules = [...schedule];
    } else this.schedules = model.layers.map(() => schedule as PolynomialDecay);
    this.flags = model.layers.map((layer) => new Uint8Array(layer.nnz).fill(1));
    this.sparsities = model.layers.map(() => 0);
    this.step();
  }

  /** Optimizer steps already taken (the step the next call of step() prepares). */
  get stepCount(): number {
    return this.next;
  }

  /** Prepares optimizer step `stepCount`: maybe recompute masks, then zero the weights off them. */
  step(): void {
    const t = this.next++;
    const params = this.model.parameters();
    this.schedules.forEach((schedule, l) => {
      if (schedule?.shouldPrune(t)) this.prune(l, schedule.sparsity(t), params);
    });
    this.model.layers.forEach((layer, l) => {
      const f = this.flags[l];
      for (let k = 0; k < layer.nnz; k++) if (!f[k]) params[layer.wOffset + k] = 0;
    });
  }

  /** The current masks, one per weight layer (unpruned layers keep the model's own). */
  masks(): SparseMask[] {
    return this.model.layers.map((layer, l) => {
      const f = this.flags[l];
      const rowPtr = new Int32Array(layer.nOut + 1);
      const colIdx: number[] = [];
      for (let o = 0; o < layer.nOut; o++) {
        for (let k = layer.rowPtr[o]; k < layer.rowPtr[o + 1]; k++) if (f[k]) colIdx.push(layer.colIdx[k]);
        rowPtr[o + 1] = colIdx.length;
      }
      return new SparseMask(layer.nIn, layer.nOut, rowPtr, Int32Array.from(colIdx));
    });
  }

  /** Sparsity the schedule last pruned each layer to (0 for layers not pruned yet). */
  layerTargets(): number[] {
    return this.sparsities.slice();
  }

  private prune(l: number, sparsity: number, params: Float32Array): void {
    const layer = this.model.layers[l];
    const kernel = new Float32Array(layer.nIn * layer.nOut);
    const { rowPtr, colIdx, nOut } = layer;
    for (let o = 0; o < nOut; o++) {
      for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) kernel[colIdx[k] * nOut + o] = params[layer.wOffset + k];
    }
    const within = layer.dense ? undefined : new SparseMask(layer.nIn, nOut, rowPtr, colIdx);
    const keep = magnitudePrune(kernel, [layer.nIn, nOut], sparsity, within).toDense();
    const f = this.flags[l];
    for (let o = 0; o < nOut; o++) {
      for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) f[k] = keep[colIdx[k] * nOut + o];
    }
    this.sparsities[l] = sparsity;
  }
}

/**
 * A new model on `masks` holding `model`'s weights (and biases), so fine-tuning runs on the sparse kernels and costs
 * only the kept weights. The optimizer state starts fresh. `spec` gives the rest of the new model's spec (optimizer,
 * batch size); its layers and masks come from the arguments.
 */
export function prunedModel(
  engine: Engine,
  model: Mlp,
  masks: readonly SparseMask[],
  spec: Omit<MlpSpec, 'layers' | 'masks' | 'bias'> = {},
): Mlp {
  if (masks.length !== model.depth)
    throw new InputError(`prunedModel: got ${masks.length} masks for a model with ${model.depth} weight layers`);
  const weights = model.getWeights();
  const sparse = new Mlp(engine, { ...spec, layers: [...model.sizes], masks: [...masks], bias: model.hasBias });
  sparse.setWeights(weights);
  return sparse;
}

/** Per layer, 1 - nnz / (nIn * nOut), and overall 1 - sum nnz / sum (nIn * nOut). */
export function maskSparsity(masks: readonly SparseMask[]): {
  layers: number[];
  overall: number;
  weights: number;
  denseWeights: number;
} {
  let weights = 0;
  let denseWeights = 0;
  const layers = masks.map((m) => {
    weights += m.nnz;
    denseWeights += m.nIn * m.nOut;
    return 1 - m.density;
  });
  return { layers, overall: denseWeights === 0 ? 0 : 1 - weights / denseWeights, weights, denseWeights };
}

function checkSparsity(s: number, what: string): void {
  if (!(typeof s === 'number' && s >= 0 && s < 1)) {
    throw new InputError(`${what} is ${s}; a pruning sparsity must be in [0, 1) (0.9 removes 90% of the weights)`);
  }
}

function checkShape(weights: ArrayLike<number>, shape: readonly [number, number]): [number, number] {
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new InputError(
      `magnitudePrune: shape must be [nIn, nOut] with whole numbers >= 1, got ${JSON.stringify(shape)}`,
    );
  }
  if (weights.length !== shape[0] * shape[1]) {
    throw new InputError(
      `magnitudePrune: the kernel has ${weights.length} values but shape [${shape.join(', ')}] needs ${shape[0] * shape[1]}`,
    );
  }
  return [shape[0], shape[1]];
}
