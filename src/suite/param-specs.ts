// Parsers of experiment parameters from option text (the CLI shows and parses every experiment through these), each
// refusing bad text with a one-line InputError that names the option and what it takes.
import { InputError } from '../errors.js';
import { parseFactors } from '../topology/enumerate.js';
import { parseSizes } from '../topology/radixnet.js';
import type { ParamSpec } from './experiment.js';

/** A whole number in [min, max]. */
export function intParam(flag: string, description: string, min: number, max = Number.MAX_SAFE_INTEGER): ParamSpec {
  return {
    flag, description,
    parse: (text) => {
      const n = Number(text);
      if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
        throw new InputError(`--${flag} must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got "${text}"`);
      }
      return n;
    },
  };
}

/** A finite number > 0. */
export function positiveParam(flag: string, description: string): ParamSpec {
  return {
    flag, description,
    parse: (text) => {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InputError(`--${flag} must be a number > 0, got "${text}"`);
      return n;
    },
  };
}

/** One of a fixed set of words. */
export function choiceParam(flag: string, description: string, choices: readonly string[]): ParamSpec {
  return {
    flag, description,
    parse: (text) => {
      if (!choices.includes(text)) throw new InputError(`--${flag} must be one of ${choices.join(', ')}, got "${text}"`);
      return text;
    },
  };
}

/** Radix factors as `1..10` or `2,3,5`. */
export function factorsParam(flag: string, description: string): ParamSpec {
  return { flag, description, parse: (text) => parseFactors(text) };
}

/** Layer sizes such as `784,300,100,10`. */
export function sizesParam(flag: string, description: string): ParamSpec {
  return { flag, description, parse: (text) => parseSizes(text, `--${flag}`) };
}

/** Seeds as a range `1..16` or a list `1,7,42` (whole numbers >= 0, no repeats). */
export function seedsParam(flag: string, description: string): ParamSpec {
  return {
    flag, description,
    parse: (text) => {
      const range = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/.exec(text);
      const seeds = range
        ? Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) }, (_, k) => Number(range[1]) + k)
        : text.split(',').map((t) => (/^\s*\d+\s*$/.test(t) ? Number(t) : NaN));
      if (seeds.length === 0 || seeds.length > 100_000 || seeds.some((s) => !Number.isSafeInteger(s)) || new Set(seeds).size !== seeds.length) {
        throw new InputError(`--${flag} must be a range lo..hi or a list of distinct whole numbers such as 1..16 or 1,7,42, got "${text}"`);
      }
      return seeds;
    },
  };
}

/** A whole number, or `all` (stored as null). */
export function countOrAllParam(flag: string, description: string, min: number): ParamSpec {
  const whole = intParam(flag, description, min);
  return {
    flag, description,
    parse: (text) => {
      if (text.trim() === 'all') return null;
      try {
        return whole.parse(text);
      } catch {
        throw new InputError(`--${flag} must be "all" or a whole number from ${min} up, got "${text}"`);
      }
    },
  };
}

/** A finite number in [min, max]. */
export function numberParam(flag: string, description: string, min: number, max: number): ParamSpec {
  return {
    flag, description,
    parse: (text) => {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InputError(`--${flag} must be a number from ${min} to ${max}, got "${text}"`);
      return n;
    },
  };
}
