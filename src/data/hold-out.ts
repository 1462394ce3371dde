// The hold-out of validation samples every training loop uses (Keras' validationSplit): the last fraction of the
// samples, taken before any shuffle, so the same data and fraction always validate on the same samples.
import { InputError } from '../errors.js';

export interface Samples {
  /** [count, features] row-major. */
  x: Float32Array;
  /** count labels. */
  y: ArrayLike<number>;
}

/**
 * Splits x ([count, features] row-major) and y into the first count - floor(count * fraction) samples for training
 * and the rest for validation (none when fraction is 0). Views, no copies of x. `caller` prefixes error messages.
 */
export function holdOut(
  x: Float32Array,
  y: ArrayLike<number>,
  features: number,
  fraction: number,
  caller = '',
): { train: Samples; validation?: Samples } {
  if (!(fraction >= 0 && fraction < 1))
    throw new InputError(`${caller}validationSplit must be in [0, 1), got ${fraction}`);
  if (fraction === 0) return { train: { x, y } };
  const count = y.length;
  const nTrain = count - Math.floor(count * fraction);
  if (nTrain < 1 || nTrain === count)
    throw new InputError(
      `${caller}validationSplit ${fraction} of ${count} samples leaves no training or no validation samples`,
    );
  return {
    train: { x: x.subarray(0, nTrain * features), y: slice(y, 0, nTrain) },
    validation: { x: x.subarray(nTrain * features, count * features), y: slice(y, nTrain, count) },
  };
}

function slice(y: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  if (ArrayBuffer.isView(y)) return (y as unknown as Int32Array).subarray(from, to);
  return Array.prototype.slice.call(y, from, to) as number[];
}
