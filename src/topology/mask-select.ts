// Masks chosen from values rather than built from a radix list: the largest-magnitude connections of a kernel (the
// pruning baselines, and tfjs' Mask.magnitude) and a uniformly random subset (the control). One implementation serves
// the engine's pruning and the tfjs masks, so both pick exactly the same connections.
import { InputError } from '../errors.js';
import { Rng } from '../random.js';
import { SparseMask } from './mask.js';

/**
 * The mask keeping the `count` entries of largest |w| of a kernel [nIn, nOut] (input-major, index i * nOut + o).
 * Ties at the threshold go to the lower index, so the result is a deterministic function of the values.
 * @param within only these connections may be kept (pruning an existing mask further); default all
 * @param who names the caller in error messages
 */
export function largestMagnitude(
  weights: ArrayLike<number>,
  nIn: number,
  nOut: number,
  count: number,
  within?: SparseMask | null,
  who = 'magnitude pruning',
): SparseMask {
  const size = nIn * nOut;
  if (weights.length !== size)
    throw new InputError(`${who}: the kernel has ${weights.length} values but [${nIn}, ${nOut}] needs ${size}`);
  const abs = new Float32Array(size);
  for (let idx = 0; idx < size; idx++) {
    const w = weights[idx];
    if (!Number.isFinite(w))
      throw new InputError(
        `${who}: weight ${idx} (input ${Math.floor(idx / nOut)}, output ${idx % nOut}) is ${w}; prune finite weights`,
      );
    abs[idx] = Math.abs(w);
  }
  let eligible: Uint8Array | null = null;
  if (within) {
    if (within.nIn !== nIn || within.nOut !== nOut) {
      throw new InputError(
        `${who}: the mask to prune within is [${within.nIn}, ${within.nOut}] but the kernel is [${nIn}, ${nOut}]`,
      );
    }
    eligible = within.toDense();
  }
  const keep = topK(abs, Math.min(count, eligible ? within!.nnz : size), eligible);
  return SparseMask.fromDense(keep, nIn, nOut);
}

/**
 * 0/1 flags of the k largest values of `abs` (only where `eligible` is 1, when given); ties go to the lower index.
 * The threshold is the k-th largest eligible value; everything above it is kept, then tied entries in index order.
 */
function topK(abs: Float32Array, k: number, eligible: Uint8Array | null): Uint8Array {
  const flags = new Uint8Array(abs.length);
  if (k === 0) return flags;
  let sorted: Float32Array;
  if (eligible) {
    sorted = new Float32Array(eligible.reduce((s, e) => s + e, 0));
    for (let idx = 0, n = 0; idx < abs.length; idx++) if (eligible[idx]) sorted[n++] = abs[idx];
  } else sorted = abs.slice();
  sorted.sort();
  const threshold = sorted[sorted.length - k];
  let kept = 0;
  for (let idx = 0; idx < abs.length; idx++) {
    if ((!eligible || eligible[idx]) && abs[idx] > threshold) {
      flags[idx] = 1;
      kept++;
    }
  }
  for (let idx = 0; idx < abs.length && kept < k; idx++) {
    if ((!eligible || eligible[idx]) && abs[idx] === threshold) {
      flags[idx] = 1;
      kept++;
    }
  }
  return flags;
}

/**
 * A random static mask keeping exactly `keep` of the nIn * nOut connections, uniformly drawn from `seed`: the control
 * that separates what magnitude or structure selects from what any mask of the same size does.
 */
export function randomMask(nIn: number, nOut: number, keep: number, seed: number): SparseMask {
  const size = nIn * nOut;
  if (!Number.isInteger(keep) || keep < 0 || keep > size)
    throw new InputError(
      `randomMask: cannot keep ${keep} of ${size} connections; give a whole number from 0 to ${size}`,
    );
  const rng = new Rng(seed);
  const order = new Int32Array(size);
  for (let k = 0; k < size; k++) order[k] = k;
  const dense = new Uint8Array(size);
  // the first `keep` entries of a partial Fisher-Yates shuffle: a uniform subset
  for (let k = 0; k < keep; k++) {
    const j = k + rng.int(size - k);
    const t = order[k];
    order[k] = order[j];
    order[j] = t;
    dense[order[k]] = 1;
  }
  return SparseMask.fromDense(dense, nIn, nOut);
}
