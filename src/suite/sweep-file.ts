// A sweep the user defines in a file (YAML or JSON): a base training config and the parameters to vary, spelled the
// way W&B sweeps and Hydra multirun spell them, read into one canonical form (SweepParams) that is plain JSON: the
// `sweep` experiment's parameters, so its plan id, resume, shards, merge and summaries are the experiments' own.
//
//   method: grid            # or random (then count and seed)
//   base: { dataset: fashion-mnist, epochs: 3 }
//   parameters:             # W&B: values / value / min, max (+ distribution) per parameter
//     radices: { values: ['10,10/10', '2,5/10', dense] }
//     lr: { values: [0.001, 0.003] }
//     seed: { min: 100, max: 102 }
//   params:                 # Hydra: "a,b,c", choice(a, b), range(start, stop[, step]), interval(lo, hi)
//     lr: choice(0.001, 0.003)
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { parseRadixList } from '../topology/radix.js';
import { DATASETS, SCALES } from '../data/source.js';

/** One parameter's domain, canonical: a list of values, or a numeric range. */
export type Domain =
  | { values: (string | number | boolean | number[])[] }
  | { min: number; max: number; step?: number; distribution?: 'uniform' | 'int_uniform' | 'log_uniform_values' };

/** The `sweep` experiment's parameters: a whole sweep file, canonical. */
export interface SweepParams extends Record<string, unknown> {
  name: string | null;
  method: 'grid' | 'random';
  /** Runs drawn by a random sweep. */
  count: number | null;
  /** Seed of a random sweep's draws. */
  seed: number;
  /** Training options every run shares (TrainConfig fields). */
  base: Record<string, unknown>;
  /** Swept training options, in the file's order. */
  parameters: Record<string, Domain>;
  /** Refuse plans of more runs than this (default SWEEP_MAX_RUNS). */
  maxRuns: number;
}

/** A sweep of more runs than this needs `max_runs` in the file or --max-runs. */
export const SWEEP_MAX_RUNS = 1000;

type Kind = 'string' | 'int' | 'number' | 'bool' | 'sizes';
/** The training options a sweep may set or vary, and their kinds. */
export const SWEEP_OPTIONS: Record<string, Kind> = {
  radices: 'string',
  layers: 'sizes',
  hidden: 'sizes',
  kron: 'sizes',
  epochs: 'int',
  batchSize: 'int',
  optimizer: 'string',
  lr: 'number',
  momentum: 'number',
  seed: 'int',
  bias: 'bool',
  init: 'string',
  validationSplit: 'number',
  trainSamples: 'int',
  testSamples: 'int',
  dataset: 'string',
  data: 'string',
  labels: 'string',
  testData: 'string',
  testLabels: 'string',
  labelColumn: 'string',
  scale: 'string',
  testFraction: 'number',
  classes: 'int',
};
const ALIASES: Record<string, string> = { batch: 'batchSize', radix: 'radices', factors: 'radices' };
const CHOICES: Record<string, readonly string[]> = {
  optimizer: ['adam', 'sgd'],
  init: ['normal', 'glorot-uniform'],
  dataset: DATASETS,
  scale: SCALES,
};
const TOP_KEYS = [
  'name',
  'description',
  'method',
  'count',
  'seed',
  'base',
  'parameters',
  'params',
  'max_runs',
  'maxRuns',
  'program',
  'metric',
];

/** `batch-size`, `batch_size`, `batchSize`, `batch` -> `batchSize`; null for an unknown option. */
export function optionKey(name: string): string | null {
  const camel = name.replace(/[-_]([a-z])/g, (_m, c: string) => c.toUpperCase());
  const key = ALIASES[camel] ?? camel;
  return Object.hasOwn(SWEEP_OPTIONS, key) ? key : null;
}

/** Reads a sweep file (.yaml, .yml or .json) into canonical SweepParams; every error names the file and the key. */
export async function readSweepFile(file: string): Promise<SweepParams> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path`,
    );
  }
  let doc: unknown;
  try {
    if (/\.json$/i.test(file)) doc = JSON.parse(text);
    else {
      const YAML = await import('yaml');
      doc = YAML.parse(text);
    }
  } catch (err) {
    throw new InputError(
      `${file}: not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  return parseSweep(doc, file);
}

/** Checks and canonicalizes a parsed sweep document; `where` (the file) prefixes every error. */
export function parseSweep(doc: unknown, where: string): SweepParams {
  const fail = (msg: string): never => {
    throw new InputError(`${where}: ${msg}`);
  };
  if (!isObject(doc)) fail('a sweep file holds a mapping with base and parameters (see examples/sweeps/)');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) {
    if (!TOP_KEYS.includes(k))
      fail(
        `unknown key '${k}'; a sweep file has ${['name', 'method', 'count', 'seed', 'base', "parameters (or Hydra's params)", 'max_runs'].join(', ')}`,
      );
  }
  const method = d.method ?? 'grid';
  if (method !== 'grid' && method !== 'random')
    fail(`method must be grid or random, got '${String(method)}' (bayes searches are not offered)`);
  const count = d.count ?? null;
  if (method === 'random' && !(Number.isInteger(count) && (count as number) >= 1))
    fail(`a random sweep needs count: the number of runs to draw (a whole number >= 1), got ${JSON.stringify(count)}`);
  if (method === 'grid' && count !== null)
    fail('count applies to method: random; a grid runs every combination: drop count');
  const seed = d.seed ?? 1;
  if (!Number.isInteger(seed) || (seed as number) < 0)
    fail(`seed (of the random draws) must be a whole number >= 0, got ${JSON.stringify(seed)}`);
  const maxRuns = d.max_runs ?? d.maxRuns ?? SWEEP_MAX_RUNS;
  if (!Number.isInteger(maxRuns) || (maxRuns as number) < 1)
    fail(`max_runs must be a whole number >= 1, got ${JSON.stringify(maxRuns)}`);
  const name = d.name ?? null;
  if (name !== null && typeof name !== 'string') fail('name must be a string');

  const base: Record<string, unknown> = {};
  if (d.base !== undefined) {
    if (!isObject(d.base)) fail('base must be a mapping of training options (e.g. epochs: 3)');
    for (const [k, v] of Object.entries(d.base as object)) {
      const key =
        optionKey(k) ??
        fail(`base: unknown training option '${k}'; the options are ${Object.keys(SWEEP_OPTIONS).join(', ')}`);
      base[key] = checkValue(key, v, `base.${k}`, fail);
    }
  }
  const parameters: Record<string, Domain> = {};
  const add = (k: string, domain: Domain, at: string): void => {
    const key =
      optionKey(k) ??
      fail(`${at}: unknown training option '${k}'; the options are ${Object.keys(SWEEP_OPTIONS).join(', ')}`);
    if (Object.hasOwn(parameters, key)) fail(`${at}: '${key}' is swept twice`);
    if (Object.hasOwn(base, key)) fail(`${at}: '${key}' is both in base and swept; keep one`);
    parameters[key] = domain;
  };
  if (d.parameters !== undefined) {
    if (!isObject(d.parameters)) fail('parameters must be a mapping: NAME: {values: [...]} or {min, max}');
    for (const [k, spec] of Object.entries(d.parameters as object))
      add(k, wandbDomain(k, spec, `parameters.${k}`, fail), `parameters.${k}`);
  }
  if (d.params !== undefined) {
    if (!isObject(d.params)) fail('params must be a mapping: NAME: "a,b,c" or choice(...) or range(...)');
    for (const [k, spec] of Object.entries(d.params as object))
      add(k, hydraDomain(spec, `params.${k}`, fail), `params.${k}`);
  }
  if (Object.keys(parameters).length === 0)
    fail('no parameters to sweep; list at least one under parameters (values: [...] or min/max)');
  for (const [key, domain] of Object.entries(parameters)) {
    if ('values' in domain) {
      if (domain.values.length === 0)
        fail(`parameters.${key}: values is empty; an empty grid runs nothing: give at least one value`);
      domain.values = domain.values.map((v, i) => checkValue(key, v, `parameters.${key}.values[${i}]`, fail) as never);
      const seen = new Set(domain.values.map((v) => JSON.stringify(v)));
      if (seen.size !== domain.values.length) fail(`parameters.${key}: a value is listed twice; list each once`);
    } else {
      const kind = SWEEP_OPTIONS[key];
      if (kind !== 'int' && kind !== 'number')
        fail(`parameters.${key}: min/max ranges are for numeric options; give values: [...] for ${key}`);
      if (!(domain.min <= domain.max)) fail(`parameters.${key}: min ${domain.min} is above max ${domain.max}`);
      if (method === 'grid') {
        const step = domain.step ?? (kind === 'int' && domain.distribution !== 'log_uniform_values' ? 1 : undefined);
        if (step === undefined || !(step > 0))
          fail(
            `parameters.${key}: a grid over a range of ${kind === 'int' ? 'integers' : 'reals'} needs a step > 0 (or give values: [...])`,
          );
        domain.step = step;
      }
    }
  }
  return {
    name: name as string | null,
    method: method as 'grid' | 'random',
    count: count as number | null,
    seed: seed as number,
    base,
    parameters,
    maxRuns: maxRuns as number,
  };
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function wandbDomain(k: string, spec: unknown, at: string, fail: (m: string) => never): Domain {
  if (!isObject(spec)) fail(`${at}: give {values: [...]}, {value: x} or {min: a, max: b}, got ${JSON.stringify(spec)}`);
  const s = spec as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!['values', 'value', 'min', 'max', 'step', 'distribution', 'q'].includes(key))
      fail(`${at}: unknown key '${key}'; use values, value, min, max, step or distribution`);
  }
  if (s.values !== undefined) {
    if (!Array.isArray(s.values)) fail(`${at}.values must be a list`);
    return { values: s.values as never };
  }
  if (s.value !== undefined) return { values: [s.value as never] };
  if (s.min !== undefined || s.max !== undefined) {
    if (typeof s.min !== 'number' || typeof s.max !== 'number') fail(`${at}: min and max must both be numbers`);
    const dist = s.distribution ?? (Number.isInteger(s.min) && Number.isInteger(s.max) ? 'int_uniform' : 'uniform');
    if (dist !== 'uniform' && dist !== 'int_uniform' && dist !== 'log_uniform_values')
      fail(`${at}: distribution '${String(dist)}' is not offered; use uniform, int_uniform or log_uniform_values`);
    if (dist === 'log_uniform_values' && !((s.min as number) > 0)) fail(`${at}: log_uniform_values needs min > 0`);
    const step = s.step ?? s.q;
    const out: Domain = { min: s.min as number, max: s.max as number, distribution: dist as 'uniform' };
    if (step !== undefined) {
      if (typeof step !== 'number') fail(`${at}: step must be a number`);
      out.step = step as number;
    }
    return out;
  }
  return fail(`${at}: give values: [...], value: x, or min and max`);
}

/** Hydra multirun spellings: "a,b,c", choice(a, b), range(start, stop[, step]) (stop excluded), interval(lo, hi). */
function hydraDomain(spec: unknown, at: string, fail: (m: string) => never): Domain {
  if (Array.isArray(spec)) return { values: spec as never };
  if (typeof spec === 'number' || typeof spec === 'boolean') return { values: [spec] };
  if (typeof spec !== 'string')
    return fail(`${at}: give "a,b,c", choice(...), range(...) or interval(...), got ${JSON.stringify(spec)}`);
  const m = /^\s*(choice|range|interval)\s*\((.*)\)\s*$/.exec(spec);
  const items = (text: string): (string | number | boolean | number[])[] => splitArgs(text).map(scalar);
  if (!m) return { values: items(spec) };
  const args = items(m[2]);
  if (m[1] === 'choice') return { values: args };
  if (!args.every((a) => typeof a === 'number')) fail(`${at}: ${m[1]}(...) takes numbers, got ${m[2]}`);
  const [a, b, c] = args as number[];
  if (m[1] === 'interval') {
    if (args.length !== 2) fail(`${at}: interval(lo, hi) takes two numbers`);
    return { min: a, max: b, distribution: 'uniform' };
  }
  // range(stop), range(start, stop), range(start, stop, step), stop excluded as in Python
  const [start, stop, step] = args.length === 1 ? [0, a, 1] : [a, b, c ?? 1];
  if (!(step > 0)) fail(`${at}: range step must be > 0`);
  const values: number[] = [];
  for (let v = start; v < stop - 1e-12 && values.length <= 1e6; v += step) values.push(Number(v.toPrecision(12)));
  return { values };
}

/** Splits on commas outside quotes and brackets: `'10,10/10', 2` -> ["'10,10/10'", "2"]. */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const ch of text) {
    if (quote) {
      cur += ch;
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (ch === '[' || ch === '(') {
      depth++;
      cur += ch;
    } else if (ch === ']' || ch === ')') {
      depth--;
      cur += ch;
    } else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

function scalar(text: string): string | number | boolean | number[] {
  if (/^(['"]).*\1$/.test(text)) return text.slice(1, -1);
  if (/^\[.*\]$/.test(text)) return splitArgs(text.slice(1, -1)).map(Number);
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return text !== '' && Number.isFinite(n) ? n : text;
}

/** Checks one option value against its kind (and choices), normalizing sizes to number arrays. */
function checkValue(key: string, v: unknown, at: string, fail: (m: string) => never): unknown {
  const kind = SWEEP_OPTIONS[key];
  switch (kind) {
    case 'int':
      if (!Number.isInteger(v)) fail(`${at}: ${key} must be a whole number, got ${JSON.stringify(v)}`);
      return v;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v))
        fail(`${at}: ${key} must be a number, got ${JSON.stringify(v)}`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') fail(`${at}: ${key} must be true or false, got ${JSON.stringify(v)}`);
      return v;
    case 'sizes': {
      const arr = typeof v === 'string' ? v.split(',').map((s) => Number(s.trim())) : v;
      if (!Array.isArray(arr) || arr.length === 0 || !arr.every((n) => Number.isInteger(n) && n >= 1)) {
        fail(
          `${at}: ${key} must be a list of positive whole numbers (e.g. [300, 100] or "300,100"), got ${JSON.stringify(v)}`,
        );
      }
      return arr;
    }
    default: {
      const text = typeof v === 'number' ? String(v) : v;
      if (typeof text !== 'string') fail(`${at}: ${key} must be a string, got ${JSON.stringify(v)}`);
      const s = text as string;
      if (CHOICES[key] && !CHOICES[key].includes(s))
        fail(`${at}: ${key} must be one of ${CHOICES[key].join(', ')}, got '${s}'`);
      if (key === 'radices' && s.trim().toLowerCase() !== 'dense') {
        try {
          parseRadixList(s);
        } catch (err) {
          fail(`${at}: ${(err as Error).message}`);
        }
      }
      return s;
    }
  }
}
