// The radix-list enumerations behind the paper's figures (docs/radixnet.md, section 6): every valid list built from a set of
// factors (Fig. 3-5), and the "simple family" [[i,j],[k]] keyed by Kronecker sparsity (Fig. 8). Nothing here builds
// a mask: sparsities are counted in closed form and topologies are compared through an exact canonical key.
import { InputError } from '../errors.js';
import { checkCost, checkSoftLimit, LIMITS } from './cost.js';
import { formatRadixList, isValidRadixList, type RadixList } from './radix.js';
import { defaultKron, radixNetSparsity, validateLayers } from './radixnet.js';
import { unitLayers } from './unit-layer.js';

/** One valid radix list of an enumeration, with both sparsities of its RadiX-Net (default Kronecker widths). */
export interface EnumeratedList {
  radices: RadixList;
  /** Text form, e.g. `10,10/10`. */
  text: string;
  sparsity: number;
  kroneckerSparsity: number;
  /** Equal keys exactly when the trimmed mask sets are identical (see topologyKey). */
  key: string;
  /** Index of the list's distinct topology, numbered in order of first appearance. */
  topology: number;
}

export interface Enumeration {
  lists: EnumeratedList[];
  distinctTopologies: number;
}

/** Largest enumeration validPermutations will walk (sequences times cuts). */
export const MAX_CANDIDATES = 10_000_000;

/**
 * Every sequence in F^L (L = layers.length - 1, lexicographic like itertools.product), cut every way into consecutive
 * non-empty sublists (cut patterns in binary order, 2^(L-1) of them), keeping the lists valid for `layers`.
 * @param factors F, positive integers (duplicates ignored)
 * @param layers layer sizes n_0..n_L
 */
export function validPermutations(factors: number[], layers: number[], opts: EnumerationOptions = {}): Enumeration {
  validateLayers(layers);
  const f = checkFactors(factors);
  const depth = layers.length - 1;
  const candidates = f.length ** depth * 2 ** (depth - 1);
  if (candidates > MAX_CANDIDATES) {
    throw new InputError(
      `${f.length} factors on ${depth} weight layers give ${candidates} candidate lists, more than ` +
        `${MAX_CANDIDATES}; use fewer factors or layers`,
    );
  }
  const what = `the enumeration of ${f.length} factors on ${depth} weight layers`;
  warnIf(
    opts,
    checkSoftLimit(
      `${what} would examine`,
      candidates,
      LIMITS.enumeration,
      'RADIXNET_MAX_ENUMERATION',
      opts.force,
      (n) => `${n} candidate lists`,
    ),
  );
  // each valid list costs its sparsity count and its topology key (a bit per diagonal of every mask), kept in memory
  const keyChars = layers.slice(1).reduce((s, n, l) => s + Math.ceil((layers[l] + n) / 6) + 12, 0);
  const perList = layers.slice(1).reduce((s, n, l) => s + layers[l] + 2 * n, depth);
  checkCost(
    what,
    { bytes: candidates * (400 + 2 * keyChars), steps: candidates * perList },
    'use fewer factors or smaller layers',
  );
  const lists: EnumeratedList[] = [];
  const topologies = new Map<string, number>();
  const digits = new Array<number>(depth).fill(0);
  for (let done = false; !done;) {
    const sequence = digits.map((d) => f[d]);
    for (let cuts = 0; cuts < 2 ** (depth - 1); cuts++) {
      const radices = cut(sequence, cuts);
      if (!isValidRadixList(radices, depth)) continue;
      const key = topologyKey(radices, layers);
      let topology = topologies.get(key);
      if (topology === undefined) topologies.set(key, (topology = topologies.size));
      lists.push({ radices, text: formatRadixList(radices), ...radixNetSparsity(radices, layers), key, topology });
    }
    done = advance(digits, f.length);
  }
  return { lists, distinctTopologies: topologies.size };
}

/** A model of the simple family. */
export interface FamilyModel {
  radices: RadixList;
  text: string;
  /** Default Kronecker widths ceil(n_l / N), as the suite recorded them. */
  kron: number[];
  sparsity: number;
  kroneckerSparsity: number;
}

export interface SimpleFamily {
  /** Lists generated, [[i,j],[k]] for every i, j <= max and k | i*j. */
  candidates: number;
  /** Distinct Kronecker sparsity values among them (the size of the suite's dict). */
  distinct: number;
  /**
   * The study set: per distinct value >= the threshold, the last list with that value, sorted by ascending Kronecker
   * sparsity like the suite's training loop (so index k is the suite's model k in its smodels.txt).
   */
  models: FamilyModel[];
}

/**
 * The Fig. 8 family: [[i,j],[k]] for i, j in 1..max and k in 1..i*j dividing i*j, keyed by Kronecker sparsity the way
 * the suite's Python dict was (float64 equality; a later list with an equal value replaces the earlier one, which
 * keeps its place), then thresholded at minKroneckerSparsity. Needs 4 layer sizes (3 radices).
 */
export function simpleFamily(
  opts: { max?: number; minKroneckerSparsity?: number; layers?: number[] } & EnumerationOptions = {},
): SimpleFamily {
  const { max = 15, minKroneckerSparsity = 0.9, layers = [784, 300, 100, 10] } = opts;
  if (!Number.isInteger(max) || max < 1 || max > 46340) {
    throw new InputError(
      `the family's largest radix --max is ${max}; give a whole number from 1 to 46340 (the paper used 15)`,
    );
  }
  if (!Number.isFinite(minKroneckerSparsity)) {
    throw new InputError(`the sparsity threshold is ${minKroneckerSparsity}; give a number such as 0.9`);
  }
  validateLayers(layers);
  if (layers.length !== 4) {
    throw new InputError(
      `the simple family [[i,j],[k]] has 3 radices, so it needs 4 layer sizes, got ${layers.length} ` +
        `(${layers.join(',')}); e.g. 784,300,100,10`,
    );
  }
  // sum over i, j of d(i*j) is at most (sum of d(i))^2, known in O(max log max) before any list is built
  const divisorSum = divisorCountSum(max);
  const bound = divisorSum * divisorSum;
  const what = `the simple family up to --max ${max}`;
  warnIf(
    opts,
    checkSoftLimit(
      `${what} would examine up to`,
      bound,
      LIMITS.enumeration,
      'RADIXNET_MAX_ENUMERATION',
      opts.force,
      (n) => `${n} candidate lists`,
    ),
  );
  const perList = 30 + layers.slice(1).reduce((s, n) => s + Math.min(n, max * max), 0);
  checkCost(what, { bytes: bound * 200, steps: max * max * max + bound * perList }, 'use a smaller --max');
  const byValue = new Map<number, FamilyModel>();
  let candidates = 0;
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 1; i <= max; i++) {
    for (let j = 1; j <= max; j++) {
      // the divisors k of i*j, ascending (the order the suite's loop over k = 1..i*j met them)
      const n = i * j;
      small.length = 0;
      large.length = 0;
      for (let d = 1; d * d <= n; d++) {
        if (n % d !== 0) continue;
        small.push(d);
        if (d * d !== n) large.push(n / d);
      }
      for (const k of small.concat(large.reverse())) {
        const radices = [[i, j], [k]];
        const s = radixNetSparsity(radices, layers);
        const kron = defaultKron(layers, i * j);
        byValue.set(s.kroneckerSparsity, { radices, text: formatRadixList(radices), kron, ...s });
        candidates++;
      }
    }
  }
  const models = [...byValue.values()]
    .filter((m) => m.kroneckerSparsity >= minKroneckerSparsity)
    .sort((a, b) => a.kroneckerSparsity - b.kroneckerSparsity);
  return { candidates, distinct: byValue.size, models };
}

/**
 * A canonical key of the trimmed mask set: equal keys exactly when every layer's mask is identical.
 * Mask l has entry (i, c) = [((i - c) mod N) in {0, p, ..., (r-1)p}], a function of i - c alone (Toeplitz), and every
 * difference d in (-n_{l+1}, n_l) occurs, so the bits for those d describe the mask completely and nothing else.
 */
export function topologyKey(list: RadixList, layers: number[]): string {
  const units = unitLayers(list);
  return units
    .map((unit, l) => {
      const nIn = layers[l];
      const nOut = layers[l + 1];
      const bits = new Uint8Array(Math.ceil((nIn + nOut - 1) / 8));
      for (let d = -(nOut - 1), k = 0; d < nIn; d++, k++) if (unit.has(d, 0)) bits[k >> 3] |= 1 << (k & 7);
      return `${nIn}x${nOut}:${Buffer.from(bits.buffer).toString('base64')}`;
    })
    .join('|');
}

/** Options of the enumerations: going past LIMITS.enumeration needs `force`, and `warn` hears about it. */
export interface EnumerationOptions {
  force?: boolean;
  warn?: (line: string) => void;
}

function warnIf(opts: EnumerationOptions, line: string | null): void {
  if (line !== null) opts.warn?.(line);
}

/** d(1) + ... + d(max), where d counts divisors: a sieve, O(max log max). */
function divisorCountSum(max: number): number {
  let sum = 0;
  for (let d = 1; d <= max; d++) sum += Math.floor(max / d);
  return sum;
}

/** Parses `1..10` (a range) or `2,3,5` (a list) into factors. */
export function parseFactors(text: string): number[] {
  const range = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/.exec(text);
  if (range) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    if (lo < 1 || hi < lo) {
      throw new InputError(
        `factor range '${text}' is empty or starts below 1; write it as lo..hi with 1 <= lo <= hi, e.g. 1..10`,
      );
    }
    if (hi - lo >= 10_000)
      throw new InputError(`factor range '${text}' has ${hi - lo + 1} factors; give at most 10000`);
    return Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
  }
  return text.split(',').map((t) => {
    const s = t.trim();
    if (!/^\d+$/.test(s) || Number(s) < 1) {
      throw new InputError(
        `factor '${s}' in '${text}' is not a positive whole number; write factors as 1..10 or 2,3,5`,
      );
    }
    return Number(s);
  });
}

function checkFactors(factors: number[]): number[] {
  if (!Array.isArray(factors) || factors.length === 0) {
    throw new InputError('the factor set is empty; give at least one factor, e.g. 1..10 or 2,3,5');
  }
  for (const x of factors) {
    if (!Number.isInteger(x) || x < 1 || x > 2 ** 31) {
      throw new InputError(`factor ${x} is not a whole number from 1 to 2^31; write factors as 1..10 or 2,3,5`);
    }
  }
  return [...new Set(factors)];
}

/** Splits `sequence` into sublists, cutting after position k when bit k of `cuts` is set. */
function cut(sequence: number[], cuts: number): RadixList {
  const lists: RadixList = [[sequence[0]]];
  for (let k = 1; k < sequence.length; k++) {
    if (cuts & (1 << (k - 1))) lists.push([sequence[k]]);
    else lists[lists.length - 1].push(sequence[k]);
  }
  return lists;
}

/** Odometer step over digits in [0, base), last digit fastest; returns true after the last combination. */
function advance(digits: number[], base: number): boolean {
  for (let k = digits.length - 1; k >= 0; k--) {
    if (++digits[k] < base) return false;
    digits[k] = 0;
  }
  return true;
}
