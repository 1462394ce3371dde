// A RadiX-Net fitted to real layer sizes (docs/radixnet.md, sections 3 and 4). Layer l's mask is kron(ones(B_l, B_{l+1}), W_l)
// trimmed to [n_l, n_{l+1}], so entry (i, c) is W_l[i mod N, c mod N]: output c reads every input i < n_l whose
// residue is one of the unit layer's inputs of c mod N. We build that CSR directly, never the Kronecker product.
import { InputError } from '../errors.js';
import { adoptMask, type FanStats, SparseMask } from './mask.js';
import { checkCost, maskCost } from './cost.js';
import { formatRadixList, parseRadixList, type RadixList, unitSize, validateRadixList } from './radix.js';
import { type UnitLayer, unitLayers } from './unit-layer.js';

/** Per-layer summary of a trimmed mask. */
export interface LayerStats {
  nIn: number;
  nOut: number;
  nnz: number;
  /** 1 - nnz / (nIn * nOut) */
  sparsity: number;
  fanIn: Omit<FanStats, 'mean'>;
  fanOut: Omit<FanStats, 'mean'>;
}

export interface RadixNet {
  radices: RadixList;
  /** Layer sizes n_0..n_L. */
  layers: number[];
  /** Kronecker widths B_0..B_L. */
  kron: number[];
  /** Neurons per unit layer (product of the first sublist). */
  N: number;
  unitLayers: UnitLayer[];
  /** masks[l] has shape [n_l, n_{l+1}]. */
  masks: SparseMask[];
  /** 1 - (nonzeros of the trimmed masks) / sum(n_l * n_{l+1}). */
  sparsity: number;
  /** The same ratio on the untrimmed Kronecker masks, of shape [B_l N, B_{l+1} N]. */
  kroneckerSparsity: number;
  layerStats: LayerStats[];
}

const MAX_INDEX = 2 ** 31 - 1;

/**
 * Builds the trimmed RadiX-Net masks of `list` for layer sizes `layers` (n_0..n_L, L = number of radices).
 * @param opts.kron Kronecker widths B_0..B_L (default ceil(n_l / N)); each needs B_l * N >= n_l.
 */
export function radixNet(list: RadixList | string, layers: number[], opts: { kron?: number[] } = {}): RadixNet {
  const plan = planNet(list, layers, opts.kron);
  checkCost(
    `the RadiX-Net ${formatRadixList(plan.radices)} on layers ${layers.join(',')}`,
    maskCost(layers, plan.nnz),
    'use smaller layers or sparser radices',
  );
  const masks = plan.units.map((unit, l) => buildMask(unit, layers[l], layers[l + 1], plan.nnz[l]));
  const layerStats = masks.map((m): LayerStats => {
    const fanIn = m.fanIn;
    const fanOut = m.fanOut;
    return {
      nIn: m.nIn,
      nOut: m.nOut,
      nnz: m.nnz,
      sparsity: 1 - m.density,
      fanIn: { min: fanIn.min, max: fanIn.max },
      fanOut: { min: fanOut.min, max: fanOut.max },
    };
  });
  return {
    radices: plan.radices,
    layers: [...layers],
    kron: plan.kron,
    N: plan.n,
    unitLayers: plan.units,
    masks,
    sparsity: plan.sparsity,
    kroneckerSparsity: plan.kroneckerSparsity,
    layerStats,
  };
}

/**
 * Both sparsities of the RadiX-Net without building a mask: O(min(N, n_{l+1})) work per layer, counting each
 * output residue's inputs in closed form. Same values, bit for bit, as radixNet's.
 */
export function radixNetSparsity(
  list: RadixList | string,
  layers: number[],
  kron?: number[],
): { sparsity: number; kroneckerSparsity: number } {
  const { sparsity, kroneckerSparsity } = planNet(list, layers, kron);
  return { sparsity, kroneckerSparsity };
}

/** The default Kronecker widths B_l = ceil(n_l / N). */
export function defaultKron(layers: readonly number[], n: number): number[] {
  return layers.map((size) => Math.ceil(size / n));
}

/**
 * Parses comma-separated positive integers such as `784,300,100,10` (layer sizes, Kronecker widths).
 * @param what how error messages name the list: the caller's word for it ('layer sizes', or a CLI flag in the CLI).
 */
export function parseSizes(text: string, what = 'sizes'): number[] {
  const parts = text.split(',').map((t) => t.trim());
  return parts.map((t, k) => {
    if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > MAX_INDEX) {
      throw new InputError(
        `${what} entry ${k + 1} is '${t}' in '${text}'; give comma-separated whole numbers from 1 to ` +
          `2^31 - 1, e.g. 784,300,100,10`,
      );
    }
    return Number(t);
  });
}

/** Checks layer sizes n_0..n_L: at least two, each a whole number from 1 to 2^31 - 1. */
export function validateLayers(layers: readonly number[]): void {
  if (!Array.isArray(layers) || layers.length < 2) {
    throw new InputError(
      `a network needs at least two layer sizes (input and output), got ${JSON.stringify(layers)}; ` +
        `e.g. 784,300,100,10`,
    );
  }
  layers.forEach((size, l) => {
    if (!Number.isInteger(size) || size < 1 || size > MAX_INDEX) {
      throw new InputError(
        `layer size n_${l} is ${size}; layer sizes must be whole numbers from 1 to 2^31 - 1, ` + `e.g. 784,300,100,10`,
      );
    }
  });
}

interface Plan {
  radices: RadixList;
  n: number;
  kron: number[];
  units: UnitLayer[];
  nnz: number[];
  sparsity: number;
  kroneckerSparsity: number;
}

/** Validates everything and counts nonzeros, so radixNet can allocate exactly and radixNetSparsity can stop here. */
function planNet(input: RadixList | string, layers: number[], kronIn?: number[]): Plan {
  const radices = typeof input === 'string' ? parseRadixList(input) : input;
  validateLayers(layers);
  validateRadixList(radices, layers.length - 1);
  const own = radices.map((sub) => [...sub]);
  const n = unitSize(radices);
  const kron = kronIn ?? defaultKron(layers, n);
  validateKron(kron, layers, n);
  const units = unitLayers(radices);
  // counting visits min(N, n_{l+1}) output residues per layer
  const steps = layers.slice(1).reduce((s, size) => s + Math.min(n, size), 0);
  checkCost(
    `counting the connections of ${formatRadixList(radices)} on layers ${layers.join(',')}`,
    { bytes: 0, steps },
    'use smaller layers or radices',
  );
  const nnz = units.map((unit, l) => {
    const count = countNonzeros(unit, layers[l], layers[l + 1]);
    if (count > MAX_INDEX) {
      throw new InputError(
        `mask ${l} (${layers[l]} x ${layers[l + 1]}) would have ${count} connections, more than the ` +
          `2^31 - 1 a compressed mask can index; use smaller layers or radices`,
      );
    }
    return count;
  });
  let kept = 0;
  let size = 0;
  let kronKept = 0;
  let kronSize = 0;
  units.forEach((unit, l) => {
    kept += nnz[l];
    size += layers[l] * layers[l + 1];
    kronKept += kron[l] * kron[l + 1] * n * unit.radix;
    kronSize += kron[l] * n * kron[l + 1] * n;
  });
  return {
    radices: own,
    n,
    kron: [...kron],
    units,
    nnz,
    sparsity: 1 - kept / size,
    kroneckerSparsity: 1 - kronKept / kronSize,
  };
}

function validateKron(kron: readonly number[], layers: readonly number[], n: number): void {
  if (!Array.isArray(kron) || kron.length !== layers.length) {
    throw new InputError(
      `got ${Array.isArray(kron) ? kron.length : 'no'} Kronecker widths but ${layers.length} layer ` +
        `sizes; give one width B_l per layer size (the default is ${defaultKron(layers, n).join(',')})`,
    );
  }
  kron.forEach((b, l) => {
    if (!Number.isInteger(b) || b < 1 || b > MAX_INDEX) {
      throw new InputError(`Kronecker width B_${l} is ${b}; widths must be whole numbers from 1 to 2^31 - 1`);
    }
    if (b * n < layers[l]) {
      throw new InputError(
        `Kronecker width B_${l} = ${b} is too small: B_${l} * N = ${b * n} < n_${l} = ${layers[l]}; ` +
          `use B_${l} >= ${Math.ceil(layers[l] / n)}`,
      );
    }
  });
}

/** Inputs of output c in the trimmed mask: r per whole block of N inputs, plus those below the partial block's end. */
function fanInOf(unit: UnitLayer, nIn: number, c: number): number {
  const n = unit.n;
  return unit.radix * Math.floor(nIn / n) + unit.inputsBelow(c % n, nIn % n);
}

/** Nonzeros of the trimmed [nIn, nOut] mask; outputs with the same residue mod N have the same fan-in. */
function countNonzeros(unit: UnitLayer, nIn: number, nOut: number): number {
  const n = unit.n;
  const residues = Math.min(n, nOut);
  let total = 0;
  for (let c = 0; c < residues; c++) {
    const copies = Math.floor(nOut / n) + (c < nOut % n ? 1 : 0);
    total += copies * fanInOf(unit, nIn, c);
  }
  return total;
}

/** The trimmed mask in CSR: the first min(N, nOut) outputs from the unit layer, the rest copies of output c - N. */
function buildMask(unit: UnitLayer, nIn: number, nOut: number, nnz: number): SparseMask {
  const n = unit.n;
  const rowPtr = new Int32Array(nOut + 1);
  for (let c = 0; c < nOut; c++) rowPtr[c + 1] = rowPtr[c] + fanInOf(unit, nIn, c % n);
  const colIdx = new Int32Array(nnz);
  // only residues below nIn are ever used: sized by them, not by the radix (which may be up to 2^31)
  const limit = Math.min(n, nIn);
  const residues = new Int32Array(Math.min(unit.radix, limit));
  const head = Math.min(n, nOut);
  for (let c = 0; c < head; c++) {
    const count = unit.inputsOfBelow(c, limit, residues);
    let k = rowPtr[c];
    // blocks ascend and residues ascend within a block, so inputs come out sorted
    for (let base = 0; base < nIn; base += n) {
      for (let j = 0; j < count; j++) {
        const i = base + residues[j];
        if (i >= nIn) break;
        colIdx[k++] = i;
      }
    }
  }
  for (let c = head; c < nOut; c++) colIdx.copyWithin(rowPtr[c], rowPtr[c - n], rowPtr[c - n + 1]);
  return adoptMask(nIn, nOut, rowPtr, colIdx);
}
