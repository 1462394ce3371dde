// An experiment's parameters resolved (paper defaults, --quick, overrides) and expanded into its deterministic plan:
// the ordered runs, each with its index and stable key, under a plan id that names the experiment and parameters.
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { RECORD_VERSION, type Experiment, type RunRecord, type RunSpec } from './experiment.js';

/** A run of a plan, with its position in the full plan (shards keep these indices). */
export interface PlannedRun extends RunSpec {
  index: number;
}

export interface Plan {
  experiment: string;
  params: Record<string, unknown>;
  /** sha256 (hex) of the experiment name, RECORD_VERSION and the canonical JSON of params. */
  planId: string;
  runs: PlannedRun[];
}

/**
 * The parameters of a run of `exp`: its defaults, then `quick` when asked, then `overrides` (already parsed values,
 * keyed by parameter name). An unknown name is an InputError listing the known ones.
 */
export function resolveParams<P extends Record<string, unknown>>(
  exp: Experiment<P>,
  overrides: Partial<P> = {},
  quick = false,
): P {
  for (const name of Object.keys(overrides)) {
    // a parameter without a default (optional, such as --dataset) is known by its spec
    if (!(name in exp.defaults) && !(name in exp.params)) {
      throw new InputError(
        `experiment ${exp.name} has no parameter '${name}'; its parameters are ${Object.keys(exp.defaults).join(', ')}`,
      );
    }
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<P>;
  return { ...exp.defaults, ...(quick ? exp.quick : {}), ...defined };
}

/** JSON with object keys sorted at every depth: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    return v;
  });
}

/** The plan id of an experiment with resolved `params` (64 hex digits). */
export function planId(experiment: string, params: Record<string, unknown>): string {
  return createHash('sha256')
    .update(`${experiment}\n${RECORD_VERSION}\n${canonicalJson(params)}`)
    .digest('hex');
}

/**
 * Expands `exp` with resolved `params` into its plan. `done` are records already written for this plan: staged
 * experiments plan their later stages from them (the runner calls again as records arrive). Duplicate keys are a bug
 * of the experiment and throw.
 */
export function plan<P extends Record<string, unknown>>(
  exp: Experiment<P>,
  params: P,
  done: readonly RunRecord[] = [],
): Plan {
  const runs = exp.plan(params, done);
  const seen = new Set<string>();
  for (const run of runs) {
    if (seen.has(run.key)) throw new Error(`experiment ${exp.name} planned the key '${run.key}' twice`);
    seen.add(run.key);
  }
  return {
    experiment: exp.name,
    params: params as Record<string, unknown>,
    planId: planId(exp.name, params as Record<string, unknown>),
    runs: runs.map((r, index) => ({ ...r, index })),
  };
}
