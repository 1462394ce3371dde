// The checks on what an Mlp is given to train on, evaluate or predict from: each bad input is a one-line InputError
// that names the value and the fix, raised before any of it reaches the kernels.
import { InputError } from '../errors.js';
import { ResidentData } from './resident.js';

/** Checks samples x ([N, inputs] row-major) and labels y (N integers in [0, classes)); returns N. */
export function checkData(
  x: Float32Array,
  y: ArrayLike<number>,
  inputs: number,
  classes: number,
  what: string,
): number {
  if (!(x instanceof Float32Array))
    throw new InputError(`${what}: x must be a Float32Array (got ${describe(x)}); convert with Float32Array.from`);
  if (x.length % inputs !== 0)
    throw new InputError(`${what}: x has ${x.length} values, not a multiple of the ${inputs} inputs per sample`);
  const count = x.length / inputs;
  if (y === null || typeof y !== 'object' || typeof y.length !== 'number')
    throw new InputError(`${what}: y must be an array of ${count} integer labels (got ${describe(y)})`);
  if (y.length !== count)
    throw new InputError(`${what}: x has ${count} samples of ${inputs} values but y has ${y.length} labels`);
  if (count === 0) throw new InputError(`${what}: no samples`);
  checkFinite(x, `${what}: x`);
  for (let i = 0; i < count; i++) {
    const c = y[i];
    if (!(Number.isInteger(c) && c >= 0 && c < classes))
      throw new InputError(`${what}: label ${i} is ${c}, labels must be integers in [0, ${classes - 1}]`);
  }
  return count;
}

/** Checks samples to predict from: a Float32Array of whole samples of `inputs` finite values. Returns their count. */
export function checkSamples(x: Float32Array, inputs: number, what: string): number {
  if (!(x instanceof Float32Array))
    throw new InputError(
      `${what}: x must be a Float32Array of samples x ${inputs} inputs (got ${describe(x)}); convert with Float32Array.from`,
    );
  if (x.length % inputs !== 0)
    throw new InputError(`${what}: x has ${x.length} values, not a multiple of the ${inputs} inputs per sample`);
  checkFinite(x, `${what}: x`);
  return x.length / inputs;
}

/**
 * The cheap checks of one training step's arguments (O(n): labels are checked as the batch loads, see labelAt):
 * `n` samples from `start` of `order` (or of the data when order is null), at most `capacity`.
 */
export function checkStep(
  x: Float32Array | ResidentData,
  y: ArrayLike<number>,
  order: Int32Array | null,
  start: number,
  n: number,
  inputs: number,
  capacity: number,
): void {
  if (!(x instanceof Float32Array) && !(x instanceof ResidentData))
    throw new InputError(`trainStepOn: x must be a Float32Array or resident data (got ${describe(x)})`);
  const count = x instanceof ResidentData ? x.count : x.length / inputs;
  if (y === null || typeof y !== 'object' || typeof y.length !== 'number')
    throw new InputError(`trainStepOn: y must be an array of labels (got ${describe(y)})`);
  if (!Number.isInteger(n) || n < 1 || n > capacity)
    throw new InputError(`trainStepOn: n is ${n}; give 1 to the batch capacity ${capacity} (ensureCapacity grows it)`);
  const span = order ? order.length : Math.min(count, y.length);
  if (!Number.isInteger(start) || start < 0 || start + n > span)
    throw new InputError(`trainStepOn: samples ${start}..${start + n - 1} are outside the ${span} available`);
  if (order) {
    for (let b = start; b < start + n; b++) {
      const row = order[b];
      if (!(row >= 0 && row < count && row < y.length))
        throw new InputError(`trainStepOn: order[${b}] is ${row}, outside the ${Math.min(count, y.length)} samples`);
    }
  }
}

/** y[row], checked: a label outside [0, classes) would read past the logits and give a meaningless loss. */
export function labelAt(y: ArrayLike<number>, row: number, classes: number): number {
  const c = y[row];
  if (!(Number.isInteger(c) && c >= 0 && c < classes)) {
    throw new InputError(`label of sample ${row} is ${c}; labels must be integers in [0, ${classes - 1}]`);
  }
  return c;
}

/** Throws when `x` holds a NaN or an infinity, naming the first. */
export function checkFinite(x: ArrayLike<number>, what: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]))
      throw new InputError(`${what} has a non-finite value (${x[i]}) at index ${i}; clean or impute the data first`);
  }
}

function describe(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? ((v as object).constructor?.name ?? 'object') : typeof v;
}
