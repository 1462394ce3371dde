// A 0/1 connection mask of shape [nIn, nOut] (input-major, like a Keras kernel), stored as CSR over outputs:
// output o reads inputs colIdx[rowPtr[o] .. rowPtr[o+1]), ascending. RadiX-Nets, random masks and pruning masks all
// use it, so it allows any pattern (outputs or inputs with no connection included) and never goes dense by itself.
import { InputError } from '../errors.js';
import { checkCost, maskCost } from './cost.js';

/** Minimum, maximum and mean of per-neuron connection counts. */
export interface FanStats {
  min: number;
  max: number;
  mean: number;
}

/** Largest dense form toDense will build (elements): a guard against asking for N x N with N = 65536. */
export const MAX_DENSE_ELEMENTS = 2 ** 31 - 1;

/** Set while a builder of this module hands over arrays it made itself and keeps no reference to (no copy needed). */
let adopting = false;

export class SparseMask {
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;

  /**
   * Checks CSR arrays (O(nnz)) and keeps copies of them, so that changing the caller's arrays afterwards cannot make a
   * model built on the mask read outside its inputs: rowPtr is (nOut+1) non-decreasing from 0 to nnz, and each
   * output's inputs are strictly ascending and in [0, nIn).
   */
  constructor(
    readonly nIn: number,
    readonly nOut: number,
    rowPtr: Int32Array,
    colIdx: Int32Array,
  ) {
    checkSize('nIn', nIn);
    checkSize('nOut', nOut);
    if (!(rowPtr instanceof Int32Array) || !(colIdx instanceof Int32Array)) {
      throw new InputError(`mask rowPtr and colIdx must be Int32Arrays, got ${kind(rowPtr)} and ${kind(colIdx)}`);
    }
    this.rowPtr = adopting ? rowPtr : rowPtr.slice();
    this.colIdx = adopting ? colIdx : colIdx.slice();
    checkCsr(nIn, nOut, this.rowPtr, this.colIdx);
  }

  /**
   * A checked copy of a mask from elsewhere: a SparseMask whose arrays may have been changed since it was made, or a
   * plain object of the same shape. Models take their masks through this, so a tampered index is an InputError here,
   * never a read outside the model's memory.
   */
  static copyOf(mask: unknown, what = 'mask'): SparseMask {
    const m = mask as Partial<SparseMask> | null;
    if (m === null || typeof m !== 'object')
      throw new InputError(`${what} must be a SparseMask (or null for dense), got ${kind(mask)}`);
    try {
      return new SparseMask(m.nIn as number, m.nOut as number, m.rowPtr as Int32Array, m.colIdx as Int32Array);
    } catch (err) {
      if (err instanceof InputError) throw new InputError(`${what}: ${err.message}`);
      throw err;
    }
  }

  /** Number of connections (ones). */
  get nnz(): number {
    return this.colIdx.length;
  }

  /** nnz / (nIn * nOut); 0 for an empty shape. */
  get density(): number {
    const size = this.nIn * this.nOut;
    return size === 0 ? 0 : this.nnz / size;
  }

  /** The ascending inputs of output o, as a view into colIdx. */
  inputsOf(o: number): Int32Array {
    return this.colIdx.subarray(this.rowPtr[o], this.rowPtr[o + 1]);
  }

  /** Per output: how many inputs it reads (length nOut). */
  fanInCounts(): Int32Array {
    const counts = new Int32Array(this.nOut);
    for (let o = 0; o < this.nOut; o++) counts[o] = this.rowPtr[o + 1] - this.rowPtr[o];
    return counts;
  }

  /** Per input: how many outputs read it (length nIn). */
  fanOutCounts(): Int32Array {
    const counts = new Int32Array(this.nIn);
    const idx = this.colIdx;
    for (let k = 0; k < idx.length; k++) counts[idx[k]]++;
    return counts;
  }

  /** Fan-in (inputs per output) statistics. */
  get fanIn(): FanStats {
    return fanStats(this.fanInCounts());
  }

  /** Fan-out (outputs per input) statistics. */
  get fanOut(): FanStats {
    return fanStats(this.fanOutCounts());
  }

  /** The dense 0/1 form, index i * nOut + o (length nIn * nOut). Refuses shapes beyond MAX_DENSE_ELEMENTS. */
  toDense(): Uint8Array {
    const size = this.nIn * this.nOut;
    if (size > MAX_DENSE_ELEMENTS) {
      throw new InputError(
        `a dense ${this.nIn} x ${this.nOut} mask would have ${size} elements, more than ` +
          `${MAX_DENSE_ELEMENTS}; keep masks this large in compressed form`,
      );
    }
    const dense = new Uint8Array(size);
    const { nOut, rowPtr, colIdx } = this;
    for (let o = 0; o < nOut; o++) {
      for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) dense[colIdx[k] * nOut + o] = 1;
    }
    return dense;
  }

  /** Builds a mask from a dense 0/1 array of length nIn * nOut, index i * nOut + o. */
  static fromDense(dense: ArrayLike<number>, nIn: number, nOut: number): SparseMask {
    checkSize('nIn', nIn);
    checkSize('nOut', nOut);
    if (dense.length !== nIn * nOut) {
      throw new InputError(`a dense ${nIn} x ${nOut} mask needs ${nIn * nOut} values, got ${dense.length}`);
    }
    const rowPtr = new Int32Array(nOut + 1);
    let nnz = 0;
    for (let k = 0; k < dense.length; k++) {
      const v = dense[k];
      if (v === 1) {
        nnz++;
        rowPtr[(k % nOut) + 1]++;
      } else if (v !== 0) {
        throw new InputError(
          `mask value at input ${Math.floor(k / nOut)}, output ${k % nOut} is ${v}; a mask holds only 0 and 1`,
        );
      }
    }
    for (let o = 0; o < nOut; o++) rowPtr[o + 1] += rowPtr[o];
    const colIdx = new Int32Array(nnz);
    const next = rowPtr.slice(0, nOut);
    // scanning input-major visits each output's inputs in ascending order
    for (let i = 0; i < nIn; i++) {
      const base = i * nOut;
      for (let o = 0; o < nOut; o++) if (dense[base + o] === 1) colIdx[next[o]++] = i;
    }
    return adoptMask(nIn, nOut, rowPtr, colIdx);
  }

  /** The dense layer: every input connected to every output. */
  static full(nIn: number, nOut: number): SparseMask {
    checkSize('nIn', nIn);
    checkSize('nOut', nOut);
    if (nIn * nOut > 2 ** 31 - 1)
      throw new InputError(`a full ${nIn} x ${nOut} mask has more than 2^31 - 1 connections`);
    checkCost(
      `a full ${nIn} x ${nOut} mask`,
      maskCost([nIn, nOut], [nIn * nOut]),
      'use a sparser mask or smaller layers',
    );
    const rowPtr = new Int32Array(nOut + 1);
    const colIdx = new Int32Array(nIn * nOut);
    for (let o = 0; o < nOut; o++) {
      rowPtr[o + 1] = (o + 1) * nIn;
      for (let i = 0; i < nIn; i++) colIdx[o * nIn + i] = i;
    }
    return adoptMask(nIn, nOut, rowPtr, colIdx);
  }

  /** Same shape and the same connections. */
  equals(other: SparseMask): boolean {
    return (
      this.nIn === other.nIn &&
      this.nOut === other.nOut &&
      this.nnz === other.nnz &&
      bytesOf(this.rowPtr).equals(bytesOf(other.rowPtr)) &&
      bytesOf(this.colIdx).equals(bytesOf(other.colIdx))
    );
  }

  /**
   * A 64-bit content hash (16 hex digits) of the shape and connections, for dedup: equal masks hash equal; unequal
   * ones collide with probability about 2^-64, so confirm with equals when it matters.
   */
  hash(): string {
    let h1 = 0x811c9dc5 ^ this.nIn;
    let h2 = 0x9e3779b9 ^ Math.imul(this.nOut, 0x85ebca6b);
    const mix = (v: number): void => {
      h1 = Math.imul(h1 ^ v, 0x01000193);
      h2 = Math.imul((h2 ^ v) + 0x7f4a7c15, 0xc2b2ae35);
      h2 ^= h2 >>> 15;
    };
    const { rowPtr, colIdx } = this;
    for (let k = 0; k < rowPtr.length; k++) mix(rowPtr[k]);
    for (let k = 0; k < colIdx.length; k++) mix(colIdx[k]);
    h1 ^= h1 >>> 16;
    h1 = Math.imul(h1, 0x85ebca6b);
    h1 ^= h1 >>> 13;
    return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
  }
}

/**
 * A mask over arrays the caller has just built and hands over (it must keep no reference that it writes to later):
 * checked like any mask, but not copied. For the builders of masks (radixNet, fromDense, full).
 */
export function adoptMask(nIn: number, nOut: number, rowPtr: Int32Array, colIdx: Int32Array): SparseMask {
  adopting = true;
  try {
    return new SparseMask(nIn, nOut, rowPtr, colIdx);
  } finally {
    adopting = false;
  }
}

function checkCsr(nIn: number, nOut: number, rowPtr: Int32Array, colIdx: Int32Array): void {
  if (rowPtr.length !== nOut + 1) {
    throw new InputError(
      `mask rowPtr has length ${rowPtr.length}, but a mask with nOut = ${nOut} needs nOut + 1 = ${nOut + 1}`,
    );
  }
  if (rowPtr[0] !== 0 || rowPtr[nOut] !== colIdx.length) {
    throw new InputError(
      `mask rowPtr must run from 0 to colIdx.length = ${colIdx.length}, got ${rowPtr[0]} to ${rowPtr[nOut]}`,
    );
  }
  for (let o = 0; o < nOut; o++) {
    const start = rowPtr[o];
    const end = rowPtr[o + 1];
    if (end < start)
      throw new InputError(`mask rowPtr decreases at output ${o} (${start} then ${end}); it must be non-decreasing`);
    let prev = -1;
    for (let k = start; k < end; k++) {
      const i = colIdx[k];
      if (i <= prev || i >= nIn) {
        throw new InputError(
          `mask output ${o} lists input ${i} after ${prev}; inputs must be strictly ascending in [0, ${nIn})`,
        );
      }
      prev = i;
    }
  }
}

function kind(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? ((v as object).constructor?.name ?? 'object') : typeof v;
}

function fanStats(counts: Int32Array): FanStats {
  if (counts.length === 0) return { min: 0, max: 0, mean: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k];
    if (c < min) min = c;
    if (c > max) max = c;
    sum += c;
  }
  return { min, max, mean: sum / counts.length };
}

function checkSize(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) {
    throw new InputError(`mask ${name} is ${n}; it must be a whole number from 0 to 2^31 - 1`);
  }
}

function bytesOf(a: Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
