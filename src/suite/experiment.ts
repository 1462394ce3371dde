// What an experiment is: parameters -> a deterministic plan of runs -> one JSON-lines record per run -> a summary.
// Every experiment of the suite (src/suite/experiments/<name>.ts) implements `Experiment`; the runner, the shards,
// the merge, `summarize`, `plot` and `report` know experiments only through this interface and `RunRecord`.
import type { RunRecord, Tags, TrainConfig } from '../records/run-record.js';
import type { Mnist } from '../data/mnist.js';
import type { TrainData } from '../data/source.js';
import type { Engine } from '../engine/engine.js';

// the record format, below the suite (src/records/run-record.ts); re-exported for the experiments that write it
export {
  RECORD_VERSION,
  type RunRecord,
  type RecordTopology,
  type RecordFinal,
  type Tags,
} from '../records/run-record.js';

/** One run of a plan: everything needed to redo it, and nothing that depends on when or where it ran. */
export interface RunSpec {
  /** Stable identity of the run inside its experiment, e.g. `10,10/10|seed=100|epochs=3|batch=100`. */
  key: string;
  /** Training configuration (absent for runs that train nothing, such as Fig 3's topology-only runs). */
  config?: TrainConfig;
  /** The radix list of a topology-only run (`config` absent). */
  radices?: string;
  /** The layer sizes of a topology-only run (`config` absent). */
  layers?: number[];
  tags: Tags;
  /**
   * Runs with the same twin key compute the same thing (e.g. radix lists whose masks are identical, trained with the
   * same config): the runner executes one and makes the others' outcomes with the experiment's `twinOutcome`.
   */
  twin?: string;
}

/** What a run's executor gets: MNIST loaded once per worker, and the thread count to train with. */
export interface RunContext {
  mnist: Mnist | null;
  /** Every other dataset the plan's runs train on, loaded once, by `dataKey` of the run's config. */
  datasets?: Map<string, TrainData>;
  threads: number;
  /** The worker's engine (`threads` threads), kept across runs: pass it to trainMnist's hooks and dispose models. */
  engine?: Engine;
}

/** The result of executing one run; the runner adds v, experiment, planId, index, key, tags, wallSeconds, threads, host. */
export type RunOutcome = Pick<RunRecord, 'config' | 'topology' | 'history' | 'final'> & {
  data?: Record<string, unknown>;
};

/** A parameter of an experiment, as the CLI shows and parses it. */
export interface ParamSpec {
  /** Option name without dashes, e.g. `epochs`, `networks-per-bin`. */
  flag: string;
  description: string;
  /** Parses the option text; throws InputError with a one-line message on bad input. */
  parse: (text: string) => unknown;
}

/** A summary: the numbers a reader of the paper compares, as lines of text and as plain data. */
export interface Summary {
  text: string[];
  data: Record<string, unknown>;
}

export interface Experiment<P extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  /** One line for `--help`, naming the paper's figure. */
  description: string;
  /** The paper's parameters. */
  defaults: P;
  /** Overrides that shrink the experiment to seconds (`--quick`). */
  quick: Partial<P>;
  params: Record<keyof P & string, ParamSpec>;
  /** Whether runs need MNIST (false for topology-only experiments). */
  needsData: boolean;
  /**
   * The ordered runs. Experiments in stages (Fig 8 retrains the models its first stage found strange) get the records
   * written so far and return the runs of every stage they can plan from them; the runner calls again until nothing new
   * appears. For a given params and given records the result is deterministic.
   * A later stage is returned only once `done` holds every run of the stages it depends on, and after them: then a
   * run's index never changes as records arrive. A shard never holds a whole stage, so later stages run on the merged
   * file (`radixnet experiment NAME --out merged.jsonl` after `radixnet merge`).
   */
  plan(params: P, done: readonly RunRecord[]): RunSpec[];
  /** Executes one run; pure function of the spec (training is seeded). */
  execute(run: RunSpec, ctx: RunContext): Promise<RunOutcome>;
  /** The outcome of `run` from that of its twin (same `twin` key), equal to what executing `run` would give. */
  twinOutcome?(outcome: RunOutcome, run: RunSpec): RunOutcome;
  /** The numbers to print at the end and in `radixnet summarize`. */
  summarize(records: readonly RunRecord[], params: P): Summary;
  /**
   * Parameters that may differ between results files summarized together (`radixnet summarize A B`: more seeds of
   * the same runs, run later as another plan); every other parameter must agree. Absent: one file at a time.
   */
  combinable?: readonly (keyof P & string)[];
}
