// The RadiX-Net closest to a requested sparsity: experiments that compare at "90% sparsity" need one named list whose
// true sparsity is that close, and a clear refusal when the layer sizes and factors reach nothing near it.
import { InputError } from '../errors.js';
import { validPermutations, type EnumeratedList } from './enumerate.js';

export interface NearestRadixNet extends EnumeratedList {
  /** |sparsity - target|. */
  distance: number;
}

/**
 * The valid radix list (built from `factors`, default Kronecker widths) whose sparsity is nearest `target`; among
 * equally near ones the first in enumeration order. Refuses, naming the nearest, when it is more than `tolerance`
 * away.
 * @param target overall sparsity in [0, 1)
 * @param layers layer sizes n_0..n_L
 * @param factors radix factors, e.g. 1..10
 * @param tolerance largest accepted |sparsity - target|
 */
export function nearestRadixNet(
  target: number,
  layers: number[],
  factors: number[],
  tolerance: number,
): NearestRadixNet {
  if (!(target >= 0 && target < 1)) throw new InputError(`target sparsity is ${target}; it must be in [0, 1)`);
  if (!(tolerance >= 0 && Number.isFinite(tolerance)))
    throw new InputError(`sparsity tolerance is ${tolerance}; give a number >= 0 such as 0.01`);
  let best: NearestRadixNet | null = null;
  for (const list of validPermutations(factors, layers).lists) {
    const distance = Math.abs(list.sparsity - target);
    if (!best || distance < best.distance) best = { ...list, distance };
  }
  if (!best)
    throw new InputError(
      `no valid radix list of factors ${factors.join(',')} fits layers ${layers.join(',')}; add factors that divide the unit size`,
    );
  if (best.distance > tolerance) {
    throw new InputError(
      `no RadiX-Net on layers ${layers.join(',')} with factors ${compact(factors)} is within ${tolerance} of sparsity ${target}: ` +
        `the nearest is ${best.text} at ${best.sparsity.toFixed(4)}; target that, widen the tolerance or the factors`,
    );
  }
  return best;
}

function compact(factors: number[]): string {
  const s = [...new Set(factors)].sort((a, b) => a - b);
  const isRange = s.every((f, k) => f === s[0] + k);
  return isRange && s.length > 2 ? `${s[0]}..${s[s.length - 1]}` : s.join(',');
}
