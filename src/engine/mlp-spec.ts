// What an Mlp is built from: the user's MlpSpec (every field but the layer sizes optional) resolved once into a frozen
// MlpConfig, with every default filled in and every value checked before the model allocates anything.
import { InputError } from '../errors.js';
import { DEFAULT_SEED } from '../random.js';
import { SparseMask } from '../topology/mask.js';
import { resolveOptimizer, type OptimizerName, type OptimizerSpec } from './optimizer.js';

export type InitName = 'normal' | 'glorot-uniform';

export interface MlpSpec {
  /** Layer sizes n_0 (inputs) ... n_L (classes), e.g. [784, 300, 100, 10]. */
  layers: number[];
  /** One mask per weight layer ([n_l, n_{l+1}]); a missing or null entry is a dense layer. */
  masks?: (SparseMask | null | undefined)[];
  /** Add a bias to every layer (default false: the paper's models have none). */
  bias?: boolean;
  /** Weight init: 'normal' (mean 0, `stddev`, default 0.05: Keras random_normal) or 'glorot-uniform'. */
  init?: InitName;
  stddev?: number;
  /** Seed of the weight init (default DEFAULT_SEED, 100). */
  seed?: number;
  /** Largest batch the model's buffers hold (default 100; train grows it when asked for more). */
  batchSize?: number;
  /** Default Adam with Keras' settings (docs/training.md). */
  optimizer?: OptimizerSpec | OptimizerName;
}

/** An MlpSpec with its defaults applied and checked. Frozen: the model and its users read the same values. */
export interface MlpConfig {
  /** Layer sizes n_0 .. n_L. */
  readonly sizes: readonly number[];
  /** Exactly one entry per weight layer: its mask, of shape [n_l, n_{l+1}], or null for a dense layer. */
  readonly masks: readonly (SparseMask | null)[];
  readonly bias: boolean;
  readonly init: InitName;
  /** Standard deviation of the 'normal' init. */
  readonly stddev: number;
  readonly seed: number;
  /** Batch capacity the model starts with. */
  readonly batchSize: number;
  readonly optimizer: Readonly<Required<OptimizerSpec>>;
}

/** Resolves and checks `spec`; a bad value is an InputError naming it and what would be valid. */
export function resolveMlpSpec(spec: MlpSpec): MlpConfig {
  if (spec === null || typeof spec !== 'object')
    throw new InputError(
      `an Mlp needs a spec object with at least { layers }, got ${spec === null ? 'null' : typeof spec}`,
    );
  const sizes = checkSizes(spec.layers);
  const L = sizes.length - 1;
  const given = spec.masks ?? [];
  if (!Array.isArray(given))
    throw new InputError(
      `masks must be an array with one mask (or null for dense) per weight layer, got ${typeof given}`,
    );
  if (given.length > L)
    throw new InputError(`got ${given.length} masks for ${L} weight layers (layers ${sizes.join(',')})`);
  const masks = sizes.slice(0, L).map((nIn, l) => {
    const mine = given[l] ?? null;
    // checked again and copied: the caller may have changed its arrays since the mask was made, or passed a look-alike
    const m = mine === null ? null : SparseMask.copyOf(mine, `mask ${l}`);
    if (m && (m.nIn !== nIn || m.nOut !== sizes[l + 1])) {
      throw new InputError(
        `mask ${l} has shape [${m.nIn}, ${m.nOut}] but layer ${l} is [${nIn}, ${sizes[l + 1]}] (layers ${sizes.join(',')})`,
      );
    }
    return m;
  });
  const init = spec.init ?? 'normal';
  const stddev = spec.stddev ?? 0.05;
  checkInit(init, stddev);
  const batchSize = spec.batchSize ?? 100;
  checkBatchSize(batchSize);
  return Object.freeze({
    sizes: Object.freeze(sizes),
    masks: Object.freeze(masks),
    bias: spec.bias ?? false,
    init,
    stddev,
    seed: spec.seed ?? DEFAULT_SEED,
    batchSize,
    optimizer: Object.freeze(resolveOptimizer(spec.optimizer ?? 'adam')),
  });
}

/** A batch capacity: an integer >= 1. */
export function checkBatchSize(batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) throw new InputError(`batch size must be an integer >= 1, got ${batch}`);
}

function checkInit(init: unknown, stddev: number): void {
  if (init !== 'normal' && init !== 'glorot-uniform')
    throw new InputError(`unknown init "${init}": use normal or glorot-uniform`);
  // past 100, float32 weights and the first logits overflow or saturate: no model trains from there
  if (!(stddev > 0 && stddev <= 100))
    throw new InputError(`init stddev must be a number in (0, 100], got ${stddev}; the paper uses 0.05`);
}

function checkSizes(layers: unknown): number[] {
  if (!Array.isArray(layers) || layers.length < 2)
    throw new InputError(`layers must list at least 2 sizes (inputs and classes), got ${JSON.stringify(layers)}`);
  for (const n of layers) {
    if (!Number.isInteger(n) || n < 1)
      throw new InputError(`layer sizes must be integers >= 1, got ${layers.join(',')}`);
  }
  return layers.slice() as number[];
}
