// Parsers of experiment parameters from option text (the CLI shows and parses every experiment through these), each
// refusing bad text with a one-line InputError that names the option and what it takes.
import { InputError } from '../errors.js';
import { parseFactors } from '../topology/enumerate.js';
import { parseSizes } from '../topology/radixnet.js';
import type { Experiment, ParamSpec } from './experiment.js';
import { canonicalJson } from './plan.js';

/** A whole number in [min, max]. */
export function intParam(flag: string, description: string, min: number, max = Number.MAX_SAFE_INTEGER): ParamSpec {
  return {
    flag,
    description,
    parse: (text) => {
      const n = Number(text);
      if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
        throw new InputError(
          `--${flag} must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got "${text}"`,
        );
      }
      return n;
    },
  };
}

/** A finite number > 0. */
export function positiveParam(flag: string, description: string): ParamSpec {
  return {
    flag,
    description,
    parse: (text) => {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || n <= 0)
        throw new InputError(`--${flag} must be a number > 0, got "${text}"`);
      return n;
    },
  };
}

/** One of a fixed set of words. */
export function choiceParam(flag: string, description: string, choices: readonly string[]): ParamSpec {
  return {
    flag,
    description,
    parse: (text) => {
      if (!choices.includes(text))
        throw new InputError(`--${flag} must be one of ${choices.join(', ')}, got "${text}"`);
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
    flag,
    description,
    parse: (text) => {
      const range = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/.exec(text);
      const seeds = range
        ? Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) }, (_, k) => Number(range[1]) + k)
        : text.split(',').map((t) => (/^\s*\d+\s*$/.test(t) ? Number(t) : NaN));
      if (
        seeds.length === 0 ||
        seeds.length > 100_000 ||
        seeds.some((s) => !Number.isSafeInteger(s)) ||
        new Set(seeds).size !== seeds.length
      ) {
        throw new InputError(
          `--${flag} must be a range lo..hi or a list of distinct whole numbers such as 1..16 or 1,7,42, got "${text}"`,
        );
      }
      return seeds;
    },
  };
}

/** A whole number, or `all` (stored as null). */
export function countOrAllParam(flag: string, description: string, min: number): ParamSpec {
  const whole = intParam(flag, description, min);
  return {
    flag,
    description,
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
    flag,
    description,
    parse: (text) => {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max)
        throw new InputError(`--${flag} must be a number from ${min} to ${max}, got "${text}"`);
      return n;
    },
  };
}

/**
 * Checks the parameters a record carries (a results file is user input) against the experiment's specs: each value
 * is written back as option text and must parse, through the same parser as the CLI option, to itself. So a hostile
 * `bins: 3e8` gets the one-line error `--bins 3e8` would, and `factors: 5` (not a list) is refused before any
 * summary uses it. Parameters the record lacks are left to the experiment's defaults; unknown ones are refused.
 */
export function checkParams(
  exp: Pick<Experiment, 'name' | 'params'>,
  params: Record<string, unknown>,
  where: string,
): void {
  for (const [name, value] of Object.entries(params)) {
    const spec = Object.hasOwn(exp.params, name) ? (exp.params as Record<string, ParamSpec>)[name] : undefined;
    if (!spec) {
      throw new InputError(
        `${where}: params.${name.slice(0, 40)} is not a parameter of ${exp.name} (its parameters are ${Object.keys(exp.params).join(', ')})`,
      );
    }
    let error: unknown = null;
    const ok = optionTexts(value).some((text) => {
      try {
        return canonicalJson(spec.parse(text)) === canonicalJson(value);
      } catch (err) {
        error ??= err;
        return false;
      }
    });
    if (ok) continue;
    if (error instanceof InputError) throw new InputError(`${where}: params.${name}: ${error.message}`);
    if (error) throw error;
    const shown = JSON.stringify(value);
    throw new InputError(
      `${where}: params.${name} is ${shown.length > 40 ? `${shown.slice(0, 40)}...` : shown}, not a value of --${spec.flag} (${spec.description})`,
    );
  }
}

/** The option texts that may give a parameter value (none: no option text does). */
function optionTexts(value: unknown): string[] {
  if (value === null) return ['all', 'none'];
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return [String(value)];
  // lists are written with ',' (factors, seeds) or ';' (radix lists, which hold commas themselves)
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' || typeof v === 'string'))
    return [value.join(','), value.join(';')];
  // a mapping (a sweep file's base and parameters) is written as JSON
  if (typeof value === 'object' && !Array.isArray(value)) return [JSON.stringify(value)];
  return [];
}
