// `sweep`: the experiment a sweep file defines (src/suite/sweep-file.ts). Its parameters are the whole canonical sweep,
// so the plan id names exactly that sweep; each run is the paper's protocol, then the file's base options, then one
// combination of the swept values. Runs, resume, shards, merge, summaries and plots are the experiments' own.
import { InputError } from '../../errors.js';
import { Rng } from '../../random.js';
import { isUserData } from '../../data/source.js';
import type { Experiment, ParamSpec, RunSpec, Tags } from '../experiment.js';
import { groupRows, type GroupRow } from '../group.js';
import { PAPER_PRESET, type TrainConfig } from '../mnist-train.js';
import { SWEEP_MAX_RUNS, type Domain, type SweepParams } from '../sweep-file.js';
import { executeTraining } from '../training-runs.js';

type Value = string | number | boolean | number[];

/** The values a grid takes for one domain. */
function gridValues(d: Domain): Value[] {
  if ('values' in d) return d.values;
  const out: number[] = [];
  const step = d.step!;
  // counted, not accumulated, so 0.1 steps do not drift
  const n = Math.floor((d.max - d.min) / step + 1e-9);
  for (let i = 0; i <= n; i++) out.push(Number((d.min + i * step).toPrecision(12)));
  return out;
}

/** One random draw from a domain. */
function draw(d: Domain, rng: Rng): Value {
  if ('values' in d) return d.values[rng.int(d.values.length)];
  if (d.step !== undefined) {
    const n = Math.floor((d.max - d.min) / d.step + 1e-9);
    return Number((d.min + rng.int(n + 1) * d.step).toPrecision(12));
  }
  if (d.distribution === 'int_uniform') return d.min + rng.int(d.max - d.min + 1);
  if (d.distribution === 'log_uniform_values')
    return Math.exp(Math.log(d.min) + rng.next() * (Math.log(d.max) - Math.log(d.min)));
  return d.min + rng.next() * (d.max - d.min);
}

/** How many runs the sweep plans, known before any is built. */
export function sweepSize(p: SweepParams): number {
  if (p.method === 'random') return p.count!;
  return Object.values(p.parameters).reduce((n, d) => n * gridValues(d).length, 1);
}

/** The combinations of swept values, in plan order (grid: the first parameter varies slowest). */
export function combinations(p: SweepParams): Record<string, Value>[] {
  const names = Object.keys(p.parameters);
  if (p.method === 'random') {
    const rng = new Rng(p.seed);
    return Array.from({ length: p.count! }, () =>
      Object.fromEntries(names.map((n) => [n, draw(p.parameters[n], rng)])),
    );
  }
  let combos: Record<string, Value>[] = [{}];
  for (const n of names) combos = combos.flatMap((c) => gridValues(p.parameters[n]).map((v) => ({ ...c, [n]: v })));
  return combos;
}

const show = (v: Value): string => (Array.isArray(v) ? v.join(',') : String(v));

/** The training config of one combination. */
export function sweepConfig(p: SweepParams, combo: Record<string, Value>): TrainConfig {
  const config = { ...PAPER_PRESET, ...p.base, ...combo } as TrainConfig;
  // on the user's own data the paper's 784..10 cannot fit: the hidden sizes are the paper's, the ends the data's
  if (isUserData(config) && config.hidden === undefined && !('layers' in p.base) && !('layers' in combo))
    config.hidden = PAPER_PRESET.layers.slice(1, -1);
  return config;
}

export const sweepExperiment: Experiment<SweepParams> = {
  name: 'sweep',
  description: 'a sweep defined in a file (radixnet sweep FILE): base training options and the options to vary',
  defaults: { name: null, method: 'grid', count: null, seed: 1, base: {}, parameters: {}, maxRuns: SWEEP_MAX_RUNS },
  quick: {},
  // set from the file (radixnet sweep FILE), not from options; as text, each is its JSON (how a results file's params
  // are checked against the experiment)
  params: {
    name: jsonParam('name', "the sweep's name"),
    method: jsonParam('method', 'grid or random'),
    count: jsonParam('count', 'draws of a random sweep'),
    seed: jsonParam('seed', "seed of a random sweep's draws"),
    base: jsonParam('base', 'training options every run shares'),
    parameters: jsonParam('parameters', 'the swept options and their values'),
    maxRuns: jsonParam('max-runs', 'largest plan allowed'),
  },
  needsData: true,

  plan(p) {
    const size = sweepSize(p);
    if (size === 0)
      throw new InputError(
        `the sweep${p.name ? ` ${p.name}` : ''} plans no runs; give every swept parameter at least one value`,
      );
    if (size > p.maxRuns) {
      throw new InputError(
        `the sweep${p.name ? ` ${p.name}` : ''} plans ${size} runs, over the limit of ${p.maxRuns}; allow them with max_runs: ${size} in the sweep file (or --max-runs ${size}), or sweep fewer values`,
      );
    }
    const names = Object.keys(p.parameters);
    return combinations(p).map((combo, i): RunSpec => {
      const values = names.map((n) => `${n}=${show(combo[n])}`).join('|');
      const tags: Tags = Object.fromEntries(
        names.map((n) => [n, Array.isArray(combo[n]) ? show(combo[n]) : (combo[n] as string | number | boolean)]),
      );
      const run: RunSpec = {
        key: p.method === 'random' ? `draw=${i}|${values}` : values,
        config: sweepConfig(p, combo),
        tags,
      };
      // a random sweep may draw a combination twice: the same training, run once and copied
      if (p.method === 'random') run.twin = values;
      return run;
    });
  },

  execute: (run, ctx) => executeTraining(run.config, ctx),
  twinOutcome: (outcome, run) => ({ ...outcome, config: run.config ?? outcome.config }),

  summarize(records, p) {
    const text: string[] = [
      `sweep${p.name ? ` ${p.name}` : ''}: ${records.length} runs (${p.method}${p.method === 'random' ? `, ${p.count} draws, seed ${p.seed}` : ''}) over ${Object.keys(p.parameters).join(', ')}`,
    ];
    const data: Record<string, unknown> = {};
    for (const name of Object.keys(p.parameters)) {
      const g = groupRows(records, [name], 'valAccuracy');
      const t = groupRows(records, [name], 'testAccuracy');
      text.push('', `by ${name}:`, `${name.padStart(16)}  runs  val median  min     max     test median  min     max`);
      g.forEach((row, i) => {
        const tr = t[i];
        text.push(
          `${row.group[name].padStart(16)}  ${String(row.count).padStart(4)}  ${f4(row.median)}      ${f4(row.min)}  ${f4(row.max)}  ${f4(tr.median)}       ${f4(tr.min)}  ${f4(tr.max)}`,
        );
      });
      data[name] = g.map((row, i) => ({
        value: row.group[name],
        count: row.count,
        valAccuracy: strip(row),
        testAccuracy: strip(t[i]),
      }));
    }
    return { text, data: { by: data } };
  },
};

/** A sweep parameter as text: its JSON ('all' and 'none' for null, a bare word for a string). */
function jsonParam(flag: string, description: string): ParamSpec {
  return {
    flag,
    description,
    parse: (text) => {
      if (text === 'all' || text === 'none') return null;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    },
  };
}

function strip(r: GroupRow): { median: number; min: number; max: number } {
  return { median: r.median, min: r.min, max: r.max };
}

function f4(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : '   -  ';
}
