// Radix lists (docs/radixnet.md, section 1): parsing the two text forms, printing the short one, and the validity rules.
// Every failure is an InputError whose one line names the rule, the values seen and what would be valid.
import { InputError } from '../errors.js';

/** A radix list such as [[10,10],[10]]: non-empty sublists of positive integers, one radix per weight layer. */
export type RadixList = number[][];

/** Largest product any sublist may have: N indexes neurons, and products past 2^31 stop being exact int32 math. */
export const MAX_PRODUCT = 2 ** 31;

const EXAMPLE = 'e.g. 10,10/10 or [[10,10],[10]]';

/** Parses `10,10/10` (sublists split by `/`) or JSON `[[10,10],[10]]`, whitespace tolerant, and checks the shape. */
export function parseRadixList(text: string): RadixList {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError(`the radix list is empty; give at least one sublist of radices, ${EXAMPLE}`);
  const list = trimmed.startsWith('[') ? parseJson(trimmed) : parseText(trimmed);
  checkShape(list);
  return list as RadixList;
}

/** The text form, `10,10/10`, which parseRadixList reads back to the same list. */
export function formatRadixList(list: RadixList): string {
  return list.map((sub) => sub.join(',')).join('/');
}

/** The product of a sublist (exact for valid lists, whose products stay <= 2^31). */
export function product(sublist: readonly number[]): number {
  return sublist.reduce((a, b) => a * b, 1);
}

/**
 * N for a radix list: the product of its first sublist, the neuron count of each unit layer.
 * Assumes the list is valid (see validateRadixList).
 */
export function unitSize(list: RadixList): number {
  return product(list[0]);
}

/**
 * Checks the rules of docs/radixnet.md section 1 and throws an InputError naming the first rule broken.
 * @param weightLayers the number of weight layers (layer sizes minus one) the list must supply a radix for, if known.
 */
export function validateRadixList(list: unknown, weightLayers?: number): asserts list is RadixList {
  const problem = radixListProblem(list, weightLayers);
  if (problem !== undefined) throw new InputError(problem);
}

/** Whether the list passes every rule of validateRadixList (no exception; for enumerations). */
export function isValidRadixList(list: unknown, weightLayers?: number): list is RadixList {
  return radixListProblem(list, weightLayers) === undefined;
}

/** The message for the first rule `list` breaks, or undefined when it is valid. */
function radixListProblem(list: unknown, weightLayers?: number): string | undefined {
  const shape = shapeProblem(list);
  if (shape !== undefined) return shape;
  const lists = list as number[][];
  const products: number[] = [];
  for (let s = 0; s < lists.length; s++) {
    let p = 1;
    for (const r of lists[s]) p *= r;
    if (p > MAX_PRODUCT) {
      return (
        `sublist ${s + 1} ${show(lists[s])} has product ${p}, more than 2^31 = ${MAX_PRODUCT}; ` +
        `use smaller radices so that every sublist multiplies to at most 2^31`
      );
    }
    products.push(p);
  }
  const n = products[0];
  for (let s = 1; s < lists.length - 1; s++) {
    if (products[s] !== n) {
      return (
        `sublist ${s + 1} ${show(lists[s])} has product ${products[s]}, but every sublist before the last ` +
        `must multiply to N = ${n} (the product of sublist 1 ${show(lists[0])})`
      );
    }
  }
  const last = lists.length - 1;
  if (n % products[last] !== 0) {
    return (
      `the last sublist ${last + 1} ${show(lists[last])} has product ${products[last]}, which does not ` +
      `divide N = ${n}; the last sublist must multiply to a divisor of N (${divisorsText(n)})`
    );
  }
  if (weightLayers !== undefined) {
    const radices = lists.reduce((k, sub) => k + sub.length, 0);
    if (radices !== weightLayers) {
      return (
        `the radix list ${formatRadixList(lists)} has ${radices} radices, but the network has ` +
        `${weightLayers} weight layers; give exactly one radix per weight layer (${weightLayers} in all)`
      );
    }
  }
  return undefined;
}

function parseJson(text: string): unknown {
  // a radix list nests exactly two deep; deeper text is refused before a recursive parse could exhaust the stack
  let depth = 0;
  for (let k = 0; k < text.length; k++) {
    const ch = text.charCodeAt(k);
    if (ch === 91 /* [ */ && ++depth > 2) {
      throw new InputError(
        `the radix list '${text.length > 40 ? `${text.slice(0, 37)}...` : text}' nests lists more than two deep; ` +
          `write it as a list of lists of positive integers, ${EXAMPLE}`,
      );
    } else if (ch === 93 /* ] */) depth--;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(
      `the radix list '${text}' is not valid JSON (${(err as Error).message}); ` +
        `write it as a list of lists of positive integers, ${EXAMPLE}`,
    );
  }
}

function parseText(text: string): number[][] {
  return text.split('/').map((part, s) => {
    if (part.trim() === '') {
      throw new InputError(
        `sublist ${s + 1} of the radix list '${text}' is empty; every sublist needs at least one radix, ${EXAMPLE}`,
      );
    }
    return part.split(',').map((token) => {
      const t = token.trim();
      if (t === '') {
        throw new InputError(
          `sublist ${s + 1} of the radix list '${text}' has an empty entry; ` +
            `separate radices by single commas, ${EXAMPLE}`,
        );
      }
      // Number('') and Number('0x10') would be accepted by Number(); radices are plain decimal numbers
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
        throw new InputError(
          `radix '${t}' in sublist ${s + 1} of '${text}' is not a number; ` +
            `radices are positive integers, ${EXAMPLE}`,
        );
      }
      return Number(t);
    });
  });
}

/** Throws unless `list` is a non-empty array of non-empty arrays of positive integers. */
function checkShape(list: unknown): asserts list is number[][] {
  const problem = shapeProblem(list);
  if (problem !== undefined) throw new InputError(problem);
}

function shapeProblem(list: unknown): string | undefined {
  if (!Array.isArray(list)) return `a radix list must be a list of sublists, got ${short(list)}; ${EXAMPLE}`;
  if (list.length === 0) return `the radix list is empty; give at least one sublist of radices, ${EXAMPLE}`;
  for (let s = 0; s < list.length; s++) {
    const sub: unknown = list[s];
    if (!Array.isArray(sub))
      return `sublist ${s + 1} of the radix list is ${short(sub)}, not a list of radices; ${EXAMPLE}`;
    if (sub.length === 0) {
      return `sublist ${s + 1} of the radix list is empty; every sublist needs at least one radix, ${EXAMPLE}`;
    }
    for (const r of sub as unknown[]) {
      if (typeof r !== 'number' || !Number.isFinite(r)) {
        return `radix ${short(r)} in sublist ${s + 1} is not a number; radices are positive integers, ${EXAMPLE}`;
      }
      if (!Number.isInteger(r)) {
        return `radix ${r} in sublist ${s + 1} is not a whole number; radices are positive integers, ${EXAMPLE}`;
      }
      if (r <= 0) {
        return (
          `radix ${r} in sublist ${s + 1} is ${r === 0 ? 'zero' : 'negative'}; ` +
          `radices must be at least 1 (1 gives an identity layer), ${EXAMPLE}`
        );
      }
    }
  }
  return undefined;
}

function show(sub: readonly number[]): string {
  return `[${sub.join(',')}]`;
}

function short(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    // nested too deep (or cyclic) to print
    s = Array.isArray(value) ? '[[...]]' : typeof value;
  }
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** The divisors of n as a short readable list (the first few and n itself when there are many). */
function divisorsText(n: number): string {
  const small: number[] = [];
  const large: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d === 0) {
      small.push(d);
      if (d * d !== n) large.unshift(n / d);
    }
  }
  const all = small.concat(large);
  return all.length <= 12 ? all.join(', ') : `${all.slice(0, 10).join(', ')}, ..., ${n}`;
}
