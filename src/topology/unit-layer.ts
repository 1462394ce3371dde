// The N x N unit layers of a radix list (docs/radixnet.md, section 2). Unit layer W has W[i, c] = 1 exactly when
// c = (i - j*p) mod N for some j < r, i.e. output c reads inputs (c + j*p) mod N. Because r*p <= N those r offsets
// are distinct and below N, so every row and column has exactly r ones. Nothing here materialises N x N.
import { type RadixList, unitSize, validateRadixList } from './radix.js';

/** One N x N unit layer: radix r at place value p (the product of the radices before it in its sublist). */
export class UnitLayer {
  /**
   * @param n neurons N on each side
   * @param radix r, the fan-in and fan-out of every neuron
   * @param place p, the stride between the r inputs of an output; r * p <= N
   */
  constructor(
    readonly n: number,
    readonly radix: number,
    readonly place: number,
  ) {
    if (radix * place > n) throw new RangeError(`unit layer radix ${radix} * place ${place} exceeds N = ${n}`);
  }

  /** Ones in each row, an input's fan-out: always r. */
  get onesPerRow(): number {
    return this.radix;
  }

  /** Ones in each column, an output's fan-in: always r. */
  get onesPerColumn(): number {
    return this.radix;
  }

  /** Nonzeros of the whole N x N unit layer: N * r. */
  get nnz(): number {
    return this.n * this.radix;
  }

  /**
   * Writes output c's r inputs, ascending, into out[0..r) and returns out.
   * The offsets c + j*p that reach N wrap to small indices, so they come first, still ascending.
   */
  inputsOf(c: number, out: Int32Array = new Int32Array(this.radix)): Int32Array {
    const { n, radix: r, place: p } = this;
    // j < unwrapped gives c + j*p < N
    const unwrapped = Math.min(r, Math.ceil((n - c) / p));
    let k = 0;
    for (let j = unwrapped; j < r; j++) out[k++] = c + j * p - n;
    for (let j = 0; j < unwrapped; j++) out[k++] = c + j * p;
    return out;
  }

  /** Writes input i's r outputs, ascending, into out[0..r) and returns out (the mirror image of inputsOf). */
  outputsOf(i: number, out: Int32Array = new Int32Array(this.radix)): Int32Array {
    const { n, radix: r, place: p } = this;
    // j < unwrapped gives i - j*p >= 0; those are descending, the wrapped ones (i - j*p + N) descending above them
    const unwrapped = Math.min(r, Math.floor(i / p) + 1);
    let k = 0;
    for (let j = unwrapped - 1; j >= 0; j--) out[k++] = i - j * p;
    for (let j = r - 1; j >= unwrapped; j--) out[k++] = i - j * p + n;
    return out;
  }

  /**
   * How many of output c's r inputs are below `limit` (0 <= limit <= N), in O(1): the unwrapped offsets c + j*p and
   * the wrapped ones c + j*p - N are two arithmetic progressions. Counts the inputs a trimmed partial block keeps.
   */
  inputsBelow(c: number, limit: number): number {
    const { n, radix: r, place: p } = this;
    const unwrapped = Math.min(r, Math.ceil((n - c) / p));
    const low = clamp(Math.ceil((limit - c) / p), 0, unwrapped);
    const high = clamp(Math.ceil((limit + n - c) / p), unwrapped, r) - unwrapped;
    return low + high;
  }

  /**
   * Writes output c's inputs below `limit` (0 <= limit <= N), ascending, into out and returns how many: at most
   * min(r, limit), so a mask of few inputs never pays for a huge radix.
   */
  inputsOfBelow(c: number, limit: number, out: Int32Array): number {
    const { n, radix: r, place: p } = this;
    const unwrapped = Math.min(r, Math.ceil((n - c) / p));
    const low = clamp(Math.ceil((limit - c) / p), 0, unwrapped);
    const high = clamp(Math.ceil((limit + n - c) / p), unwrapped, r);
    let k = 0;
    for (let j = unwrapped; j < high; j++) out[k++] = c + j * p - n;
    for (let j = 0; j < low; j++) out[k++] = c + j * p;
    return k;
  }

  /** Whether W[i, c] = 1, in O(1). */
  has(i: number, c: number): boolean {
    const d = (((i - c) % this.n) + this.n) % this.n;
    return d % this.place === 0 && d / this.place < this.radix;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** The unit layers of a radix list, one per radix in order (validates the list first). */
export function unitLayers(list: RadixList): UnitLayer[] {
  validateRadixList(list);
  const n = unitSize(list);
  const layers: UnitLayer[] = [];
  for (const sub of list) {
    let place = 1;
    for (const r of sub) {
      layers.push(new UnitLayer(n, r, place));
      place *= r;
    }
  }
  return layers;
}
