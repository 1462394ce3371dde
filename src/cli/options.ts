// Parsers for numeric CLI options: each rejects bad values with a one-line InputError naming the option and range.
import { InputError } from '../errors.js';

/** An integer option in [min, max]. */
export function intOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InputError(`${name} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got "${v}"`);
    }
    return n;
  };
}

/** A finite number option with an exclusive or inclusive lower bound and an optional upper bound (exclusive). */
export function numberOption(name: string, opts: { gt?: number; ge?: number; lt?: number }): (v: string) => number {
  return (v) => {
    const n = Number(v);
    const ok = v.trim() !== '' && Number.isFinite(n) && (opts.gt === undefined || n > opts.gt) && (opts.ge === undefined || n >= opts.ge) && (opts.lt === undefined || n < opts.lt);
    if (!ok) {
      const lo = opts.gt !== undefined ? `> ${opts.gt}` : opts.ge !== undefined ? `>= ${opts.ge}` : '';
      const hi = opts.lt !== undefined ? `< ${opts.lt}` : '';
      throw new InputError(`${name} must be a number ${[lo, hi].filter(Boolean).join(' and ')}, got "${v}"`);
    }
    return n;
  };
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(name: string, choices: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(choices as readonly string[]).includes(v)) throw new InputError(`${name} must be one of ${choices.join(', ')}, got "${v}"`);
    return v as T;
  };
}
