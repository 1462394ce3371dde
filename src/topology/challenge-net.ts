// The networks of the Sparse DNN Graph Challenge, generated (docs/graph-challenge.md says how they may differ from
// the official files): N neurons per layer, 32 connections per neuron, every weight 1/16. Layer l is layer l mod k of
// the radix-2 RadiX-Net on N/16 neurons (k = log2(N/16) layers) with Kronecker width 16 (src/topology/radixnet.ts:
// entry (i, j) is the unit layer's entry at (i mod N/16, j mod N/16), so 2 x 16 = 32 inputs per neuron), and block
// q = floor(l / k) of k layers relabels the neurons by a seeded permutation (block 0 unpermuted), so that later
// blocks mix the groups the first block built. Layers are made one at a time from the formula, so a network of
// 65536 neurons by 1920 layers (4 G connections) never has to exist at once.
import { InputError } from '../errors.js';
import { Rng } from '../random.js';
import { radixNet } from './radixnet.js';
import type { SparseMask } from './mask.js';

/** One layer as CSR over outputs: output j reads inputs idx[ptr[j]..ptr[j+1]) (ascending) with weights w. */
export interface ChallengeLayer {
  neurons: number;
  ptr: Int32Array;
  idx: Int32Array;
  w: Float32Array;
}

/** The challenge's neuron counts, their biases, and its layer counts. */
export const CHALLENGE_BIAS: Readonly<Record<number, number>> = { 1024: -0.3, 4096: -0.35, 16384: -0.4, 65536: -0.45 };
export const CHALLENGE_LAYERS = [120, 480, 1920] as const;
/** Every weight of the challenge's networks. */
export const CHALLENGE_WEIGHT = 1 / 16;
/** The clamp on activations. */
export const CHALLENGE_YMAX = 32;
/** The Kronecker width of the generated networks (the dense block of the description). */
export const CHALLENGE_KRON = 16;
export const CHALLENGE_SEED = 2019;

/** The challenge's bias for `neurons`; other sizes need one given (`--bias`). */
export function challengeBias(neurons: number): number {
  const b = CHALLENGE_BIAS[neurons];
  if (b === undefined) {
    throw new InputError(
      `the challenge defines a bias only for ${Object.keys(CHALLENGE_BIAS).join(', ')} neurons, not ${neurons}; pass --bias B`,
    );
  }
  return b;
}

/** The radix list of the generated network's unit layers: radix 2, log2(N/16) times. */
export function challengeRadices(neurons: number): number[][] {
  const unit = neurons / CHALLENGE_KRON;
  const k = Math.log2(unit);
  if (!Number.isInteger(k) || k < 1 || neurons > 2 ** 24) {
    throw new InputError(
      `generated challenge networks need 16 x 2^k neurons (k >= 1, e.g. 1024 = 16 x 64), up to 2^24, got ${neurons}`,
    );
  }
  return [new Array<number>(k).fill(2)];
}

/** Connections (nonzero weights) of one generated layer. */
export function challengeLayerNnz(neurons: number): number {
  challengeRadices(neurons);
  return neurons * 2 * CHALLENGE_KRON;
}

/** Generates the layers of one network in order; `layer(l)` builds layer l (0-based) from the formula. */
export class ChallengeNet {
  readonly radices: number[][];
  /** Layers per block (k). */
  readonly block: number;
  private readonly base: SparseMask[];
  private perm: { block: number; p: Int32Array; inv: Int32Array } = {
    block: -1,
    p: new Int32Array(0),
    inv: new Int32Array(0),
  };

  constructor(
    readonly neurons: number,
    readonly layers: number,
    readonly seed = CHALLENGE_SEED,
  ) {
    if (!Number.isInteger(layers) || layers < 1)
      throw new InputError(`--layers must be a whole number >= 1, got ${layers}`);
    this.radices = challengeRadices(neurons);
    this.block = this.radices[0].length;
    const sizes = new Array<number>(this.block + 1).fill(neurons);
    this.base = radixNet(this.radices, sizes, { kron: new Array<number>(this.block + 1).fill(CHALLENGE_KRON) }).masks;
  }

  /** Nonzero weights of every layer together. */
  get nnz(): number {
    return this.layers * this.neurons * 2 * CHALLENGE_KRON;
  }

  /** The permutation of block q (identity for q = 0) and its inverse. */
  permutation(q: number): { p: Int32Array; inv: Int32Array } {
    if (this.perm.block !== q) {
      const n = this.neurons;
      const p = q === 0 ? Int32Array.from({ length: n }, (_, i) => i) : new Rng(this.seed * 4099 + q).permutation(n);
      const inv = new Int32Array(n);
      for (let i = 0; i < n; i++) inv[p[i]] = i;
      this.perm = { block: q, p, inv };
    }
    return this.perm;
  }

  /** Layer l (0-based): output p[j] reads inputs p[i] for the base layer's (i, j), p block l's permutation. */
  layer(l: number): ChallengeLayer {
    if (!Number.isInteger(l) || l < 0 || l >= this.layers)
      throw new RangeError(`layer ${l} outside 0..${this.layers - 1}`);
    const n = this.neurons;
    const mask = this.base[l % this.block];
    const { p, inv } = this.permutation(Math.floor(l / this.block));
    const ptr = new Int32Array(n + 1);
    const idx = new Int32Array(mask.nnz);
    for (let o = 0; o < n; o++) {
      const j = inv[o];
      const s = mask.rowPtr[j];
      const e = mask.rowPtr[j + 1];
      const at = ptr[o];
      for (let k = s; k < e; k++) idx[at + k - s] = p[mask.colIdx[k]];
      idx.subarray(at, at + e - s).sort();
      ptr[o + 1] = at + e - s;
    }
    return { neurons: n, ptr, idx, w: new Float32Array(mask.nnz).fill(CHALLENGE_WEIGHT) };
  }
}
