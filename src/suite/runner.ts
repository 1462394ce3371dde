// runPlan: expands an experiment into its plan, skips the runs its results file already holds, executes the rest (on a
// pool of worker threads or in this thread) and appends one record per finished run. Killed and run again with the
// same file, it carries on where it stopped.
import { availableParallelism, hostname } from 'node:os';
import { loadMnist, type Mnist } from '../data/mnist.js';
import { Engine } from '../engine/engine.js';
import { InputError } from '../errors.js';
import { RECORD_VERSION, type Experiment, type RunOutcome, type RunRecord } from './experiment.js';
import { getExperiment } from './experiments/index.js';
import { plan as expand, resolveParams, type Plan, type PlannedRun } from './plan.js';
import { readResults, ResultsWriter } from './results-file.js';
import { inShard, type Shard } from './shard.js';
import { shareData, shareMnist, WorkerPool } from './workers.js';
import { expectedCost, longestFirst } from './run-cost.js';
import {
  dataKey,
  dataSpecOf,
  isPlainMnist,
  isUserData,
  loadData,
  type DataSpec,
  type TrainData,
} from '../data/source.js';

export interface RunPlanOptions {
  /** Parameter overrides (parsed values by parameter name), applied after the defaults and --quick. */
  params?: Record<string, unknown>;
  /** Start from the experiment's `quick` parameters. */
  quick?: boolean;
  /** Results file (JSON lines): its finished runs are skipped, new records appended. Default: records kept in memory. */
  out?: string;
  /** Run only the plan's runs whose index is shard.index mod shard.count. */
  shard?: Shard;
  /** Trainings at once, each on its own worker thread; 1 trains in this thread (default: defaultWorkers()). */
  workers?: number;
  /** Kernel threads per training (default 1 with several workers, else all cores). */
  threads?: number;
  /** MNIST directory (default: the loader's search order). */
  data?: string;
  /** MNIST already loaded (reproduce loads it once for all experiments); default: loaded when a run needs it. */
  mnist?: Mnist;
  onProgress?: (event: ProgressEvent) => void;
  /** Warnings (a torn last line dropped); default stderr. */
  warn?: (message: string) => void;
}

/** Progress of a sweep: `start` once, `run` after each record is written, `end` once. */
export interface ProgressEvent {
  type: 'start' | 'run' | 'end';
  /** Runs of the plan (in this shard) known so far; staged experiments add runs as stages become plannable. */
  total: number;
  /** Runs finished, earlier invocations included. */
  done: number;
  /** Runs finished by this invocation. */
  ran: number;
  /** Seconds since this invocation started. */
  elapsedSeconds: number;
  /**
   * Runs per minute expected over the runs left, and the seconds they should take: both from the expected cost of
   * each run (src/suite/run-cost.ts: nonzeros times samples) and the cost this invocation has trained per second so
   * far, so a sweep that trains its dense nets first does not promise too much at the start.
   */
  runsPerMinute: number | null;
  etaSeconds: number | null;
  /** The record just written (`run` events). */
  key?: string;
  index?: number;
  workers: number;
  threads: number;
}

export interface RunPlanResult {
  plan: Plan;
  /** Every record of the results (earlier invocations included) in this shard, in plan order. */
  records: RunRecord[];
  ran: number;
  /** Of the runs done, those copied from a twin (identical computation) instead of executed. */
  copied: number;
  skipped: number;
  wallSeconds: number;
  workers: number;
  threads: number;
}

/**
 * Trainings at once by default: one per core, each on one thread. Measured on a 2-core machine: 2 workers x 1 thread
 * ran a sweep faster than 1 model at a time on 2 threads (docs/sweeps.md, "Real runs"), as sparse kernels scale below
 * linearly with threads while independent runs scale with cores.
 */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Runs (or resumes) the plan of `experiment` and returns its records. */
export async function runPlan(experiment: Experiment | string, opts: RunPlanOptions = {}): Promise<RunPlanResult> {
  const exp = typeof experiment === 'string' ? getExperiment(experiment) : experiment;
  const params = resolveParams(exp, opts.params ?? {}, opts.quick ?? false);
  const t0 = performance.now();
  let current = expand(exp, params, []);
  const requested = opts.workers ?? (exp.needsData ? defaultWorkers() : 1);
  if (!Number.isInteger(requested) || requested < 1)
    throw new InputError(`workers must be a whole number >= 1, got ${requested}`);
  const done = new Map<string, RunRecord>();
  // the writer's lock first: the file is read and repaired by the one process that then appends to it
  const writer = opts.out ? ResultsWriter.open(opts.out) : null;
  try {
    if (opts.out) {
      for (const r of readResults(opts.out, { planId: current.planId, repair: true, warn: opts.warn }).records)
        done.set(r.key, r);
    }
  } catch (err) {
    writer?.close();
    throw err;
  }
  const skipped = done.size;
  const shard = opts.shard ?? { index: 0, count: 1 };
  const host = hostname();
  let executor: Executor | null = null;
  let ran = 0;
  let copied = 0;
  // expected cost trained by this invocation, and of the runs it still has to execute
  let costDone = 0;
  let costLeft = 0;
  const progress = (type: ProgressEvent['type'], total: number, last?: RunRecord): void => {
    if (!opts.onProgress) return;
    const elapsedSeconds = (performance.now() - t0) / 1000;
    const doneInShard = [...done.values()].filter((r) => inShard(r.index, shard)).length;
    const etaSeconds = costDone > 0 ? (costLeft / costDone) * elapsedSeconds : null;
    const left = total - doneInShard;
    const runsPerMinute =
      etaSeconds === null ? null : etaSeconds > 0 ? left / (etaSeconds / 60) : ran / (elapsedSeconds / 60);
    opts.onProgress({
      type,
      total,
      done: doneInShard,
      ran,
      elapsedSeconds,
      runsPerMinute,
      etaSeconds,
      key: last?.key,
      index: last?.index,
      workers: executor?.workers ?? 0,
      threads: executor?.threads ?? 0,
    });
  };
  try {
    let started = false;
    for (;;) {
      // staged experiments plan later stages from the records so far: expand again until nothing new is left
      current = expand(exp, params, [...done.values()]);
      const mine = current.runs.filter((r) => inShard(r.index, shard));
      const todo = mine.filter((r) => !done.has(r.key));
      if (!started) {
        progress('start', mine.length);
        started = true;
      }
      if (todo.length === 0) break;
      const write = (run: PlannedRun, outcome: RunOutcome, wallSeconds: number): void => {
        const record = makeRecord(current, run, outcome, wallSeconds, executor?.threads ?? 1, host);
        writer?.append(record);
        done.set(run.key, record);
        ran++;
        progress('run', mine.length, record);
      };
      const { execute, copies, followers } = splitTwins(exp, current.runs, todo, done);
      // a copy costs nothing: its wallSeconds is 0
      for (const [run, twin] of copies) write(run, exp.twinOutcome!(outcomeOf(twin), run), 0);
      copied += copies.length + [...followers.values()].reduce((n, f) => n + f.length, 0);
      if (execute.length === 0) continue;
      executor ??= await startExecutor(exp, Math.min(requested, execute.length), opts, current.runs);
      costLeft = execute.reduce((c, r) => c + expectedCost(r), 0);
      await executor.run(longestFirst(execute), (run, outcome, wallSeconds) => {
        const cost = expectedCost(run);
        costDone += cost;
        costLeft -= cost;
        write(run, outcome, wallSeconds);
        for (const f of followers.get(run.key) ?? []) write(f, exp.twinOutcome!(outcome, f), 0);
      });
    }
    const records = current.runs
      .map((r) => done.get(r.key))
      .filter((r): r is RunRecord => r !== undefined && inShard(r.index, shard));
    progress('end', current.runs.filter((r) => inShard(r.index, shard)).length);
    return {
      plan: current,
      records,
      ran,
      copied,
      skipped,
      wallSeconds: (performance.now() - t0) / 1000,
      workers: executor?.workers ?? 0,
      threads: executor?.threads ?? 0,
    };
  } finally {
    await executor?.close();
    writer?.close();
  }
}

/**
 * Sorts the runs to do into those to execute, copies of a twin already recorded, and followers: runs copied from a
 * twin that executes now (keyed by that twin's key). Experiments without twinOutcome execute everything.
 */
function splitTwins(
  exp: Experiment,
  all: PlannedRun[],
  todo: PlannedRun[],
  done: Map<string, RunRecord>,
): {
  execute: PlannedRun[];
  copies: [PlannedRun, RunRecord][];
  followers: Map<string, PlannedRun[]>;
} {
  if (!exp.twinOutcome) return { execute: todo, copies: [], followers: new Map() };
  const recorded = new Map<string, RunRecord>();
  for (const r of all)
    if (r.twin !== undefined && done.has(r.key) && !recorded.has(r.twin)) recorded.set(r.twin, done.get(r.key)!);
  const execute: PlannedRun[] = [];
  const copies: [PlannedRun, RunRecord][] = [];
  const followers = new Map<string, PlannedRun[]>();
  const leaderOf = new Map<string, string>();
  for (const run of todo) {
    if (run.twin === undefined) execute.push(run);
    else if (recorded.has(run.twin)) copies.push([run, recorded.get(run.twin)!]);
    else if (leaderOf.has(run.twin)) followers.get(leaderOf.get(run.twin)!)!.push(run);
    else {
      leaderOf.set(run.twin, run.key);
      followers.set(run.key, []);
      execute.push(run);
    }
  }
  return { execute, copies, followers };
}

function outcomeOf(r: RunRecord): RunOutcome {
  const outcome: RunOutcome = { config: r.config, topology: r.topology, history: r.history, final: r.final };
  if (r.data !== undefined) outcome.data = r.data;
  return outcome;
}

/** One record, its fields in a fixed order so that equal runs give equal lines. */
function makeRecord(
  p: Plan,
  run: PlannedRun,
  o: RunOutcome,
  wallSeconds: number,
  threads: number,
  host: string,
): RunRecord {
  const record: RunRecord = {
    v: RECORD_VERSION,
    experiment: p.experiment,
    planId: p.planId,
    params: p.params,
    index: run.index,
    key: run.key,
    tags: run.tags,
    config: o.config,
    topology: o.topology,
    history: o.history,
    final: o.final,
    wallSeconds,
    threads,
    host,
  };
  if (o.data !== undefined) {
    const { wallSeconds: w, threads: t, host: h, ...head } = record;
    return { ...head, data: o.data, wallSeconds: w, threads: t, host: h };
  }
  return record;
}

/** Executes runs and reports each finished one (in completion order). */
interface Executor {
  workers: number;
  threads: number;
  run(runs: PlannedRun[], onDone: (run: PlannedRun, outcome: RunOutcome, wallSeconds: number) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * The data the plan's runs train on, each dataset loaded once: MNIST when a run trains on it as shipped (or has no
 * config), and every other DataSpec by its key. `--data` (opts.data) is where a named dataset's files are.
 */
async function loadPlanData(
  exp: Experiment,
  opts: RunPlanOptions,
  runs: readonly PlannedRun[],
): Promise<{ mnist: Mnist | null; datasets: Map<string, TrainData> }> {
  const datasets = new Map<string, TrainData>();
  if (!exp.needsData) return { mnist: null, datasets };
  let needsMnist = false;
  const specs = new Map<string, DataSpec>();
  for (const run of runs) {
    if (!run.config || isPlainMnist(run.config)) needsMnist = true;
    else specs.set(dataKey(run.config), dataSpecOf(run.config));
  }
  const mnist = needsMnist ? (opts.mnist ?? (await loadMnist({ dir: opts.data }))) : null;
  for (const [key, spec] of specs) {
    const named = !isUserData(spec);
    datasets.set(
      key,
      await loadData(
        named && spec.data === undefined && opts.data !== undefined ? { ...spec, data: opts.data } : spec,
        { mnist: mnist ?? undefined, log: opts.warn },
      ),
    );
  }
  return { mnist, datasets };
}

async function startExecutor(
  exp: Experiment,
  workers: number,
  opts: RunPlanOptions,
  runs: readonly PlannedRun[],
): Promise<Executor> {
  const loaded = await loadPlanData(exp, opts, runs);
  if (workers > 1) {
    const threads = opts.threads ?? 1;
    // loaded once here and shared: N workers would otherwise each spend the load and hold a copy
    const mnist = loaded.mnist
      ? loaded.mnist.train.images.buffer instanceof SharedArrayBuffer
        ? loaded.mnist
        : shareMnist(loaded.mnist)
      : undefined;
    const datasets = [...loaded.datasets].map(([k, d]) => [k, shareData(d)] as [string, TrainData]);
    const pool = await WorkerPool.start(workers, {
      experiment: exp.name,
      threads,
      data: opts.data,
      needsData: exp.needsData,
      mnist,
      datasets,
    });
    return { workers, threads, run: (runs, onDone) => pool.run(runs, onDone), close: () => pool.close() };
  }
  const mnist: Mnist | null = loaded.mnist;
  const engine = exp.needsData ? await Engine.create({ threads: opts.threads }) : undefined;
  const ctx = { mnist, datasets: loaded.datasets, threads: engine?.threads ?? 1, engine };
  return {
    workers: 1,
    threads: ctx.threads,
    async run(runs, onDone) {
      for (const run of runs) {
        const t = performance.now();
        const outcome = await runOne(exp, run, ctx);
        onDone(run, outcome, (performance.now() - t) / 1000);
      }
    },
    async close() {
      engine?.close();
    },
  };
}

/** Executes one run; an error names the run. */
export async function runOne(
  exp: Experiment,
  run: PlannedRun,
  ctx: Parameters<Experiment['execute']>[1],
): Promise<RunOutcome> {
  try {
    return await exp.execute(run, ctx);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`run ${run.index} (${run.key}): ${err.message}`);
    throw err;
  }
}
