// The paper's Mask utility for tfjs: any 0/1 connection pattern of a [nIn, nOut] kernel — a RadiX-Net layer, a
// random static mask, a magnitude-pruned mask or the user's own array — as one type that radixDense enforces at
// every step. It wraps the topology's SparseMask (CSR over outputs) and adds what tfjs needs: a cached 0/1 tensor
// for the masked-dense path, and a compact spec that survives model.save / tf.loadLayersModel.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors.js';
import { DEFAULT_SEED } from '../random.js';
import { MAX_DENSE_ELEMENTS, SparseMask } from '../topology/mask.js';
import { largestMagnitude, randomMask } from '../topology/mask-select.js';
import { radixNet } from '../topology/radixnet.js';
import { formatRadixList, parseRadixList, type RadixList } from '../topology/radix.js';

/**
 * How a mask is stored in a layer config (model.json). RadiX-Net layers store their recipe (a few bytes); anything
 * else stores its bits: a bitset over the dense index i * nOut + o (least significant bit first), deflated, in
 * lowercase base32. Not base64: tfjs-layers snake_cases every string of a config on save and camelCases it on load,
 * which only strings without capitals or underscores survive.
 */
export type MaskSpec =
  | { type: 'radix'; radices: string; layers: number[]; layer: number; kron?: number[] }
  | { type: 'full'; nIn: number; nOut: number }
  | { type: 'bits'; nIn: number; nOut: number; nnz: number; bits: string };

/** What `Mask.from` accepts: a flat 0/1 array (input-major, with `shape`), nested rows [nIn][nOut], or a tensor. */
export type MaskValues = ArrayLike<number> | number[][] | tf.Tensor;

export class Mask {
  private tensor: tf.Tensor2D | null = null;

  private constructor(
    readonly sparse: SparseMask,
    readonly spec: MaskSpec,
  ) {}

  get nIn(): number {
    return this.sparse.nIn;
  }

  get nOut(): number {
    return this.sparse.nOut;
  }

  /** Connections kept. */
  get nnz(): number {
    return this.sparse.nnz;
  }

  /** 1 - nnz / (nIn * nOut). */
  get sparsity(): number {
    return 1 - this.sparse.density;
  }

  /** [nIn, nOut], the shape of the kernel it masks. */
  get shape(): [number, number] {
    return [this.nIn, this.nOut];
  }

  /**
   * A mask from 0/1 values: a flat array of length nIn * nOut indexed i * nOut + o (give `shape`), nested rows
   * [nIn][nOut], or a 2-D tensor of any numeric dtype. Any value other than 0 and 1 is an InputError.
   */
  static from(values: MaskValues | SparseMask | Mask, shape?: readonly [number, number]): Mask {
    if (values instanceof Mask) return checkShape(values, shape);
    if (values instanceof SparseMask) return checkShape(Mask.fromSparse(values), shape);
    let flat: ArrayLike<number>;
    let dims: [number, number];
    if (values instanceof tf.Tensor) {
      if (values.rank !== 2)
        throw new InputError(`a mask tensor must be 2-D [nIn, nOut], got shape [${values.shape.join(', ')}]`);
      flat = values.dataSync() as ArrayLike<number>;
      dims = [values.shape[0] as number, values.shape[1] as number];
    } else if (Array.isArray(values) && values.length > 0 && Array.isArray(values[0])) {
      const rows = values as number[][];
      const nOut = rows[0].length;
      const out = new Float64Array(rows.length * nOut);
      rows.forEach((row, i) => {
        if (!Array.isArray(row) || row.length !== nOut) {
          throw new InputError(
            `mask row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries but row 0 has ${nOut}; a mask is [nIn][nOut]`,
          );
        }
        out.set(row, i * nOut);
      });
      flat = out;
      dims = [rows.length, nOut];
    } else {
      if (!shape)
        throw new InputError(
          `a flat mask of ${(values as ArrayLike<number>).length} values needs its shape [nIn, nOut]`,
        );
      flat = values as ArrayLike<number>;
      dims = [shape[0], shape[1]];
    }
    if (shape && (shape[0] !== dims[0] || shape[1] !== dims[1])) {
      throw new InputError(
        `mask has shape [${dims.join(', ')}] but the kernel is [${shape.join(', ')}]; a mask must match its kernel`,
      );
    }
    // SparseMask.fromDense names the first value that is not 0 or 1
    return Mask.fromSparse(SparseMask.fromDense(flat, dims[0], dims[1]));
  }

  /** Wraps a SparseMask (stored in a config as a bitset, or as `full` when every connection is present). */
  static fromSparse(sparse: SparseMask): Mask {
    if (sparse.nnz === sparse.nIn * sparse.nOut)
      return new Mask(sparse, { type: 'full', nIn: sparse.nIn, nOut: sparse.nOut });
    return new Mask(sparse, {
      type: 'bits',
      nIn: sparse.nIn,
      nOut: sparse.nOut,
      nnz: sparse.nnz,
      bits: encodeBits(sparse),
    });
  }

  /** One mask per weight layer of the RadiX-Net `radices` (e.g. '10,10/10') on layer sizes `layers`. */
  static radix(radices: string | RadixList, layers: number[], opts: { kron?: number[] } = {}): Mask[] {
    const list = typeof radices === 'string' ? parseRadixList(radices) : radices;
    const net = radixNet(list, layers, { kron: opts.kron });
    const text = formatRadixList(net.radices);
    return net.masks.map(
      (m, l) =>
        new Mask(m, {
          type: 'radix',
          radices: text,
          layers: [...layers],
          layer: l,
          ...(opts.kron ? { kron: [...opts.kron] } : {}),
        }),
    );
  }

  /** Every connection present: a dense layer through the same path. */
  static full(nIn: number, nOut: number): Mask {
    return new Mask(SparseMask.full(nIn, nOut), { type: 'full', nIn, nOut });
  }

  /** A random static mask keeping exactly round(density * nIn * nOut) connections, drawn from `seed`. */
  static random(nIn: number, nOut: number, density: number, seed = DEFAULT_SEED): Mask {
    if (!(density >= 0 && density <= 1)) throw new InputError(`random mask density must be in [0, 1], got ${density}`);
    return Mask.fromSparse(randomMask(nIn, nOut, Math.round(density * nIn * nOut), seed));
  }

  /**
   * Magnitude pruning: keeps the round(keep * nIn * nOut) entries of `kernel` ([nIn, nOut], tensor or flat array)
   * with the largest |w| (ties: lower index first). `keep` is the fraction kept, e.g. 0.1 for 90% sparsity.
   */
  static magnitude(kernel: tf.Tensor | ArrayLike<number>, keep: number, shape?: readonly [number, number]): Mask {
    if (!(keep >= 0 && keep <= 1))
      throw new InputError(`magnitude pruning keeps a fraction in [0, 1] of the weights, got ${keep}`);
    let values: ArrayLike<number>;
    let dims: readonly [number, number];
    if (kernel instanceof tf.Tensor) {
      if (kernel.rank !== 2)
        throw new InputError(
          `magnitude pruning needs a 2-D kernel [nIn, nOut], got shape [${kernel.shape.join(', ')}]`,
        );
      values = kernel.dataSync() as ArrayLike<number>;
      dims = [kernel.shape[0] as number, kernel.shape[1] as number];
    } else {
      if (!shape)
        throw new InputError(
          `magnitude pruning of a flat array of ${kernel.length} values needs its shape [nIn, nOut]`,
        );
      values = kernel;
      dims = shape;
    }
    return Mask.fromSparse(largestMagnitude(values, dims[0], dims[1], Math.round(keep * dims[0] * dims[1])));
  }

  /** Rebuilds a mask from its spec (a layer config's `mask`), checking it. */
  static decode(spec: MaskSpec): Mask {
    if (spec === null || typeof spec !== 'object')
      throw new InputError(`a mask spec must be an object with a "type", got ${JSON.stringify(spec)}`);
    switch (spec.type) {
      case 'radix': {
        const masks = Mask.radix(spec.radices, spec.layers, { kron: spec.kron });
        if (!Number.isInteger(spec.layer) || spec.layer < 0 || spec.layer >= masks.length) {
          throw new InputError(`mask spec names layer ${spec.layer} of a RadiX-Net with ${masks.length} weight layers`);
        }
        return masks[spec.layer];
      }
      case 'full':
        return Mask.full(spec.nIn, spec.nOut);
      case 'bits': {
        const sparse = decodeBits(spec);
        return new Mask(sparse, { ...spec });
      }
      default:
        throw new InputError(`unknown mask spec type "${(spec as { type: unknown }).type}": use radix, full or bits`);
    }
  }

  /** The dense 0/1 float32 tensor [nIn, nOut], made once and kept (do not dispose it). */
  toTensor(): tf.Tensor2D {
    if (!this.tensor || this.tensor.isDisposed) {
      const dense = this.sparse.toDense();
      this.tensor = tf.keep(tf.tensor2d(Float32Array.from(dense), [this.nIn, this.nOut], 'float32'));
    }
    return this.tensor;
  }

  /** The dense 0/1 values, index i * nOut + o. */
  toArray(): Uint8Array {
    return this.sparse.toDense();
  }

  /** kernel * mask: the paper's way of enforcing the mask on a dense kernel [nIn, nOut]. */
  apply(kernel: tf.Tensor): tf.Tensor2D {
    if (kernel.rank !== 2 || kernel.shape[0] !== this.nIn || kernel.shape[1] !== this.nOut) {
      throw new InputError(
        `kernel has shape [${kernel.shape.join(', ')}] but the mask is [${this.nIn}, ${this.nOut}]; a mask must match its kernel`,
      );
    }
    return tf.mul(kernel, this.toTensor());
  }

  /** Same shape and connections. */
  equals(other: Mask): boolean {
    return this.sparse.equals(other.sparse);
  }
}

function checkShape(mask: Mask, shape: readonly [number, number] | undefined): Mask {
  if (shape && (shape[0] !== mask.nIn || shape[1] !== mask.nOut)) {
    throw new InputError(
      `mask has shape [${mask.nIn}, ${mask.nOut}] but the kernel is [${shape.join(', ')}]; a mask must match its kernel`,
    );
  }
  return mask;
}

/** Bitset of the dense index i * nOut + o, LSB first, deflated, base32. */
function encodeBits(mask: SparseMask): string {
  const size = mask.nIn * mask.nOut;
  const bytes = new Uint8Array(Math.ceil(size / 8));
  const { nOut, rowPtr, colIdx } = mask;
  for (let o = 0; o < nOut; o++) {
    for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) {
      const idx = colIdx[k] * nOut + o;
      bytes[idx >> 3] |= 1 << (idx & 7);
    }
  }
  return toBase32(deflateRawSync(bytes, { level: 9 }));
}

function decodeBits(spec: Extract<MaskSpec, { type: 'bits' }>): SparseMask {
  const { nIn, nOut } = spec;
  if (!Number.isInteger(nIn) || !Number.isInteger(nOut) || nIn < 1 || nOut < 1) {
    throw new InputError(`mask spec has shape [${nIn}, ${nOut}]; both sizes must be integers >= 1`);
  }
  const size = nIn * nOut;
  if (size > MAX_DENSE_ELEMENTS) {
    throw new InputError(
      `mask spec has shape [${nIn}, ${nOut}], ${size} entries, more than the ${MAX_DENSE_ELEMENTS} a bits mask may hold; the saved model is damaged`,
    );
  }
  const packed = typeof spec.bits === 'string' ? fromBase32(spec.bits) : null;
  let bytes: Uint8Array | null = null;
  try {
    // capped at one byte past the stated size: a deflate bomb stops there instead of inflating gigabytes
    bytes = packed ? inflateRawSync(packed, { maxOutputLength: Math.ceil(size / 8) + 1 }) : null;
  } catch {
    // not a deflate stream, or longer than the shape allows: reported below with the sizes
  }
  if (!bytes || bytes.length !== Math.ceil(size / 8)) {
    throw new InputError(
      `mask spec bits decode to ${bytes?.length ?? 'no'} bytes but a [${nIn}, ${nOut}] mask needs ${Math.ceil(size / 8)}; the saved model is damaged`,
    );
  }
  const dense = new Uint8Array(size);
  for (let idx = 0; idx < size; idx++) dense[idx] = (bytes[idx >> 3] >> (idx & 7)) & 1;
  const sparse = SparseMask.fromDense(dense, nIn, nOut);
  if (spec.nnz !== undefined && sparse.nnz !== spec.nnz) {
    throw new InputError(
      `mask spec says ${spec.nnz} connections but its bits hold ${sparse.nnz}; the saved model is damaged`,
    );
  }
  return sparse;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32 in lowercase, unpadded. */
function toBase32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}

function fromBase32(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const ch of text) {
    const v = BASE32.indexOf(ch);
    if (v < 0)
      throw new InputError(`mask spec bits hold "${ch}", which is not lowercase base32; the saved model is damaged`);
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out[n++] = (acc >>> (bits - 8)) & 255;
      bits -= 8;
      acc &= (1 << bits) - 1;
    }
  }
  return out;
}
