// A labelled set of samples, and the paper's train/validation split (docs/training.md).
import { InputError } from '../errors.js';
import { Rng } from '../random.js';

/** Samples `x` row-major [count][features] (MNIST: pixels / 255), labels `y` [count] in 0..classes-1. */
export interface Dataset {
  x: Float32Array;
  y: Uint8Array | Int32Array;
  count: number;
  features: number;
  classes: number;
}

/** The seed of the paper protocol's one shuffle before the split, so every run validates on the same samples. */
export const SPLIT_SEED = 1234;

/** A new dataset of the rows `indices` of `ds`, in that order (copies x and y). */
export function gather(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const f = ds.features;
  const n = indices.length;
  const x = new Float32Array(n * f);
  const y = ds.y instanceof Uint8Array ? new Uint8Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (!(j >= 0 && j < ds.count))
      throw new RangeError(`gather: index ${j} at position ${i} is outside 0..${ds.count - 1}`);
    x.set(ds.x.subarray(j * f, j * f + f), i * f);
    y[i] = ds.y[j];
  }
  return { x, y, count: n, features: f, classes: ds.classes };
}

/** A copy of `ds` with its samples in a random order drawn from `rng` (a permutation, all samples kept). */
export function shuffleDataset(ds: Dataset, rng: Rng): Dataset {
  return gather(ds, rng.permutation(ds.count));
}

/**
 * The paper's split: shuffle the training set once with `seed`, then the last `round(count * fraction)` samples are
 * the validation set and the rest the training set. `indices[i]` is the original index of shuffled sample i, so
 * train sample i is original sample indices[i] and validation sample i is indices[train.count + i].
 */
export function validationSplit(
  ds: Dataset,
  fraction = 0.1,
  seed = SPLIT_SEED,
): { train: Dataset; validation: Dataset; indices: Int32Array } {
  if (!(fraction >= 0 && fraction < 1)) {
    throw new InputError(`validation fraction must be in [0, 1), got ${fraction}; the paper uses 0.1`);
  }
  const nTrain = ds.count - Math.round(ds.count * fraction);
  if (nTrain < 1) {
    throw new InputError(
      `a validation fraction of ${fraction} (--validation-split, validationSplit) leaves none of the ${ds.count} samples for training; use at most ${((ds.count - 1) / ds.count).toPrecision(6)} (the paper uses 0.1)`,
    );
  }
  const order = new Rng(seed).permutation(ds.count);
  return {
    train: gather(ds, order.subarray(0, nTrain)),
    validation: gather(ds, order.subarray(nTrain)),
    indices: order,
  };
}

/** Reorders rows so that new row i is old row order[i], in place by following the permutation's cycles. */
export function permuteRows(ds: Dataset, order: Int32Array): void {
  const f = ds.features;
  const { x, y } = ds;
  const done = new Uint8Array(ds.count);
  const tmp = new Float32Array(f);
  for (let start = 0; start < ds.count; start++) {
    if (done[start]) continue;
    tmp.set(x.subarray(start * f, start * f + f));
    const ty = y[start];
    let i = start;
    for (;;) {
      done[i] = 1;
      const j = order[i];
      if (j === start) {
        x.set(tmp, i * f);
        y[i] = ty;
        break;
      }
      x.copyWithin(i * f, j * f, j * f + f);
      y[i] = y[j];
      i = j;
    }
  }
}
